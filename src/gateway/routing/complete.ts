/**
 * A non-streaming request: attempts along the plan until one answers. A request error (a 4xx
 * other than 408/429) ends the walk at once and goes back to the client as the upstream said
 * it; every other failure is recorded on the upstream (statistics, circuit) and the walk goes
 * on. When every target failed, the last failure is what the client hears about.
 */
import type { ChatRequest } from '../openai/types.js';
import { UpstreamError } from '../upstream/errors.js';
import type { CompleteResult } from '../upstream/types.js';
import { type Aborted, ClientGoneError, type RequestClock, startAttemptClock } from './attempt.js';
import { type AttemptRecord, addUsage, type DispatchDeps, type RequestRecord } from './record.js';
import type { Plan } from './router.js';
import { type Step, TargetWalk } from './walk.js';

export class TargetsExhaustedError extends Error {
  readonly last: UpstreamError | undefined;
  constructor(last: UpstreamError | undefined, alias: string) {
    super(
      last === undefined
        ? `no target of '${alias}' could be tried`
        : `every target of '${alias}' failed; the last: ${last.message}`,
    );
    this.name = 'TargetsExhaustedError';
    this.last = last;
  }
}

export async function dispatchComplete(
  plan: Plan,
  body: ChatRequest,
  deps: DispatchDeps,
  record: RequestRecord,
  clock: RequestClock,
): Promise<CompleteResult> {
  const walk = new TargetWalk(plan, deps, record, clock.cancel);
  for (;;) {
    const step = await walk.next();
    if (step === undefined) throw new TargetsExhaustedError(walk.lastError, plan.alias);
    const attempt: AttemptRecord = {
      upstream: step.target.upstream,
      model: step.target.model,
      outcome: 'ok',
      ms: 0,
    };
    record.attempts.push(attempt);
    const started = deps.now();
    const timer = startAttemptClock(clock.cancel, step.timeouts, step.target.upstream);
    try {
      const result = await step.client.complete({
        body: { ...body, model: step.target.model },
        cancel: timer.cancel,
        requestId: record.requestId,
        onHeaders: timer.firstToken,
        onData: timer.data,
      });
      attempt.ms = Math.round(deps.now() - started);
      step.runtime.breaker.success();
      step.runtime.stats.success(attempt.ms);
      addUsage(record, attempt, step.runtime.config.provider, result.usage, deps.prices);
      record.upstream = step.target.upstream;
      record.model = step.target.model;
      return result;
    } catch (thrown) {
      attempt.ms = Math.round(deps.now() - started);
      if (clientGone(thrown, timer.cancel)) {
        attempt.outcome = 'client-gone';
        step.runtime.breaker.release(false);
        throw new ClientGoneError();
      }
      const error = asUpstreamError(thrown, timer.cancel, step);
      settle(step, attempt, error, deps);
      if (!error.fallbackable) throw error;
      walk.failed(step, error);
    } finally {
      timer.stop();
    }
  }
}

export function clientGone(thrown: unknown, signal: Aborted): boolean {
  return thrown instanceof ClientGoneError || (signal.aborted && signal.reason instanceof ClientGoneError);
}

/** Whatever an attempt threw, as the UpstreamError it means. */
export function asUpstreamError(thrown: unknown, signal: Aborted, step: Step): UpstreamError {
  if (thrown instanceof UpstreamError) return thrown;
  if (signal.aborted && signal.reason instanceof UpstreamError) return signal.reason;
  return new UpstreamError(
    'closed',
    `upstream '${step.target.upstream}': ${thrown instanceof Error ? thrown.message : String(thrown)}`,
    {
      cause: thrown,
    },
  );
}

/** Records a failed attempt on the request, the upstream's statistics and its circuit. */
export function settle(step: Step, attempt: AttemptRecord, error: UpstreamError, deps: DispatchDeps): void {
  attempt.outcome = error.fallbackable ? error.kind : 'request-error';
  if (error.status !== undefined) attempt.status = error.status;
  const message = deps.redact(error.message);
  attempt.error = message;
  if (error.countsAsFailure) {
    step.runtime.breaker.failure();
    step.runtime.stats.failure({ kind: error.kind, status: error.status, message });
  } else {
    step.runtime.breaker.release(true);
  }
}
