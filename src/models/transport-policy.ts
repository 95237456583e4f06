/**
 * Wraps an AI SDK model so each provider call (one step of the tool loop) gets its own
 * per-call timeout and transport retries. Retrying per call rather than around the whole
 * `generateText` matters: a failure in step 3 must not re-run the tools of steps 1–2.
 */

import type { CallDeadlines } from './call-deadlines.js';
import { callSignal } from './call-signal.js';
import type { LanguageModelV3 } from './dry-run-model.js';
import { ModelCallTimeoutError, type RetryOptions, withRetry } from './retry.js';

export interface TransportPolicy {
  maxRetries: number;
  callTimeoutMs: number;
  sleep?: RetryOptions['sleep'];
  random?: RetryOptions['random'];
  /** Called once per retry, so the caller can count transport attempts. */
  onRetry?: RetryOptions['onRetry'];
  /** The client's timeouts (of `callTimeoutMs` each) behind one timer; else a timer per call. */
  deadlines?: CallDeadlines;
}

/**
 * The calls in flight under each caller signal (a run's: one serves every call of the run),
 * which one listener per signal aborts, instead of a listener added and removed per call.
 * Node's EventTarget makes each add and remove cost more than the rest of this file's work.
 */
const following = new WeakMap<AbortSignal, Set<(reason: unknown) => void>>();

function follow(signal: AbortSignal, abort: (reason: unknown) => void): Set<(reason: unknown) => void> {
  let calls = following.get(signal);
  if (calls === undefined) {
    const inFlight = new Set<(reason: unknown) => void>();
    following.set(signal, inFlight);
    signal.addEventListener(
      'abort',
      () => {
        for (const end of inFlight) end(signal.reason);
        inFlight.clear();
      },
      { once: true },
    );
    calls = inFlight;
  }
  calls.add(abort);
  return calls;
}

/** One attempt of a call under the policy's timeout and the caller's signal. */
async function attemptWithTimeout<T>(
  policy: TransportPolicy,
  signal: AbortSignal | undefined,
  call: (s: AbortSignal) => PromiseLike<T>,
): Promise<T> {
  // A signal per call, aborted by the timeout or by the caller's signal (its reason passed
  // on): not AbortSignal.any, whose composite signal is tracked through weak references
  // until the garbage collector clears it, which a server would pay on every model call.
  const own = callSignal();
  const timeOut = (): void => own.abort(new ModelCallTimeoutError(policy.callTimeoutMs));
  const deadlines = policy.deadlines;
  const deadline = deadlines?.start(timeOut);
  const timer = deadlines === undefined ? setTimeout(timeOut, policy.callTimeoutMs) : undefined;
  let calls: Set<(reason: unknown) => void> | undefined;
  if (signal?.aborted) own.abort(signal.reason);
  else if (signal !== undefined) calls = follow(signal, own.abort);
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
    if (deadline !== undefined) deadlines?.end(deadline);
    else clearTimeout(timer);
    calls?.delete(own.abort);
  }
}

const retryOptions = (policy: TransportPolicy, signal: AbortSignal | undefined): RetryOptions => ({
  maxRetries: policy.maxRetries,
  signal,
  sleep: policy.sleep,
  random: policy.random,
  onRetry: policy.onRetry,
});

type CallOptions = Parameters<LanguageModelV3['doGenerate']>[0];

/** One `doGenerate` of `model` under the policy: what the wrapper below does, for one call. */
export function generateWithPolicy(
  model: LanguageModelV3,
  options: CallOptions,
  policy: TransportPolicy,
): ReturnType<LanguageModelV3['doGenerate']> {
  return withRetry(
    () =>
      attemptWithTimeout(policy, options.abortSignal, (s) =>
        model.doGenerate({ ...options, abortSignal: s }),
      ),
    retryOptions(policy, options.abortSignal),
  );
}

export function withTransportPolicy(model: LanguageModelV3, policy: TransportPolicy): LanguageModelV3 {
  return {
    specificationVersion: 'v3',
    provider: model.provider,
    modelId: model.modelId,
    get supportedUrls() {
      return model.supportedUrls;
    },
    doGenerate: (options) => generateWithPolicy(model, options, policy),
    // Only opening the stream is retried; once parts flow, a failure belongs to the reader.
    doStream: (options) =>
      withRetry(
        () =>
          attemptWithTimeout(policy, options.abortSignal, (s) =>
            model.doStream({ ...options, abortSignal: s }),
          ),
        retryOptions(policy, options.abortSignal),
      ),
  };
}
