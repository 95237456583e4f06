/**
 * Jobs parked because the store cannot write (a full disk, an I/O error): no job is left
 * `running` with nobody running it. A parked job holds what it could not write (its events,
 * its checkpoint, or its final result) in memory and does nothing else: no model call is made
 * for it. The lot retries the oldest job's writes with a growing delay; once they land, the
 * job goes on where it stopped (from the checkpoint it could not save, so no finished node
 * runs again) and the next one is tried.
 */
import { isAgentcrateError } from '../../errors.js';
import type { Logger } from '../logger.js';
import type { ActiveJob } from './active-job.js';

const FIRST_DELAY_MS = 250;
const MAX_DELAY_MS = 5000;

/** A write failed because the store cannot write now (503 + Retry-After), not because of the request. */
export function isStoreUnavailable(error: unknown): boolean {
  return isAgentcrateError(error) && error.code === 'E_STORE_UNAVAILABLE';
}

export class ParkingLot {
  readonly #parked: ActiveJob[] = [];
  readonly #logger: Logger;
  #timer: NodeJS.Timeout | undefined;
  #delay = FIRST_DELAY_MS;
  #draining = false;
  #stopped = false;

  constructor(logger: Logger) {
    this.#logger = logger;
  }

  get size(): number {
    return this.#parked.length;
  }

  /** Parks `active`; `retry` writes what it holds and sends it on, or throws to stay parked. */
  park(active: ActiveJob, error: unknown, retry: () => Promise<void>): void {
    active.phase = 'parked';
    active.retry = retry;
    if (!this.#parked.includes(active)) this.#parked.push(active);
    this.#logger.warn(
      { jobId: active.id, decision: 'parked', err: (error as Error).message },
      'job parked: the store cannot write; it goes on when the store can',
    );
    this.#schedule();
  }

  remove(active: ActiveJob): void {
    const index = this.#parked.indexOf(active);
    if (index >= 0) this.#parked.splice(index, 1);
    active.retry = undefined;
  }

  /** Tries the parked jobs now (at shutdown: a last chance to write their state). */
  async drain(): Promise<void> {
    if (this.#draining) return;
    this.#draining = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
    try {
      while (this.#parked.length > 0) {
        const active = this.#parked[0]!;
        try {
          await active.retry?.();
        } catch (error) {
          if (isStoreUnavailable(error)) {
            this.#delay = Math.min(MAX_DELAY_MS, this.#delay * 2);
            return;
          }
          // Not a store outage: the job's own retry reports it; do not loop on it.
          this.#logger.error(
            { jobId: active.id, err: (error as Error).message },
            'parked job could not go on',
          );
        }
        if (this.#parked[0] === active) this.#parked.shift();
        active.retry = undefined;
        this.#logger.info({ jobId: active.id, decision: 'unparked' }, 'job goes on: the store writes again');
        this.#delay = FIRST_DELAY_MS;
      }
    } finally {
      this.#draining = false;
      if (this.#parked.length > 0) this.#schedule();
    }
  }

  stop(): void {
    this.#stopped = true;
    if (this.#timer !== undefined) clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #schedule(): void {
    if (this.#timer !== undefined || this.#stopped || this.#draining) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.drain();
    }, this.#delay);
  }
}
