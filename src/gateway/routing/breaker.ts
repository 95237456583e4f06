/**
 * A circuit breaker per upstream. Closed: calls go through and consecutive failures are
 * counted; `failures` in a row open it. Open: calls are refused for `cooldownMs`, then one
 * half-open probe is let through; its success closes the circuit, its failure opens it again
 * for another cooldown. Only upstream failures count (429, 5xx, timeouts, broken
 * connections, malformed answers): a request error says nothing about the upstream's health.
 */
import type { BreakerSettings } from '../config/types.js';

export type CircuitState = 'closed' | 'open' | 'half-open';

export class CircuitBreaker {
  #state: CircuitState = 'closed';
  #consecutive = 0;
  #openedAt = 0;
  #probing = false;
  readonly #settings: BreakerSettings;
  readonly #now: () => number;
  /** Times the circuit opened (for metrics). */
  opened = 0;

  constructor(settings: BreakerSettings, now: () => number = Date.now) {
    this.#settings = settings;
    this.#now = now;
  }

  get state(): CircuitState {
    if (this.#state === 'open' && this.#now() - this.#openedAt >= this.#settings.cooldownMs)
      return 'half-open';
    return this.#state;
  }

  /** Milliseconds until an open circuit lets a probe through (0 when not open). */
  get retryInMs(): number {
    if (this.#state !== 'open') return 0;
    return Math.max(0, this.#settings.cooldownMs - (this.#now() - this.#openedAt));
  }

  /**
   * May a call be made now? In half-open state only one caller gets `true` (the probe) until
   * it reports back through `success`, `failure` or `release`.
   */
  tryAcquire(): boolean {
    const state = this.state;
    if (state === 'closed') return true;
    if (state === 'open' || this.#probing) return false;
    this.#state = 'half-open';
    this.#probing = true;
    return true;
  }

  success(): void {
    this.#state = 'closed';
    this.#consecutive = 0;
    this.#probing = false;
  }

  failure(): void {
    this.#probing = false;
    if (this.#state === 'half-open') {
      this.#open();
      return;
    }
    this.#consecutive += 1;
    if (this.#state === 'closed' && this.#consecutive >= this.#settings.failures) this.#open();
  }

  /**
   * The call ended without a verdict on health: a request error (`answered`: the upstream is
   * reachable, so a half-open probe counts as a success) or a client that went away.
   */
  release(answered: boolean): void {
    if (answered && this.#state === 'half-open' && this.#probing) {
      this.success();
      return;
    }
    this.#probing = false;
  }

  #open(): void {
    this.#state = 'open';
    this.#openedAt = this.#now();
    this.#consecutive = 0;
    this.opened += 1;
  }
}
