/**
 * A sliding one-minute counter in sixty one-second buckets: O(1) to add, O(60) to total, no
 * allocation per request. Used for a key's requests and tokens per minute.
 */
const BUCKETS = 60;

export class MinuteWindow {
  readonly #counts = new Float64Array(BUCKETS);
  /** The second each bucket holds; a bucket from an older minute counts as empty. */
  readonly #seconds = new Float64Array(BUCKETS).fill(-1);

  add(amount: number, nowMs: number): void {
    const second = Math.floor(nowMs / 1000);
    const i = second % BUCKETS;
    if (this.#seconds[i] !== second) {
      this.#seconds[i] = second;
      this.#counts[i] = 0;
    }
    this.#counts[i]! += amount;
  }

  total(nowMs: number): number {
    const second = Math.floor(nowMs / 1000);
    let sum = 0;
    for (let i = 0; i < BUCKETS; i++) {
      const at = this.#seconds[i]!;
      if (at > second - BUCKETS && at <= second) sum += this.#counts[i]!;
    }
    return sum;
  }

  /** What the window holds for the second `at` (epoch seconds), 0 when it holds none. */
  at(second: number): number {
    const i = ((second % BUCKETS) + BUCKETS) % BUCKETS;
    return this.#seconds[i] === second ? this.#counts[i]! : 0;
  }

  /**
   * Seconds until the total falls below `limit` (as the oldest buckets leave the window); at
   * least 1, since the caller is over the limit now.
   */
  secondsUntilBelow(limit: number, nowMs: number): number {
    return secondsUntilBelow([this], limit, nowMs);
  }
}

/** `secondsUntilBelow` for the sum of several windows (this gateway's and the others'). */
export function secondsUntilBelow(windows: readonly MinuteWindow[], limit: number, nowMs: number): number {
  const second = Math.floor(nowMs / 1000);
  let total = windows.reduce((sum, w) => sum + w.total(nowMs), 0);
  for (let age = BUCKETS - 1; age >= 0; age--) {
    for (const w of windows) total -= w.at(second - age);
    if (total < limit) return Math.max(1, BUCKETS - age);
  }
  return BUCKETS;
}
