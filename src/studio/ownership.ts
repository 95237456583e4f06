/**
 * The studio and the store's owner lease. A store is run by one live process at a time
 * (store/sqlite/lease.ts): a process that runs jobs without the lease would have its running
 * jobs taken for a crash's leftovers and run a second time by a `serve` starting on the same
 * file. So the studio takes the lease before it runs anything:
 *
 * - at start when the store is free (a later `serve` on the file is then refused, naming the
 *   studio's pid and host), recovering what a dead owner left running — back to `pending`, for
 *   the server of their workflow, as `serve` leaves other workflows' jobs;
 * - when the store belongs to another live process, the studio opens it for reading only
 *   (history, traces, costs, replay diffs) and refuses runs and replays with a message naming
 *   that process and `--store`; each refused run tries the lease again, so once that process
 *   stops the next run takes the store over without restarting the studio;
 * - if the lease is lost (the studio stalled past it and a `serve` took over), every runner of
 *   the studio stops its jobs at once and runs are refused from then on.
 */
import { AgentcrateError } from '../errors.js';
import type { Logger } from '../server/logger.js';
import type { LeaseHolder, LeaseOptions, Store, StoreLease } from '../store/index.js';

export type OwnershipState =
  | { mode: 'owner'; holder: LeaseHolder }
  | { mode: 'read-only'; owner?: LeaseHolder; reason: string }
  | { mode: 'unclaimed' };

export class StoreOwnership {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #label: string;
  readonly #lease: LeaseOptions;
  #held: StoreLease | undefined;
  #lostError: Error | undefined;
  #refused: AgentcrateError | undefined;
  #claiming: Promise<StoreLease> | undefined;
  readonly #onLost = new Set<(error: Error) => void>();

  constructor(store: Store, logger: Logger, label: string, lease: LeaseOptions = {}) {
    this.#store = store;
    this.#logger = logger;
    this.#label = label;
    this.#lease = lease;
  }

  get state(): OwnershipState {
    if (this.#lostError !== undefined) return { mode: 'read-only', reason: this.#lostError.message };
    if (this.#held !== undefined) return { mode: 'owner', holder: this.#held.holder };
    if (this.#refused !== undefined) {
      const owner = (this.#refused.details as { owner?: LeaseHolder } | undefined)?.owner;
      return { mode: 'read-only', ...(owner ? { owner } : {}), reason: this.#refused.message };
    }
    return { mode: 'unclaimed' };
  }

  /** Takes the store if it is free; false (read-only) while another live process owns it. */
  async tryClaim(): Promise<boolean> {
    try {
      await this.claim();
      return true;
    } catch (error) {
      if (error instanceof AgentcrateError && error.code === 'E_STORE_LOCKED') return false;
      throw error;
    }
  }

  /** The lease, taken now if not held yet; E_STORE_LOCKED saying who owns the store and what to do. */
  claim(): Promise<StoreLease> {
    if (this.#lostError !== undefined) return Promise.reject(this.#lostError);
    if (this.#held !== undefined) return Promise.resolve(this.#held);
    this.#claiming ??= this.#take().finally(() => {
      this.#claiming = undefined;
    });
    return this.#claiming;
  }

  /** Called with the reason when the lease is lost (runners stop their jobs). */
  onLost(listener: (error: Error) => void): void {
    this.#onLost.add(listener);
  }

  async #take(): Promise<StoreLease> {
    let lease: StoreLease;
    try {
      lease = await this.#store.acquireLease(this.#lease);
    } catch (error) {
      if (error instanceof AgentcrateError && error.code === 'E_STORE_LOCKED') {
        this.#refused = refusal(error, this.#label);
        throw this.#refused;
      }
      throw error;
    }
    this.#refused = undefined;
    if (lease.tookOver !== undefined) {
      const { holder, reason } = lease.tookOver;
      this.#logger.warn(
        { previousPid: holder.pid, previousHost: holder.host, reason },
        reason === 'died'
          ? 'the previous owner of the store died without releasing it; recovering its jobs'
          : 'the previous owner of the store let its lease expire; taking the store over',
      );
    }
    try {
      // What a dead owner left running goes back to pending for the server of its workflow
      // (the crash-loop guard counts the crash); the studio resumes nothing by itself.
      for (const r of await this.#store.recoverInterrupted()) {
        this.#logger.info(
          { jobId: r.job.id, workflow: r.job.workflow, decision: r.action, reason: r.reason },
          r.action === 'failed'
            ? 'recovery: job failed by the crash-loop guard'
            : 'recovery: job left pending for the server of its workflow',
        );
      }
    } catch (error) {
      await lease.release();
      throw error;
    }
    this.#held = lease;
    void lease.lost.then((error) => {
      this.#lostError = error;
      this.#held = undefined;
      this.#logger.error({ err: error.message }, 'store lease lost: the studio stops running jobs');
      for (const listener of this.#onLost) listener(error);
    });
    return lease;
  }

  async release(): Promise<void> {
    const held = this.#held;
    this.#held = undefined;
    await held?.release();
  }
}

function refusal(error: AgentcrateError, label: string): AgentcrateError {
  const owner = (error.details as { owner?: LeaseHolder } | undefined)?.owner;
  const who = owner ? `agentcrate pid ${owner.pid} on host ${owner.host}` : 'another agentcrate process';
  return new AgentcrateError(
    'E_STORE_LOCKED',
    `The job store ${label} is owned by ${who}, which runs its jobs, so this studio opened it read-only: history, traces, costs and replay diffs work, runs and replays do not (a job must never run in two processes). Stop that process and run again (the studio then takes the store over), or restart the studio with --store <another file> to run here.`,
    { details: { ...(error.details as object | undefined), readOnly: true } },
  );
}
