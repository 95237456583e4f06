/**
 * What a runner does on a shared store (Store.shared: several replicas on one PostgreSQL
 * database) besides what it does alone. The store is the queue: a run that cannot start at
 * once is stored pending, and whichever replica has a free slot claims it. Every replica
 * recovers dead replicas' jobs while it runs (each tick: one cheap read almost always finding
 * nothing), hears of work and of finished jobs through the store's change feed, and polls as
 * well, since the feed is best effort. Callers waiting on a job run elsewhere (a repeated
 * idempotency key) are answered when it finishes, wherever it ran.
 *
 * A run whose caller waits in this replica (a sync /run) and cannot start at once is not put in
 * the store's queue: it is stored claimed, under this replica's lease, and waits in the runner's
 * own queue, which is served before any work is claimed from the store; its caller is answered
 * from the run's result. While this replica lives (its lease renewed) no other replica may take
 * it; if it dies (kill -9 included), its lease lapses and the job is recovered like any job the
 * replica held (docs/architecture.md), and a retry with the same idempotency key finds it.
 */
import { AgentcrateError } from '../../errors.js';
import { ISOLATE_AFTER_CRASHES, type Job, type Store } from '../../store/index.js';
import type { Logger } from '../logger.js';
import { type ActiveJob, newActiveJob } from './active-job.js';
import { isFinished } from './types.js';

/** How often a replica looks for dead replicas' jobs and for work it was not told of. */
export const SHARED_TICK_MS = 1000;

export interface SharedHooks {
  /** The runner's workflow: a replica claims only jobs submitted to it (a database may serve several). */
  workflow: string;
  /** Free slots now (0 stops pulling). */
  freeSlots(): number;
  /** Whether a job the crash-loop guard isolates may start here now (nothing else running). */
  mayRunIsolated(): boolean;
  /** Starts a job this replica claimed (in a slot the hook takes). */
  start(active: ActiveJob): void;
  /** A job waiting here for a slot was cancelled through another replica: it leaves without running. */
  cancelledElsewhere(active: ActiveJob, job: Job): void;
}

export class SharedQueue {
  readonly #store: Store;
  readonly #logger: Logger;
  readonly #hooks: SharedHooks;
  /** The runner's jobs in this process. */
  readonly #active: ReadonlyMap<string, ActiveJob>;
  readonly #waiters = new Map<string, Set<(job: Job) => void>>();
  #unsubscribe: (() => void) | undefined;
  #timer: NodeJS.Timeout | undefined;
  #pulling = false;
  #pullAgain = false;
  #stopped = false;
  #ticking = false;
  /**
   * Whether a claim may find work: set when the feed or the tick says so and after a claim that
   * found a job, cleared before each claim. A freed slot claims only then, so a replica busy
   * with its own runs does not ask the store for work after each one (an empty claim still
   * costs the database a queue scan). Isolated jobs are looked for separately: a claim that
   * skipped them says nothing about them.
   */
  #maybeWork = true;
  #maybeIsolated = true;

  constructor(store: Store, logger: Logger, active: ReadonlyMap<string, ActiveJob>, hooks: SharedHooks) {
    this.#store = store;
    this.#active = active;
    this.#logger = logger;
    this.#hooks = hooks;
  }

