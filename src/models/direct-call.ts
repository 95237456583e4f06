/**
 * A structured-output call without tools, straight through the provider's `doGenerate`.
 *
 * For one step with no tools, `generateText` adds nothing the engine uses, yet costs about
 * as much CPU as the provider call itself: it re-validates the prompt against the SDK's
 * recursive message schema, builds step and result objects, and response messages, on every
 * call (measured in BENCHMARKS.md, "Numbers behind settings in the code"). This file does
 * exactly the part of `generateText` + `Output.object` that applies to that case, in the
 * SDK's own order and with its own error types, so the caller handles both paths alike:
 *
 * - the prompt in the provider's v3 format (`convertToLanguageModelPrompt` for text messages);
 * - `responseFormat: {type: 'json', schema}` as `Output.object` asks for it;
 * - the text of the answer parsed only when the model stopped (or gave text and no tool
 *   calls), with prototype-poisoning keys refused as the SDK's `safeParseJSON` does;
 * - an unparseable answer thrown as the SDK's `NoObjectGeneratedError` (same message, a
 *   `JSONParseError` cause), a missing one returned as no output.
 *
 * Calls with tools (a loop of steps) and models of an older spec still go through
 * `generateText` (client.ts).
 */
import type { JSONParseError as JSONParseErrorType, ModelMessage, NoObjectGeneratedError } from 'ai';
import type { LanguageModelV3 } from './dry-run-model.js';
import { generateWithPolicy, type TransportPolicy } from './transport-policy.js';

type CallOptions = Parameters<LanguageModelV3['doGenerate']>[0];
type V3Prompt = CallOptions['prompt'];

export interface DirectCallInput {
  schema: Record<string, unknown>;
  temperature?: number | undefined;
  maxOutputTokens?: number | undefined;
  abortSignal: AbortSignal;
  providerOptions: CallOptions['providerOptions'];
  /** Retries and the per-call timeout (transport-policy.ts); without it, one plain call. */
  policy?: TransportPolicy;
}

export interface DirectCallResult {
  /** undefined when the model gave no final answer (see `finishReason`). */
  output: unknown;
  answered: boolean;
  text: string;
  usage: { inputTokens: number; outputTokens: number };
  finishReason: string;
}

/** The SDK's error classes, from the lazily loaded `ai` module (client.ts). */
export interface SdkErrors {
  NoObjectGeneratedError: typeof NoObjectGeneratedError;
  JSONParseError: typeof JSONParseErrorType;
}

/**
 * The v3 prompt for plain-text messages, or undefined when a message carries anything else
 * (parts, images, tool results): those go through `generateText`, which converts them all.
 */
export function toV3Prompt(
  system: string | undefined,
  messages: readonly ModelMessage[],
): V3Prompt | undefined {
  const prompt: V3Prompt = [];
  if (system !== undefined) prompt.push({ role: 'system', content: system });
  for (const message of messages) {
    if (typeof message.content !== 'string') return undefined;
    if (message.role === 'user')
      prompt.push({ role: 'user', content: [{ type: 'text', text: message.content }] });
    else if (message.role === 'assistant')
      prompt.push({ role: 'assistant', content: [{ type: 'text', text: message.content }] });
    else return undefined;
  }
  return prompt;
}

export async function directCall(
  model: LanguageModelV3,
  prompt: V3Prompt,
  input: DirectCallInput,
  /** The SDK's error classes, loaded only when an answer does not parse. */
  errors: () => Promise<SdkErrors>,
): Promise<DirectCallResult> {
  const options: CallOptions = {
    prompt,
    responseFormat: { type: 'json', schema: input.schema as never },
    abortSignal: input.abortSignal,
    providerOptions: input.providerOptions,
  };
  if (input.temperature !== undefined) options.temperature = input.temperature;
  if (input.maxOutputTokens !== undefined) options.maxOutputTokens = input.maxOutputTokens;
  const response = await (input.policy
    ? generateWithPolicy(model, options, input.policy)
    : model.doGenerate(options));
  let text = '';
  for (const part of response.content) if (part.type === 'text') text += part.text;
  const usage = {
    inputTokens: response.usage.inputTokens.total ?? 0,
    outputTokens: response.usage.outputTokens.total ?? 0,
  };
  const finishReason = response.finishReason.unified;
  // generateText parses the output only when the step stopped, or ended with text that is
  // not a request for tools; otherwise there is no output (its NoOutputGeneratedError).
  if (!(finishReason === 'stop' || (finishReason !== 'tool-calls' && text.length > 0))) {
    return { output: undefined, answered: false, text, usage, finishReason };
  }
  const parsed = parseJsonSecurely(text);
  if (!parsed.ok) {
    const { NoObjectGeneratedError, JSONParseError } = await errors();
    throw new NoObjectGeneratedError({
      message: 'No object generated: could not parse the response.',
      cause: new JSONParseError({ text, cause: parsed.error }),
      text,
      response: {
        id: response.response?.id ?? '',
        timestamp: response.response?.timestamp ?? new Date(),
        modelId: response.response?.modelId ?? model.modelId,
        ...(response.response?.headers ? { headers: response.response.headers } : {}),
      },
      usage: usage as never,
      finishReason,
    });
  }
  return { output: parsed.value, answered: true, text, usage, finishReason };
}

const SUSPECT_PROTO =
  /"(?:_|\\u005[Ff])(?:_|\\u005[Ff])(?:p|\\u0070)(?:r|\\u0072)(?:o|\\u006[Ff])(?:t|\\u0074)(?:o|\\u006[Ff])(?:_|\\u005[Ff])(?:_|\\u005[Ff])"\s*:/;
const SUSPECT_CONSTRUCTOR =
  /"(?:c|\\u0063)(?:o|\\u006[Ff])(?:n|\\u006[Ee])(?:s|\\u0073)(?:t|\\u0074)(?:r|\\u0072)(?:u|\\u0075)(?:c|\\u0063)(?:t|\\u0074)(?:o|\\u006[Ff])(?:r|\\u0072)"\s*:/;

/**
 * JSON.parse, refusing `__proto__` keys and `constructor.prototype` (prototype poisoning) as
 * secure-json-parse does inside the SDK's safeParseJSON: an answer carrying them is treated
 * as unparseable, exactly as it would be through generateText.
 */
export function parseJsonSecurely(
  text: string,
): { ok: true; value: unknown } | { ok: false; error: unknown } {
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    return { ok: false, error };
  }
  // The scan only runs when the text could hold such a key (secure-json-parse's own patterns).
  if (!SUSPECT_PROTO.test(text) && !SUSPECT_CONSTRUCTOR.test(text)) return { ok: true, value };
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const node = stack.pop();
    if (node === null || typeof node !== 'object') continue;
    if (Object.hasOwn(node, '__proto__')) {
      return { ok: false, error: new SyntaxError('Object contains forbidden prototype property') };
    }
    const ctor = (node as { constructor?: unknown }).constructor;
    if (
      Object.hasOwn(node, 'constructor') &&
      ctor !== null &&
      typeof ctor === 'object' &&
      Object.hasOwn(ctor, 'prototype')
    ) {
      return { ok: false, error: new SyntaxError('Object contains forbidden prototype property') };
    }
    for (const child of Object.values(node))
      if (child !== null && typeof child === 'object') stack.push(child);
  }
  return { ok: true, value };
}
