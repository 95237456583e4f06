/**
 * An in-process AI SDK language model (spec v3) for `--dry-run`: it answers every call with
 * a placeholder valid for the JSON Schema in the call's response format, never calls tools,
 * needs no credentials and touches no network. Being a real `LanguageModelV3`, it goes
 * through exactly the same path as a real provider (client.ts).
 */
import type { LanguageModel } from 'ai';
import { placeholderFor } from './schema-sample.js';

/** The v3 spec model type, taken from `ai`'s own union so we depend on `ai` alone. */
export type LanguageModelV3 = Extract<LanguageModel, { specificationVersion: 'v3' }>;
type CallOptions = Parameters<LanguageModelV3['doGenerate']>[0];
type GenerateResult = Awaited<ReturnType<LanguageModelV3['doGenerate']>>;
type StreamPart =
  Awaited<ReturnType<LanguageModelV3['doStream']>>['stream'] extends ReadableStream<infer P> ? P : never;

export const DRY_RUN_PROVIDER = 'dry-run';

const ZERO_USAGE: GenerateResult['usage'] = {
  inputTokens: { total: 0, noCache: 0, cacheRead: 0, cacheWrite: 0 },
  outputTokens: { total: 0, text: 0, reasoning: 0 },
};

/** The text a dry run answers for one call. */
export function dryRunText(options: CallOptions): string {
  const format = options.responseFormat;
  if (format?.type === 'json') {
    return JSON.stringify(format.schema === undefined ? {} : placeholderFor(format.schema, 'value'));
  }
  return '[dry-run] answer';
}

export function createDryRunModel(modelId = 'dry-run'): LanguageModelV3 {
  return {
    specificationVersion: 'v3',
    provider: DRY_RUN_PROVIDER,
    modelId,
    supportedUrls: {},
    async doGenerate(options) {
      options.abortSignal?.throwIfAborted();
      return {
        content: [{ type: 'text', text: dryRunText(options) }],
        finishReason: { unified: 'stop', raw: 'stop' },
        usage: ZERO_USAGE,
        warnings: [],
        response: { id: 'dry-run', modelId, timestamp: new Date(0) },
      };
    },
    async doStream(options) {
      options.abortSignal?.throwIfAborted();
      const text = dryRunText(options);
      const parts: StreamPart[] = [
        { type: 'stream-start', warnings: [] },
        { type: 'text-start', id: '0' },
        { type: 'text-delta', id: '0', delta: text },
        { type: 'text-end', id: '0' },
        { type: 'finish', usage: ZERO_USAGE, finishReason: { unified: 'stop', raw: 'stop' } },
      ];
      return {
        stream: new ReadableStream<StreamPart>({
          start(controller) {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        }),
      };
    },
  };
}