  start(tickMs = SHARED_TICK_MS): void {
    this.#unsubscribe = this.#store.changes?.((change) => {
      if (change.kind === 'pending') this.#hear();
      else void this.#finished(change.jobId);
    });
    this.#timer = setInterval(() => void this.#tick(), tickMs);
    this.#timer.unref();
    this.#hear();
  }

  stop(): void {
    this.#stopped = true;
    this.#unsubscribe?.();
    if (this.#timer !== undefined) clearInterval(this.#timer);
  }

  /** Resolves with the job once it is finished, wherever it runs. */
  waitFor(id: string): Promise<Job> {
    return new Promise((resolve) => {
      const set = this.#waiters.get(id) ?? new Set();
      this.#waiters.set(id, set);
      set.add(resolve);
    });
  }

  /** A job finished here: its waiters are answered without waiting for the feed. */
  settled(job: Job): void {
    const set = this.#waiters.get(job.id);
    if (set === undefined || !isFinished(job)) return;
    this.#waiters.delete(job.id);
    for (const resolve of set) resolve(job);
  }

  /**
   * Shutting down: the jobs held claimed in the runner's queue (`resume` set) go back to the
   * store's queue at once, for the other replicas, rather than waiting to be recovered.
   */
  async handBack(queued: readonly ActiveJob[]): Promise<void> {
    const held = queued.filter((active) => active.resume !== undefined);
    await Promise.all(
      held.map(async (active) => {
        const job = await this.#store.updateJob(active.id, { status: 'pending' }).catch(() => undefined);
        if (job !== undefined) active.job = job;
      }),
    );
  }

  /** Work may be waiting in the store (the feed, the tick, a start): claim it. */
  #hear(): void {
    this.#maybeWork = true;
    this.#maybeIsolated = true;
    this.pull();
  }

  /** Claims pending jobs while slots are free, if any may be waiting; calls made meanwhile run once more after. */
  pull(): void {
    if (this.#stopped) return;
    if (!this.#maybeWork && !(this.#maybeIsolated && this.#hooks.mayRunIsolated())) return;
    if (this.#pulling) {
      this.#pullAgain = true;
      return;
    }
    this.#pulling = true;
    void this.#pullLoop()
      .catch((error: unknown) => {
        // The store cannot answer now: the next tick tries again.
        this.#maybeWork = true;
        this.#logger.warn({ err: (error as Error).message }, 'shared queue: could not claim a job');
      })
      .finally(() => {
        this.#pulling = false;
        if (this.#pullAgain) {
          this.#pullAgain = false;
          this.pull();
        }
      });
  }

  async #pullLoop(): Promise<void> {
    while (!this.#stopped && this.#hooks.freeSlots() > 0) {
      this.#pullAgain = false;
      const skipIsolated = !this.#hooks.mayRunIsolated();
      this.#maybeWork = false;
      if (!skipIsolated) this.#maybeIsolated = false;
      const job = await this.#store.claimNextPending({ skipIsolated, workflow: this.#hooks.workflow });
      if (job === undefined) return;
      // One found: more may wait.
      this.#maybeWork = true;
      if (this.#stopped) {
        // Stopping while the claim was in flight: put it back for the other replicas.
        await this.#store.updateJob(job.id, { status: 'pending' });
        return;
      }
      this.#hooks.start(newActiveJob(job, job.crashes >= ISOLATE_AFTER_CRASHES));
    }
  }

  async #tick(): Promise<void> {
    if (this.#stopped || this.#ticking) return;
    this.#ticking = true;
    try {
      const recovered = await this.#store.recoverInterrupted();
      for (const r of recovered) {
        const line = { jobId: r.job.id, decision: r.action, reason: r.reason, suspects: r.suspects };
        if (r.action === 'failed') this.#logger.error(line, 'recovery: job failed by the crash-loop guard');
        else this.#logger.info(line, `recovery: job of a dead replica ${r.action}`);
        if (r.action === 'failed') this.settled(r.job);
      }
      this.#hear();
      // Waiters whose job's notification was missed (the feed reconnected meanwhile).
      for (const id of [...this.#waiters.keys()]) await this.#finished(id);
    } catch (error) {
      this.#logger.warn({ err: (error as Error).message }, 'shared queue: recovery check failed');
    } finally {
      this.#ticking = false;
    }
  }

  async #finished(id: string): Promise<void> {
    const here = this.#active.get(id);
    if (here === undefined && !this.#waiters.has(id)) return;
    const job = await this.#store.getJob(id).catch(() => undefined);
    if (job === undefined || !isFinished(job)) return;
    this.settled(job);
    // Cancelled through another replica while it runs or waits here: stop the run, or drop it.
    if (job.status === 'cancelled' && here?.phase === 'running') {
      here.controller?.abort(new AgentcrateError('E_CANCELLED', `job ${id} was cancelled by request`));
    } else if (job.status === 'cancelled' && here?.phase === 'queued')
      this.#hooks.cancelledElsewhere(here, job);
  }
}
