/**
 * Wraps an AI SDK model so each provider call (one step of the tool loop) gets its own
 * per-call timeout and transport retries. Retrying per call rather than around the whole
 * `generateText` matters: a failure in step 3 must not re-run the tools of steps 1–2.
 */
import type { LanguageModelV3 } from './dry-run-model.js';
import { ModelCallTimeoutError, type RetryOptions, withRetry } from './retry.js';

export interface TransportPolicy {
  maxRetries: number;
  callTimeoutMs: number;
  sleep?: RetryOptions['sleep'];
  random?: RetryOptions['random'];
  /** Called once per retry, so the caller can count transport attempts. */
  onRetry?: RetryOptions['onRetry'];
}

export function withTransportPolicy(model: LanguageModelV3, policy: TransportPolicy): LanguageModelV3 {
  const attemptWithTimeout = async <T>(
    signal: AbortSignal | undefined,
    call: (s: AbortSignal) => PromiseLike<T>,
  ) => {
    const timeout = new AbortController();
    const timer = setTimeout(
      () => timeout.abort(new ModelCallTimeoutError(policy.callTimeoutMs)),
      policy.callTimeoutMs,
    );
    const combined = signal === undefined ? timeout.signal : AbortSignal.any([signal, timeout.signal]);
    try {
      return await call(combined);
    } catch (error) {
      if (timeout.signal.aborted && !signal?.aborted) {
        const timedOut = new ModelCallTimeoutError(policy.callTimeoutMs);
        timedOut.cause = error;
        throw timedOut;
      }
      throw error;
    } finally {
      clearTimeout(timer);
    }
  };
  const retryOptions = (signal: AbortSignal | undefined): RetryOptions => ({
    maxRetries: policy.maxRetries,
    signal,
    sleep: policy.sleep,
    random: policy.random,
    onRetry: policy.onRetry,
  });

  return {
    specificationVersion: 'v3',
    provider: model.provider,
    modelId: model.modelId,
    get supportedUrls() {
      return model.supportedUrls;
    },
    doGenerate: (options) =>
      withRetry(
        () =>
          attemptWithTimeout(options.abortSignal, (s) => model.doGenerate({ ...options, abortSignal: s })),
        retryOptions(options.abortSignal),
      ),
    // Only opening the stream is retried; once parts flow, a failure belongs to the reader.
    doStream: (options) =>
      withRetry(
        () => attemptWithTimeout(options.abortSignal, (s) => model.doStream({ ...options, abortSignal: s })),
        retryOptions(options.abortSignal),
      ),
  };
}
