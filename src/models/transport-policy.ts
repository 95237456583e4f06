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
    // One controller per call, aborted by the timeout or by the caller's signal (its reason
    // passed on). The caller's abort is forwarded by a listener removed when the call ends,
    // rather than AbortSignal.any: a composite signal is tracked through weak references until
    // the garbage collector clears it, which a server pays for on every model call.
    const own = new AbortController();
    const timer = setTimeout(
      () => own.abort(new ModelCallTimeoutError(policy.callTimeoutMs)),
      policy.callTimeoutMs,
    );
    const forward = (): void => own.abort(signal?.reason);
    if (signal?.aborted) forward();
    else signal?.addEventListener('abort', forward, { once: true });
    try {
      return await call(own.signal);
    } catch (error) {
      if (own.signal.aborted && !signal?.aborted) {
        const timedOut = new ModelCallTimeoutError(policy.callTimeoutMs);
        timedOut.cause = error;
        throw timedOut;
      }
      throw error;
    } finally {
      clearTimeout(timer);
      signal?.removeEventListener('abort', forward);
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
