/**
 * The walk through a plan's targets, shared by plain and streaming requests: which attempt
 * comes next, and after a failure whether to retry the same target (after a jittered backoff
 * or the upstream's Retry-After) or move on. Moving on skips upstreams with an open circuit or
 * no key. The same target is not retried after a timeout or a mid-stream break while another
 * target remains (a slow or broken upstream is better left), nor when its Retry-After is
 * longer than the configured ceiling.
 */
import { backoffDelayMs } from '../../models/retry.js';
import type { TargetConfig, Timeouts } from '../config/types.js';
import { UpstreamError } from '../upstream/errors.js';
import type { Upstream } from '../upstream/types.js';
import type { Cancellation } from './attempt.js';
import type { UpstreamRuntime } from './pool.js';
import type { DispatchDeps, RequestRecord } from './record.js';
import type { Plan } from './router.js';

export interface Step {
  target: TargetConfig;
  runtime: UpstreamRuntime;
  client: Upstream;
  /** 1-based attempt at this target. */
  attempt: number;
  timeouts: Timeouts;
  /** Set when this step is the first on a new target after a failure on `from`. */
  moved?: { from: string; kind: 'fallback' | 'failover' };
}

const TIMEOUTS = new Set(['first-token-timeout', 'stall']);

export class TargetWalk {
  readonly #plan: Plan;
  readonly #deps: DispatchDeps;
  readonly #record: RequestRecord;
  readonly #cancel: Cancellation;
  #index = 0;
  #attempt = 0;
  #delayMs = 0;
  #move: Step['moved'] | undefined;
  lastError: UpstreamError | undefined;

  constructor(plan: Plan, deps: DispatchDeps, record: RequestRecord, cancel: Cancellation) {
    this.#plan = plan;
    this.#deps = deps;
    this.#record = record;
    this.#cancel = cancel;
  }

  /** The next attempt (after waiting its backoff), or undefined when every target is spent. */
  async next(): Promise<Step | undefined> {
    for (;;) {
      const target = this.#plan.targets[this.#index];
      if (target === undefined) return undefined;
      const runtime = this.#deps.pool.get(target.upstream);
      if (runtime === undefined || this.#attempt >= this.#plan.retries.attempts) {
        this.#advance('fallback');
        continue;
      }
      if (this.#delayMs > 0) {
        const wait = this.#delayMs;
        this.#delayMs = 0;
        await this.#deps.sleep(wait, this.#cancel.signal);
      }
      if (runtime.client === undefined) {
        this.#skip(
          target,
          new UpstreamError(
            'unavailable',
            `upstream '${target.upstream}' is unavailable: ${runtime.unavailable ?? ''}`,
          ),
        );
        continue;
      }
      if (!runtime.breaker.tryAcquire()) {
        this.#skip(
          target,
          new UpstreamError(
            'circuit-open',
            `upstream '${target.upstream}' has an open circuit (retry in ${Math.ceil(runtime.breaker.retryInMs / 1000)} s)`,
          ),
        );
        continue;
      }
      this.#attempt += 1;
      const step: Step = {
        target,
        runtime,
        client: runtime.client,
        attempt: this.#attempt,
        timeouts: { ...runtime.config.timeouts, ...this.#plan.timeouts },
      };
      if (this.#move !== undefined) {
        step.moved = this.#move;
        if (this.#move.kind === 'fallback') this.#record.fallbacks += 1;
        this.#move = undefined;
      }
      return step;
    }
  }

  /** An attempt failed with an error worth another try somewhere. */
  failed(step: Step, error: UpstreamError, midStream = false): void {
    this.lastError = error;
    const lastTarget = this.#index >= this.#plan.targets.length - 1;
    const retrySame =
      this.#attempt < this.#plan.retries.attempts &&
      error.kind !== 'total-timeout' &&
      (lastTarget || (!midStream && !TIMEOUTS.has(error.kind))) &&
      (error.retryAfterMs === undefined || error.retryAfterMs <= this.#plan.retries.maxRetryAfterMs) &&
      step.runtime.breaker.state === 'closed';
    if (retrySame) {
      this.#delayMs =
        error.retryAfterMs ??
        backoffDelayMs(this.#attempt, {
          random: this.#deps.random,
          baseDelayMs: this.#plan.retries.baseDelayMs,
          maxDelayMs: this.#plan.retries.maxDelayMs,
        });
      return;
    }
    this.#advance(midStream ? 'failover' : 'fallback', `${step.target.upstream}`);
  }

  #skip(target: TargetConfig, error: UpstreamError): void {
    this.lastError = error;
    this.#record.attempts.push({
      upstream: target.upstream,
      model: target.model,
      outcome: error.kind,
      ms: 0,
      error: error.message,
    });
    this.#advance(this.#move?.kind ?? 'fallback', this.#move?.from ?? target.upstream);
  }

  #advance(kind: 'fallback' | 'failover', from?: string): void {
    this.#index += 1;
    this.#attempt = 0;
    this.#delayMs = 0;
    if (from !== undefined) this.#move = { from, kind };
  }
}
