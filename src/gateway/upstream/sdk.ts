/**
 * Upstreams reached through the AI SDK provider layer of the models room (google, anthropic,
 * bedrock, ollama): the same `providerSpec(...).create` the engine uses, given this
 * upstream's key and an undici transport with its connect timeout and connection pool.
 * Provider packages load on the first call, as in the engine.
 */
import type { LanguageModelV3 } from '@ai-sdk/provider';
import { Agent, fetch as undiciFetch } from 'undici';
import { providerSpec } from '../../models/providers.js';
import type { UpstreamConfig } from '../config/types.js';
import { fromSdkError, UpstreamError } from './errors.js';
import { toCallOptions } from './sdk-request.js';
import { chunksFromParts, toCompletion } from './sdk-response.js';
import type { AttemptInput, CompleteResult, StreamItem, Upstream } from './types.js';

/** The provider layer's own options object for OpenAI-style strictness (open schemas allowed). */
const PROVIDER_OPTIONS = {};

export function createSdkUpstream(config: UpstreamConfig): Upstream {
  const agent = new Agent({
    connections: config.maxConnections,
    connect: { timeout: config.timeouts.connectMs },
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: 30_000,
  });
  const transport = ((input: Parameters<typeof fetch>[0], init?: RequestInit) =>
    undiciFetch(
      input as never,
      {
        ...(init as object),
        dispatcher: agent,
        headers: { ...headersOf(init?.headers), ...config.headers },
      } as never,
    )) as unknown as typeof fetch;
  const models = new Map<string, Promise<LanguageModelV3>>();

  const modelFor = (model: string): Promise<LanguageModelV3> => {
    let created = models.get(model);
    if (created === undefined) {
      if (!config.hasCredentials) {
        throw new UpstreamError(
          'unavailable',
          `upstream '${config.name}' has no key: set ${config.keyVariables.join(' or ')}`,
        );
      }
      created = providerSpec(config.provider)
        .create(
          {
            provider: config.provider,
            model,
            ...(config.baseURL !== undefined ? { baseURL: config.baseURL } : {}),
          },
          { env: config.env, fetch: transport },
        )
        .then((m) => m as LanguageModelV3);
      created.catch(() => models.delete(model));
      models.set(model, created);
    }
    return created;
  };

  const call = async <T>(input: AttemptInput, run: (model: LanguageModelV3) => Promise<T>): Promise<T> => {
    let model: LanguageModelV3;
    try {
      model = await modelFor(input.body.model);
    } catch (error) {
      if (error instanceof UpstreamError) throw error;
      throw new UpstreamError('unavailable', `upstream '${config.name}': ${(error as Error).message}`, {
        cause: error,
      });
    }
    try {
      return await run(model);
    } catch (error) {
      throw fromSdkError(error, config.name, input.cancel, false);
    }
  };

  return {
    config,
    complete: (input) =>
      call(input, async (model): Promise<CompleteResult> => {
        const result = await model.doGenerate({
          ...toCallOptions(input.body, input.cancel.signal),
          providerOptions: PROVIDER_OPTIONS,
        });
        input.onHeaders?.();
        const completion = toCompletion(result, `chatcmpl-${input.requestId}`, input.body.model);
        return {
          body: JSON.stringify(completion),
          usage: {
            inputTokens: completion.usage?.prompt_tokens ?? 0,
            outputTokens: completion.usage?.completion_tokens ?? 0,
          },
          finishReason: completion.choices[0]?.finish_reason ?? null,
        };
      }),
    stream: (input) =>
      call(input, async (model): Promise<AsyncIterable<StreamItem>> => {
        const result = await model.doStream({
          ...toCallOptions(input.body, input.cancel.signal),
          providerOptions: PROVIDER_OPTIONS,
        });
        input.onHeaders?.();
        const meta = { id: `chatcmpl-${input.requestId}`, model: input.body.model, upstream: config.name };
        const signal = input.cancel;
        return {
          async *[Symbol.asyncIterator]() {
            try {
              yield* chunksFromParts(result.stream, meta, input.onData);
            } catch (error) {
              throw fromSdkError(error, config.name, signal, true);
            }
          },
        };
      }),
    close: () => agent.close(),
  };
}

function headersOf(headers: RequestInit['headers'] | undefined): Record<string, string> {
  if (headers === undefined) return {};
  if (headers instanceof Headers) {
    const out: Record<string, string> = {};
    headers.forEach((value, key) => {
      out[key] = value;
    });
    return out;
  }
  if (Array.isArray(headers)) return Object.fromEntries(headers);
  return headers as Record<string, string>;
}
