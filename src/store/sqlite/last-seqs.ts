/**
 * The last event seq of each job this connection wrote events for (or created), so a batch
 * of events is inserted with its seqs given instead of found by a lookup in the same statement
 * (`INSERT … SELECT` over the job's last batch, with `RETURNING`, costs several times a plain
 * `INSERT … VALUES`). Only this process writes the file while it holds the lease, so what it
 * wrote is what is there, as long as what it wrote was committed: a rolled-back transaction
 * (the connection's `rollbacks` count moves) or a failed statement drops what is known, and
 * the next batch of those jobs looks its seq up again. Entries leave when their job finishes;
 * events written after that (a cancelled run's last ones) are looked up, and the map is
 * emptied should it ever hold more than MAX_KNOWN jobs.
 */

/** More than a server ever has in flight; a bound, not a working size. */
const MAX_KNOWN = 10_000;

export class LastSeqs {
  readonly #known = new Map<string, number>();
  readonly #rollbacks: () => number;
  #seenRollbacks: number;

  constructor(rollbacks: () => number) {
    this.#rollbacks = rollbacks;
    this.#seenRollbacks = rollbacks();
  }

  /** The job's last seq as committed by this connection, or undefined when not known. */
  get(jobId: string): number | undefined {
    const rollbacks = this.#rollbacks();
    if (rollbacks !== this.#seenRollbacks) {
      this.#known.clear();
      this.#seenRollbacks = rollbacks;
    }
    return this.#known.get(jobId);
  }

  /** Inside the write that stored events up to `seq` (or created the job with none: 0). */
  set(jobId: string, seq: number): void {
    if (this.#known.size >= MAX_KNOWN && !this.#known.has(jobId)) this.#known.clear();
    this.#known.set(jobId, seq);
  }

  forget(jobId: string): void {
    this.#known.delete(jobId);
  }

  clear(): void {
    this.#known.clear();
  }
}
