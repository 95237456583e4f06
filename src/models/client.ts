/**
 * The `ModelClient` the engine talks to: resolves settings, checks credentials, and makes
 * one structured-output call: with tools (a loop of steps) through the AI SDK's
 * `generateText`, without tools straight through the provider model (direct-call.ts).
 *
 * Two failure kinds are kept apart on purpose:
 * - transport failures (429, 5xx, timeouts, resets, malformed bodies) are retried here and
 *   finally thrown as `E_MODEL`;
 * - a model that answered but not with JSON for the schema is a *content* failure: it is
 *   returned (`output: undefined`, `parseError`, `text`) so the engine can feed the error
 *   back to the model within its own `max_retries`.
 */
import type { LanguageModel } from 'ai';
import type { LlmSettings, Workflow } from '../config/types.js';
import { AgentcrateError } from '../errors.js';
import { createRedactor } from '../secrets/index.js';
import { CallDeadlines } from './call-deadlines.js';
import { missingCredentials } from './credentials.js';
import { directCall, toV3Prompt } from './direct-call.js';
import { createDryRunModel, DRY_RUN_PROVIDER, type LanguageModelV3 } from './dry-run-model.js';
import { modelError } from './model-error.js';
import { PROVIDERS, providerSpec } from './providers.js';
import { readOverride, resolveLlm } from './resolve.js';
import { abortableSleep } from './retry.js';
import { callWithTools, describeParseError } from './tool-loop.js';
import { type TransportPolicy, withTransportPolicy } from './transport-policy.js';
import type {
  LanguageModelFactory,
  LlmOverride,
  ModelClient,
  ModelRequest,
  ModelResponse,
  ResolvedLlm,
  Usage,
} from './types.js';

export const DEFAULT_CALL_TIMEOUT_MS = 60_000;

/** The key of absent settings in the cache of resolved ones. */
const NO_SETTINGS = {};

/**
 * Strict JSON-schema mode rejects open objects (`dict` fields); the engine validates anyway.
 * OpenAI-compatible models get the same through their request body (providers.ts).
 */
const PROVIDER_OPTIONS = { openai: { strictJsonSchema: false } };

export interface CreateModelClientOptions {
  env: Record<string, string | undefined>;
  /** CLI flags; each one wins over the matching AGENTCRATE_LLM_* variable. */
  override?: LlmOverride;
  dryRun?: boolean;
  /** Transport for provider calls; defaults to `transport.ts` (undici's request API, loaded on the first call). */
  fetch?: typeof fetch;
  /**
   * Largest model answer accepted, in bytes after decompression (default 8 MiB, or
   * `AGENTCRATE_MAX_MODEL_ANSWER_BYTES`); applies to the default transport.
   */
  maxAnswerBytes?: number;
  /** Replaces the provider registry when building models (tests, custom transports). */
  modelFactory?: LanguageModelFactory;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  random?: () => number;
  /** Longest wait for one provider call before it counts as a (retryable) timeout. */
  callTimeoutMs?: number;
  now?: () => number;
}

