/**
 * A structured answer from a node with tools, in two phases.
 *
 * Servers that enforce a JSON-schema `response_format` with a grammar (llama.cpp, vLLM,
 * Ollama) apply only that grammar when a request also carries `tools`: the model can then
 * never call a tool. So the tool steps are sent with `tools` and no response format, and the
 * schema is asked for on its own step once the model stops calling tools (or the step limit
 * is reached): the one step that must produce the typed answer. A model that already answered
 * with a JSON object when it stopped calling tools is taken at its word, without another call.
 */
import type { LanguageModel, ModelMessage, NoObjectGeneratedError } from 'ai';
import { parseJsonSecurely } from './direct-call.js';
import type { ModelRequest, Usage } from './types.js';

export interface ToolLoopOutcome {
  output: unknown;
  parseError?: string;
  text: string;
  usage: Usage;
  finishReason: string;
}

type Sdk = typeof import('ai');

const FINAL_ANSWER =
  'Now give your final answer: only a JSON object that matches the given schema, no prose, no code fences.';

export async function callWithTools(
  sdk: Sdk,
  model: LanguageModel,
  request: ModelRequest,
  options: { maxSteps: number; providerOptions: Parameters<Sdk['generateText']>[0]['providerOptions'] },
): Promise<ToolLoopOutcome> {
  const { generateText, jsonSchema, NoObjectGeneratedError, NoOutputGeneratedError, Output, stepCountIs } =
    sdk;
  const common = {
    model,
    system: request.system,
    temperature: request.llm.temperature,
    maxOutputTokens: request.llm.maxTokens,
    abortSignal: request.signal,
    maxRetries: 0,
    providerOptions: options.providerOptions,
  };
  const usage: Usage = { inputTokens: 0, outputTokens: 0 };
  let messages: ModelMessage[] = request.messages;

  // The last allowed step is the typed answer's, so the tools get the steps before it.
  const toolSteps = options.maxSteps - 1;
  if (toolSteps >= 1) {
    const loop = await generateText({
      ...common,
      messages,
      tools: request.tools,
      stopWhen: stepCountIs(toolSteps),
    });
    add(usage, loop.totalUsage);
    if (loop.finishReason !== 'tool-calls') {
      const parsed = parseJsonSecurely(unfence(loop.text));
      if (parsed.ok && isObject(parsed.value)) {
        return { output: parsed.value, text: loop.text, usage, finishReason: loop.finishReason };
      }
    }
    messages = [...messages, ...loop.response.messages];
  }
  // After the model's own words, ask in a user turn: a trailing assistant message would be
  // continued as a prefill by servers such as llama.cpp.
  if (messages.at(-1)?.role === 'assistant')
    messages = [...messages, { role: 'user', content: FINAL_ANSWER }];

  try {
    const final = await generateText({
      ...common,
      messages,
      output: Output.object({ schema: jsonSchema(request.outputSchema) }),
    });
    add(usage, final.totalUsage);
    try {
      return { output: final.output, text: final.text, usage, finishReason: final.finishReason };
    } catch (error) {
      if (!NoOutputGeneratedError.isInstance(error)) throw error;
      return {
        output: undefined,
        text: final.text,
        usage,
        finishReason: final.finishReason,
        parseError: `the model gave no final answer (finish reason: ${final.finishReason})`,
      };
    }
  } catch (error) {
    if (!NoObjectGeneratedError.isInstance(error)) throw error;
    add(usage, error.usage);
    return {
      output: undefined,
      text: error.text ?? '',
      usage,
      finishReason: error.finishReason ?? 'unknown',
      parseError: describeParseError(error),
    };
  }
}

function add(total: Usage, usage: { inputTokens?: number; outputTokens?: number } | undefined): void {
  total.inputTokens += usage?.inputTokens ?? 0;
  total.outputTokens += usage?.outputTokens ?? 0;
}

const isObject = (v: unknown): v is Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v);

/** A JSON answer wrapped in a Markdown code fence, as chat models like to write it. */
function unfence(text: string): string {
  const trimmed = text.trim();
  const fenced = /^```(?:json)?\s*\n([\s\S]*?)\n?```$/.exec(trimmed);
  return fenced ? fenced[1]! : trimmed;
}

/** "could not parse" vs "did not match", plus the parser's or validator's own words. */
export function describeParseError(error: NoObjectGeneratedError): string {
  const cause = error.cause instanceof Error ? error.cause.message : undefined;
  const base = error.message.replace(/^No object generated: /, '');
  return cause === undefined ? base : `${base} ${cause}`;
}
