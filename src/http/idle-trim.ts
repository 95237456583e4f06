/**
 * Gives memory back to the system once the server goes quiet after work.
 *
 * A busy V8 heap grows (new-space semi-spaces, old-space pages), SQLite fills its page cache,
 * and neither shrinks on its own until V8's memory reducer notices the quiet seconds later. For
 * a container among many on a host (or under a memory limit) that is memory held for nothing;
 * what trimming gives back after a burst is measured in BENCHMARKS.md (Memory).
 *
 * So: when no request has been handled and no run has been active for `delayMs`, and resident
 * memory grew by at least `minGrowthBytes` since the last trim (or the server just started),
 * run a memory-reducing full GC (memoryReducingGc) and let the store release its caches. One timer at a time,
 * re-armed lazily, so a busy server pays nothing per request but a timestamp; a server that
 * only answers health probes never trims (its memory does not grow).
 *
 * The GC pauses the event loop (for how long: BENCHMARKS.md, Memory); a request arriving in
 * that moment waits for it. `delayMs: 0` turns the whole thing off.
 */
import { setFlagsFromString } from 'node:v8';
import { runInNewContext } from 'node:vm';

export interface IdleTrimOptions {
  /** Quiet time before trimming; 0 disables trimming. */
  delayMs: number;
  /** Trim only when resident memory grew at least this much since the last trim. */
  minGrowthBytes?: number;
  /** Work still going on (runs in flight, queued jobs): postpones the trim. */
  busy: () => boolean;
  /** Releases caches beyond the V8 heap (the store's page cache…). */
  release?: () => Promise<void> | void;
  /** Called after each trim (for logs and tests). */
  onTrim?: (result: TrimResult) => void;
  /** Resident set size in bytes (injectable for tests). */
  rss?: () => number;
  /** The GC to run (injectable for tests); defaults to a memory-reducing full GC. */
  gc?: () => boolean;
}

export interface TrimResult {
  rssBefore: number;
  rssAfter: number;
  gc: boolean;
  ms: number;
}

export const DEFAULT_IDLE_TRIM_MS = 500;
const DEFAULT_MIN_GROWTH = 8 * 1024 * 1024;

export class IdleTrim {
  readonly #o: IdleTrimOptions;
  readonly #rss: () => number;
  #lastActivity = performance.now();
  #timer: NodeJS.Timeout | undefined;
  /** Resident size after the last trim; 0 until the first, so the start-up garbage goes too. */
  #baseline = 0;
  #trimming = false;
  #stopped = false;
  #active = 0;

  constructor(options: IdleTrimOptions) {
    this.#o = options;
    this.#rss = options.rss ?? (() => process.memoryUsage.rss());
    if (options.delayMs <= 0) this.#stopped = true;
  }

  /** Something started (a request): the quiet period restarts when it ends. */
  enter(): void {
    this.#active += 1;
  }

  /** Something ended: arms the timer (unless one is already pending). */
  leave(): void {
    this.#active = Math.max(0, this.#active - 1);
    this.touch();
  }

  /** Records activity now; the trim comes `delayMs` after the last activity. */
  touch(): void {
    this.#lastActivity = performance.now();
    if (this.#timer === undefined && !this.#stopped) this.#arm(this.#o.delayMs);
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(ms: number): void {
    this.#timer = setTimeout(() => void this.#fire(), Math.max(1, Math.ceil(ms)));
    this.#timer.unref(); // never keeps the process alive
  }

  async #fire(): Promise<void> {
    this.#timer = undefined;
    if (this.#stopped || this.#trimming) return;
    const quietFor = performance.now() - this.#lastActivity;
    if (quietFor < this.#o.delayMs) return this.#arm(this.#o.delayMs - quietFor);
    if (this.#active > 0 || this.#o.busy()) return this.#arm(this.#o.delayMs);
    const rssBefore = this.#rss();
    if (rssBefore - this.#baseline < (this.#o.minGrowthBytes ?? DEFAULT_MIN_GROWTH)) return;
    this.#trimming = true;
    const started = performance.now();
    try {
      await this.#o.release?.();
      const collected = (this.#o.gc ?? memoryReducingGc)();
      const rssAfter = this.#rss();
      this.#baseline = rssAfter;
      this.#o.onTrim?.({ rssBefore, rssAfter, gc: collected, ms: performance.now() - started });
    } catch {
      // Trimming is an optimisation: a failure leaves memory as it was.
    } finally {
      this.#trimming = false;
    }
  }
}

type GcFunction = (options?: { type?: string; execution?: string; flavor?: string }) => void;
let gcFunction: GcFunction | null | undefined;

/**
 * A full GC that also shrinks the heap (V8's "last resort" flavour, the one that returns
 * pages to the system), run twice: the first pass frees the burst's objects, the second gives
 * back pages the first left pooled (what that saves: BENCHMARKS.md, Memory; the second pass is
 * cheap, the heap then being small). `--expose-gc` is switched
 * on for a private context only if the process was not started with it. False when this Node
 * cannot do it.
 */
export function memoryReducingGc(): boolean {
  if (gcFunction === undefined) {
    try {
      const global = (globalThis as { gc?: GcFunction }).gc;
      if (typeof global === 'function') gcFunction = global;
      else {
        setFlagsFromString('--expose-gc');
        gcFunction = runInNewContext('gc') as GcFunction;
      }
    } catch {
      gcFunction = null;
    }
  }
  if (typeof gcFunction !== 'function') return false;
  gcFunction({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  gcFunction({ type: 'major', execution: 'sync', flavor: 'last-resort' });
  return true;
}