export function createModelClient(options: CreateModelClientOptions): ModelClient {
  const env = options.env;
  const dryRun = options.dryRun === true;
  const override = readOverride(env, options.override);
  const now = options.now ?? (() => performance.now());
  const callTimeoutMs = options.callTimeoutMs ?? DEFAULT_CALL_TIMEOUT_MS;
  const deadlines = new CallDeadlines(callTimeoutMs);
  const models = new Map<string, Promise<LanguageModel>>();
  const redact = createRedactor({
    env,
    secrets: [...PROVIDERS.values()].flatMap((spec) => spec.secrets(env)),
  });
  const maxAnswerBytes = options.maxAnswerBytes ?? readAnswerCap(env);
  let transport: Promise<typeof fetch> | undefined;
  const loadTransport = (): Promise<typeof fetch> => {
    transport ??= options.fetch
      ? Promise.resolve(options.fetch)
      : import('./transport.js').then((m) => m.createModelTransport({ maxAnswerBytes }));
    return transport;
  };

  /**
   * A node's settings resolved once: the engine asks on every step with the same (compiled,
   * unchanging) objects, and a run's calls then share one frozen result.
   */
  const resolved = new WeakMap<object, WeakMap<object, ResolvedLlm>>();
  const resolve = (workflowLlm: Workflow['config']['llm'], nodeLlm: LlmSettings | undefined): ResolvedLlm => {
    const outer = workflowLlm ?? NO_SETTINGS;
    const inner = nodeLlm ?? NO_SETTINGS;
    let byNode = resolved.get(outer);
    let llm = byNode?.get(inner);
    if (llm === undefined) {
      llm = Object.freeze(resolveLlm(workflowLlm, nodeLlm, { env, override, dryRun }));
      if (byNode === undefined) {
        byNode = new WeakMap();
        resolved.set(outer, byNode);
      }
      byNode.set(inner, llm);
    }
    return llm;
  };

  /** Models already made, for a call to take without waiting on their promise. */
  const made = new Map<string, LanguageModel>();
  /** The same, by the resolved settings a call carries (most calls carry one `resolve` gave). */
  const madeFor = new WeakMap<ResolvedLlm, LanguageModel>();
  const modelKey = (llm: ResolvedLlm): string =>
    `${llm.provider}\u0000${llm.model}\u0000${llm.baseURL ?? ''}`;
  const madeModel = (llm: ResolvedLlm): LanguageModel | undefined => {
    let model = madeFor.get(llm);
    if (model === undefined) {
      model = made.get(modelKey(llm));
      if (model !== undefined) madeFor.set(llm, model);
    }
    return model;
  };
  const baseModel = (llm: ResolvedLlm): Promise<LanguageModel> => {
    if (dryRun) return Promise.resolve(createDryRunModel(llm.model));
    const key = modelKey(llm);
    let model = models.get(key);
    if (model === undefined) {
      model = options.modelFactory
        ? Promise.resolve(options.modelFactory(llm))
        : loadTransport().then((fetch) => providerSpec(llm.provider).create(llm, { env, fetch }));
      // A failed creation (bad settings) is not cached, so a corrected retry can succeed.
      model.then(
        (value) => made.set(key, value),
        () => models.delete(key),
      );
      models.set(key, model);
    }
    return model;
  };

  async function generate(request: ModelRequest): Promise<ModelResponse> {
    const started = now();
    let attempts = 1;
    const base = (dryRun ? undefined : madeModel(request.llm)) ?? (await baseModel(request.llm));
    const policy: TransportPolicy = {
      maxRetries: request.maxRetries,
      callTimeoutMs,
      deadlines,
      sleep: options.sleep ?? abortableSleep,
      random: options.random,
      onRetry: () => {
        attempts++;
      },
    };
    const provider = dryRun ? DRY_RUN_PROVIDER : request.llm.provider;
    const withTools = hasKeys(request.tools);
    const maxSteps = Math.max(1, request.maxToolSteps);
    const respond = (fields: Omit<ModelResponse, 'latencyMs' | 'attempts' | 'provider' | 'model'>) => ({
      ...fields,
      latencyMs: Math.round(now() - started),
      attempts,
      provider,
      model: request.llm.model,
    });

    const noAnswer = (finishReason: string) =>
      `the model gave no final answer within ${maxSteps} step(s) (finish reason: ${finishReason})`;
    // One step without tools: straight through the provider (direct-call.ts explains why),
    // under the policy without a wrapper model around it.
    const direct = !withTools && isV3(base) ? base : undefined;
    const prompt = direct && toV3Prompt(request.system, request.messages);

    // A direct call needs the AI SDK (the `ai` package) only for its errors, when an answer
    // does not parse: not loading it first keeps it off a one-shot runner's start.
    let sdk: typeof import('ai') | undefined;
    try {
      if (direct !== undefined && prompt !== undefined) {
        const r = await directCall(
          direct,
          prompt,
          {
            schema: request.outputSchema,
            temperature: request.llm.temperature,
            maxOutputTokens: request.llm.maxTokens,
            abortSignal: request.signal,
            providerOptions: PROVIDER_OPTIONS,
            policy,
          },
          loadAiSdk,
        );
        return respond({
          output: r.output,
          text: r.text,
          usage: r.usage,
          finishReason: r.finishReason,
          ...(r.answered ? {} : { parseError: noAnswer(r.finishReason) }),
        });
      }
      sdk = await loadAiSdk();
      const { generateText, jsonSchema, NoOutputGeneratedError, Output } = sdk;
      const model = isV3(base) ? withTransportPolicy(base, policy) : base;
      if (withTools) {
        return respond(
          await callWithTools(sdk, model, request, { maxSteps, providerOptions: PROVIDER_OPTIONS }),
        );
      }
      const result = await generateText({
        model,
        system: request.system,
        messages: request.messages,
        output: Output.object({ schema: jsonSchema(request.outputSchema) }),
        temperature: request.llm.temperature,
        maxOutputTokens: request.llm.maxTokens,
        abortSignal: request.signal,
        maxRetries: 0,
        providerOptions: PROVIDER_OPTIONS,
      });
      const usage = toUsage(result.totalUsage);
      try {
        return respond({
          output: result.output,
          text: result.text,
          usage,
          finishReason: result.finishReason,
        });
      } catch (error) {
        if (!NoOutputGeneratedError.isInstance(error)) throw error;
        return respond({
          output: undefined,
          text: result.text,
          usage,
          finishReason: result.finishReason,
          parseError: noAnswer(result.finishReason),
        });
      }
    } catch (error) {
      // Loaded already unless a direct call failed (then it is cached after the first failure).
      const { NoObjectGeneratedError } = sdk ?? (await loadAiSdk());
      if (NoObjectGeneratedError.isInstance(error)) {
        return respond({
          output: undefined,
          text: error.text ?? '',
          usage: toUsage(error.usage),
          finishReason: error.finishReason ?? 'unknown',
          parseError: describeParseError(error),
        });
      }
      if (request.signal.aborted) throw cancellation(request.signal, request.nodeId);
      if (error instanceof AgentcrateError) throw error;
      throw modelError(error, { nodeId: request.nodeId, llm: request.llm, attempts, redact });
    }
  }

  return {
    dryRun,
    resolve,
    generate,
    missingCredentials: (workflow) => (dryRun ? [] : missingCredentials(workflow, resolve, env)),
  };
}

