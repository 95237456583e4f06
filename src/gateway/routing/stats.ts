/**
 * What `/providers` shows of each upstream: moving averages of latency and error rate
 * (EWMA, so the numbers follow the upstream's recent health rather than its lifetime), counts,
 * and the last error (its message only: never a key, never a request body).
 */
import type { FailureKind } from '../upstream/errors.js';

/** Weight of the newest sample: about the last ten attempts dominate. */
const ALPHA = 0.2;

export interface LastError {
  at: string;
  kind: FailureKind;
  status?: number;
  message: string;
}

export class UpstreamStats {
  attempts = 0;
  failures = 0;
  /** Time to the first token (streams) or to the whole answer, successful attempts only. */
  ewmaLatencyMs: number | undefined;
  /** Share of recent attempts that failed, in [0, 1]. */
  ewmaErrorRate = 0;
  lastError: LastError | undefined;
  /** Epoch milliseconds: formatted when `/providers` is read, not on every answer. */
  #lastSuccessMs: number | undefined;

  get lastSuccessAt(): string | undefined {
    return this.#lastSuccessMs === undefined ? undefined : new Date(this.#lastSuccessMs).toISOString();
  }

  success(latencyMs: number, now: number = Date.now()): void {
    this.attempts += 1;
    this.ewmaLatencyMs =
      this.ewmaLatencyMs === undefined
        ? latencyMs
        : this.ewmaLatencyMs + ALPHA * (latencyMs - this.ewmaLatencyMs);
    this.ewmaErrorRate *= 1 - ALPHA;
    this.#lastSuccessMs = now;
  }

  failure(
    error: { kind: FailureKind; status?: number | undefined; message: string },
    now: Date = new Date(),
  ): void {
    this.attempts += 1;
    this.failures += 1;
    this.ewmaErrorRate += ALPHA * (1 - this.ewmaErrorRate);
    this.lastError = {
      at: now.toISOString(),
      kind: error.kind,
      ...(error.status !== undefined ? { status: error.status } : {}),
      message: error.message.length > 500 ? `${error.message.slice(0, 500)}…` : error.message,
    };
  }
}