/**
 * The AI SDK is imported on the first model call, not at startup: it is the largest module
 * the server loads (its cost is in BENCHMARKS.md, "Numbers behind settings in the code"),
 * and a server should be ready, and a `validate` or dry-run CLI quick, without it.
 */
let aiSdk: Promise<typeof import('ai')> | undefined;
export function loadAiSdk(): Promise<typeof import('ai')> {
  aiSdk ??= import('ai');
  return aiSdk;
}

/** `AGENTCRATE_MAX_MODEL_ANSWER_BYTES`, when set: a whole number of bytes. */
export function readAnswerCap(env: Record<string, string | undefined>): number | undefined {
  const raw = env.AGENTCRATE_MAX_MODEL_ANSWER_BYTES?.trim();
  if (raw === undefined || raw === '') return undefined;
  const value = Number(raw);
  if (!Number.isSafeInteger(value) || value < 1) {
    throw new AgentcrateError(
      'E_USAGE',
      `AGENTCRATE_MAX_MODEL_ANSWER_BYTES must be a whole number of bytes ≥ 1, got '${raw}'`,
    );
  }
  return value;
}

function hasKeys(record: object): boolean {
  for (const key in record) if (Object.hasOwn(record, key)) return true;
  return false;
}

function isV3(model: LanguageModel): model is LanguageModelV3 {
  return typeof model === 'object' && model.specificationVersion === 'v3';
}

function toUsage(usage: { inputTokens?: number; outputTokens?: number } | undefined): Usage {
  return { inputTokens: usage?.inputTokens ?? 0, outputTokens: usage?.outputTokens ?? 0 };
}

function cancellation(signal: AbortSignal, nodeId: string): AgentcrateError {
  const reason: unknown = signal.reason;
  if (reason instanceof AgentcrateError) return reason;
  return new AgentcrateError('E_CANCELLED', `model call for node '${nodeId}' was cancelled`, {
    cause: reason,
    details: { nodeId },
  });
}
