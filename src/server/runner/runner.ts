/**
 * The job runner: every run is a durable job. It owns the store while it runs (its lease),
 * bounds how many runs execute at once and how many wait behind them, persists the engine's
 * checkpoint after each node, keeps each running job's events in memory for live subscribers
 * (SSE) while writing them to the store in batches, resumes jobs a crash interrupted (the
 * crash-loop guard: recovery.ts), parks jobs while the store cannot write (parking.ts), and
 * delivers webhooks.
 *
 * A job is executed by exactly one `#run` call per process; HTTP callers only ever wait on
 * its `done` promise, which is why a sync request that times out can hand the same run over
 * to async polling without a second execution.
 */
import type { Workflow } from '../../config/types.js';
import {
  buildInitialState,
  type Checkpoint,
  type EngineEvent,
  execute,
  type MemoryChange,
  type RunResult,
} from '../../engine/index.js';
import { AgentcrateError, toAgentcrateError } from '../../errors.js';
import type { CreateJobResult, Job, StoredEvent, StoreLease } from '../../store/index.js';
import { uuidv7 } from '../job-id.js';
import {
  type ActiveJob,
  allDoneWithin,
  type JobStreamListener,
  newActiveJob,
  recordEvent,
  type StopReason,
  StopSignal,
} from './active-job.js';
import * as writes from './job-writes.js';
import { isStoreUnavailable, ParkingLot } from './parking.js';
import { recoverStore } from './recovery.js';
import { startRetention } from './retention.js';
import { SharedQueue } from './shared.js';
import { isFinished, queueFull, type RunnerOptions, type SubmitInput, type SubmitResult } from './types.js';
import { watchJob } from './watch.js';
import { WebhookDeliveries } from './webhooks.js';

export type { JobStreamItem, JobStreamListener } from './active-job.js';
export type { RunnerOptions, SubmitInput, SubmitResult } from './types.js';

export class JobRunner {
  readonly #o: RunnerOptions;
  readonly #active = new Map<string, ActiveJob>();
  readonly #queue: ActiveJob[] = [];
  readonly #parking: ParkingLot;
  #running = 0;
  /** Isolated jobs holding a slot (at most one: the crash-loop guard's bisection). */
  #isolatedRunning = 0;
  #stopping = false;
  /** Why new runs are refused once #stopping. */
  #stoppedBecause = 'the server is shutting down and accepts no new runs; retry shortly';
  #stopRetention: (() => void) | undefined;
  #lease: StoreLease | undefined;
  /** On a shared store: the store is the queue (shared.ts). */
  #shared: SharedQueue | undefined;
  readonly #newId: () => string;
  readonly #workflowName: string;
  readonly #workflow: Workflow;
  readonly #webhooks: WebhookDeliveries;

  constructor(options: RunnerOptions) {
    this.#o = options;
    this.#newId = options.newId ?? (() => uuidv7());
    this.#workflow = options.plan.workflow;
    this.#workflowName = options.plan.workflow.flow.name;
    this.#parking = new ParkingLot(options.logger);
    this.#webhooks = new WebhookDeliveries(options.logger, options.webhook);
  }

  get queueDepth(): number {
    return this.#queue.length;
  }

  get inFlight(): number {
    return this.#running;
  }

  /** Jobs waiting for the store to write again. */
  get parked(): number {
    return this.#parking.size;
  }

  get accepting(): boolean {
    return !this.#stopping;
  }

  /**
   * Takes the store (its lease: E_STORE_LOCKED while another live process has it), recovers
   * what a previous process left (recovery.ts) and queues every pending job of this workflow.
   */
  async start(): Promise<{ recovered: number; queued: number }> {
    const recovered = await recoverStore(
      this.#o.store,
      this.#o.logger,
      { ...(this.#o.leaseTtlMs !== undefined ? { ttlMs: this.#o.leaseTtlMs } : {}) },
      this.#workflowName,
    );
    this.#lease = recovered.lease;
    void recovered.lease.lost.then((error) => this.#leaseLost(error));
    if (this.#o.store.shared) this.#startShared();
    for (const { job, isolated } of this.#shared ? [] : recovered.queue) {
      if (this.#active.has(job.id)) continue;
      const active = newActiveJob(job, isolated);
      this.#active.set(job.id, active);
      this.#queue.push(active);
    }
    this.#stopRetention = startRetention(this.#o.store, this.#o.logger, this.#o.jobTtlSeconds, {
      ...(this.#o.cleanupIntervalMs !== undefined ? { everyMs: this.#o.cleanupIntervalMs } : {}),
      ...(this.#o.now ? { now: this.#o.now } : {}),
    });
    this.#pump();
    return { recovered: recovered.recovered, queued: recovered.queued };
  }

  async submit(input: SubmitInput): Promise<SubmitResult> {
    if (this.#stopping) {
      this.#o.metrics.rejected.unavailable += 1;
      throw new AgentcrateError('E_UNAVAILABLE', this.#stoppedBecause);
    }
    // Validate before anything is stored, so bad input never becomes a job.
    buildInitialState(this.#workflow, input.inputs);
    if (this.#running >= this.#o.maxConcurrentRuns && this.#queue.length >= this.#o.queueSize) {
      this.#o.metrics.rejected.queue_full += 1;
      throw queueFull(this.#o.maxConcurrentRuns, this.#o.queueSize);
    }
    // A free slot and nobody waiting: the slot is taken now and the job stored claimed (one write, not two).
    const startNow = this.#running < this.#o.maxConcurrentRuns && this.#queue.length === 0;
    // On a shared store a run that cannot start waits in the store for any replica, bounded
    // there; a replay, or a run whose caller waits here, stays here claimed (shared.ts).
    const shared = this.#shared;
    const keepHere = shared === undefined || startNow || input.resume !== undefined || input.waits === true;
    if (startNow) this.#running += 1;
    let stored: CreateJobResult;
    try {
      stored = await writes.storeNewJob(this.#o.store, input, {
        id: this.#newId(),
        workflow: this.#workflowName,
        claim: startNow || (shared !== undefined && keepHere),
        ...(keepHere ? {} : { queueLimit: this.#o.queueSize }),
      });
    } catch (error) {
      if (startNow) this.#releaseSlot();
      if (isStoreUnavailable(error)) this.#o.metrics.rejected.unavailable += 1;
      if ((error as AgentcrateError).code === 'E_QUEUE_FULL') this.#o.metrics.rejected.queue_full += 1;
      throw error;
    }
    const { job, created } = stored;
    if (!created) {
      if (startNow) this.#releaseSlot();
      const active = this.#active.get(job.id);
      const done = active?.done ?? (shared && !isFinished(job) ? shared.waitFor(job.id) : undefined);
      return { job, created: false, done: done ?? Promise.resolve(job) };
    }
    if (!keepHere) return { job, created: true, done: shared!.waitFor(job.id) };
    const active = newActiveJob(job);
    if (shared !== undefined && !startNow)
      active.resume = { job, ...(input.resume ? { checkpoint: input.resume } : {}) };
    else if (input.resume !== undefined) active.fromCheckpoint = true;
    if (input.origin !== undefined) active.origin = input.origin;
    this.#active.set(job.id, active);
    if (!startNow) {
      this.#queue.push(active);
      this.#pump();
    } else if (this.#stopping) {
      // Shutdown began while the job was stored: parked for the next start, as a running job is.
      this.#releaseSlot();
      const parked = await this.#o.store.updateJob(job.id, { status: 'pending' }).catch(() => undefined);
      this.#end(active, parked ?? job, false);
    } else {
      this.#start(active, job);
    }
    return { job, created: true, done: active.done };
  }

  /** Cancels a pending or running job; E_NOT_FOUND or E_CONFLICT (already finished) otherwise. */
  async cancel(id: string): Promise<Job> {
    await writes.cancelInStore(this.#o.store, id);
    const active = this.#active.get(id);
    if (active?.phase === 'queued' || active?.phase === 'parked') {
      const job = (await this.#o.store.getJob(id))!;
      this.#dropWaiting(active, job);
      return job;
    }
    active?.controller?.abort(new AgentcrateError('E_CANCELLED', `job ${id} was cancelled by request`));
    return (await this.#o.store.getJob(id))!;
  }

  /**
   * Events a running job emitted here, the ones not yet in the store included; undefined when not here.
   */
  liveEvents(id: string): readonly StoredEvent[] | undefined {
    return this.#active.get(id)?.events;
  }

  /**
   * Streams a job's events to `listener`: the stored ones after `afterSeq`, then live ones, then
   * one `end` item with the finished job. Returns undefined for an unknown job, else an unsubscribe.
   */
  watch(id: string, afterSeq: number, listener: JobStreamListener): Promise<(() => void) | undefined> {
    return watchJob(this.#o.store, (jobId) => this.#active.get(jobId), id, afterSeq, listener);
  }

  /**
   * Stops taking runs, lets running ones finish within `graceMs`, then interrupts the rest at their
   * last checkpoint and parks them as pending, so the next start resumes them; then gives the store up.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.#stopping = true;
    this.#shared?.stop();
    this.#stopRetention?.();
    // Queued jobs wait in the store, pending (those held here go back); callers get them as they are (202).
    const queued = this.#queue.splice(0);
    await this.#shared?.handBack(queued);
    for (const active of queued) this.#end(active, active.job);
    const running = [...this.#active.values()].filter((a) => a.phase === 'running');
    if (running.length > 0) {
      await allDoneWithin(running, graceMs);
      const left = [...this.#active.values()].filter((a) => a.phase === 'running');
      for (const active of left) this.#interrupt(active, 'shutdown');
      await Promise.all(left.map((a) => a.done));
    }
    // Parked jobs: a last try to write what they hold; those still parked stay `running` in
    // the store and are recovered by the next start.
    this.#parking.stop();
    await this.#parking.drain();
    for (const active of [...this.#active.values()]) this.#end(active, active.job, false);
    await this.#webhooks.settle(1000);
    await this.#lease?.release();
  }

  /** The lease this runner runs under, held elsewhere in the process (the studio's), was lost. */
  stopForLostLease(error: Error): void {
    this.#leaseLost(error);
  }

  // ------------------------------------------------------------------------ internals

  #interrupt(active: ActiveJob, reason: StopReason): void {
    active.stop ??= reason;
    active.controller?.abort(new StopSignal(reason));
  }

  #leaseLost(error: Error): void {
    if (this.#stopping) return;
    this.#stopping = true;
    this.#stoppedBecause = `this server accepts no new runs: ${error.message}`;
    this.#shared?.stop();
    this.#o.logger.error({ err: error.message }, 'store lease lost: this server stops running jobs');
    this.#stopRetention?.();
    this.#parking.stop();
    for (const active of this.#queue.splice(0)) this.#end(active, active.job, false);
    for (const active of [...this.#active.values()]) {
      if (active.phase === 'running') this.#interrupt(active, 'lease');
      else this.#end(active, active.job, false);
    }
  }

  /** The next queued job that may start: any, but an isolated one only when no other is running. */
  #nextIndex(): number {
    if (this.#isolatedRunning === 0) return this.#queue.length > 0 ? 0 : -1;
    return this.#queue.findIndex((a) => !a.isolated);
  }

  #pump(): void {
    while (!this.#stopping && this.#running < this.#o.maxConcurrentRuns) {
      const index = this.#nextIndex();
      if (index < 0) {
        this.#shared?.pull();
        return;
      }
      const [active] = this.#queue.splice(index, 1);
      this.#running += 1;
      this.#start(active!);
    }
  }

  /** Claims work from the shared store while slots are free (shared.ts). */
  #startShared(): void {
    this.#shared = new SharedQueue(this.#o.store, this.#o.logger, this.#active, {
      workflow: this.#workflowName,
      freeSlots: () =>
        this.#stopping || this.#isolatedRunning > 0 ? 0 : this.#o.maxConcurrentRuns - this.#running,
      mayRunIsolated: () => this.#running === 0,
      start: (active) => {
        this.#active.set(active.id, active);
        this.#running += 1;
        this.#start(active, active.job);
      },
      cancelledElsewhere: (active, job) => this.#dropWaiting(active, job),
    });
    this.#shared.start();
  }

  /** A cancelled job that waits here (queued or parked) leaves without running. */
  #dropWaiting(active: ActiveJob, job: Job): void {
    if (this.#queue.includes(active)) this.#queue.splice(this.#queue.indexOf(active), 1);
    this.#o.metrics.recordRun('cancelled', 0);
    this.#end(active, job);
  }

  #releaseSlot(): void {
    this.#running -= 1;
    this.#pump();
  }

  /** Runs a job in a slot already counted in #running; `claimed` when the store claimed it at creation. */
  #start(active: ActiveJob, claimed?: Job): void {
    active.phase = 'running';
    if (active.isolated) this.#isolatedRunning += 1;
    void this.#run(active, claimed)
      .catch((error: unknown) => this.#crashed(active, error))
      .finally(() => {
        if (active.isolated) {
          active.isolated = false;
          this.#isolatedRunning -= 1;
        }
        if (active.slotHandedOver) active.slotHandedOver = false;
        else this.#releaseSlot();
      });
  }

  /**
   * The run is over and its end is being written: its slot goes to the next queued job now,
   * whose claim then joins the same commit instead of taking one of its own a turn later.
   */
  #handOver(active: ActiveJob): void {
    if (this.#stopping || active.isolated || active.stop !== undefined) return;
    const index = this.#nextIndex();
    if (index < 0) return;
    const [next] = this.#queue.splice(index, 1);
    active.slotHandedOver = true;
    this.#start(next!);
  }

  /** A checkpoint was saved: the job moved on, so the crash-loop guard suspects it no more. */
  #progressed(active: ActiveJob): void {
    if (!active.isolated) return;
    active.isolated = false;
    this.#isolatedRunning -= 1;
    this.#pump();
  }

  async #run(active: ActiveJob, preclaimed?: Job): Promise<void> {
    const { store } = this.#o;
    // Issued before any await, so a claim made at a hand-over shares the ending run's commit.
    const start = await writes.claimForRun(store, active, preclaimed);
    if (start === undefined) {
      // Cancelled (or finished elsewhere) between queueing and now.
      this.#end(active, (await store.getJob(active.id)) ?? active.job);
      return;
    }
    const { job: claimed, resume } = start;
    active.job = claimed;
    active.stop = undefined;
    active.end = undefined;
    active.last = undefined;
    active.lastMemory = undefined;
    const controller = new AbortController();
    active.controller = controller;
    const chain = this.#o.events?.(active.id);
    const result = await execute(
      this.#o.plan,
      resume ? {} : claimed.inputs,
      { ...this.#o.deps, checkpoint: (cp, info) => this.#checkpoint(active, cp, info) },
      {
        runId: active.id,
        signal: controller.signal,
        ...(resume ? { resume } : {}),
        ...(this.#o.logPrompts ? { logPrompts: true } : {}),
        onEvent: chain
          ? (event) => {
              chain(event);
              this.#onEvent(active, event);
            }
          : (event) => this.#onEvent(active, event),
      },
    );
    await this.#finish(active, result);
  }

  #onEvent(active: ActiveJob, event: EngineEvent): void {
    if (event.type === 'model-call') this.#o.metrics.recordTokens(event.inputTokens, event.outputTokens);
    recordEvent(active, event);
  }

  async #checkpoint(
    active: ActiveJob,
    checkpoint: Checkpoint,
    { final, memory }: { final: boolean; memory: readonly MemoryChange[] },
  ): Promise<void> {
    if (final && active.stop === undefined) {
      // The run ends next and its end is stored in one write with its events (storeEnd): a finished
      // job's checkpoint is read by no one, so this one is stored only if the run does not end by itself.
      active.last = checkpoint;
      active.lastMemory = memory;
      this.#progressed(active);
      return;
    }
    try {
      await writes.saveProgress(this.#o.store, active, checkpoint, this.#o.redact, memory);
    } catch (error) {
      if (isStoreUnavailable(error) && active.stop === undefined) {
        // Stop the run here; it goes on from this very checkpoint once the store can write.
        active.unsaved = { checkpoint, memory };
        this.#interrupt(active, 'store');
      }
      throw error;
    }
    this.#progressed(active);
  }

  async #finish(active: ActiveJob, result: RunResult): Promise<void> {
    if (active.stop === 'lease') {
      this.#end(active, active.job, false);
      return;
    }
    if (active.stop === 'store' && active.unsaved !== undefined) {
      const { checkpoint, memory } = active.unsaved;
      this.#parking.park(active, new Error('the store could not save a checkpoint'), async () => {
        await writes.saveProgress(this.#o.store, active, checkpoint, this.#o.redact, memory);
        active.unsaved = undefined;
        active.resume = { job: active.job, checkpoint };
        this.#requeue(active);
      });
      return;
    }
    const ending = this.#finishWrites(active, result);
    this.#handOver(active);
    try {
      await ending;
    } catch (error) {
      if (!isStoreUnavailable(error)) throw error;
      // The run is over but its end is not stored: keep it until the store can write.
      this.#parking.park(active, error, () => this.#finishWrites(active, result));
    }
  }

  #requeue(active: ActiveJob): void {
    active.phase = 'queued';
    this.#queue.unshift(active);
    this.#pump();
  }

  /** The job's final writes (events, then its end); ends it once they are stored. */
  async #finishWrites(active: ActiveJob, result: RunResult): Promise<void> {
    const job = await writes.storeEnd(this.#o.store, active, result, this.#o.redact);
    if (active.stop === 'shutdown') {
      this.#end(active, job, false);
      return;
    }
    this.#o.metrics.recordRun(writes.runOutcome(job), result.durationMs);
    this.#end(active, job);
  }

  /** The job leaves this runner: waiters and subscribers get the final job; webhook fires. */
  #end(active: ActiveJob, job: Job, notify = true): void {
    active.job = job;
    this.#active.delete(active.id);
    this.#parking.remove(active);
    active.resolve(job);
    this.#shared?.settled(job);
    for (const listener of active.subscribers) listener({ kind: 'end', job });
    active.subscribers.clear();
    active.events = [];
    if (notify) this.#webhooks.deliver(job);
  }

  /**
   * A failure around a run (a store write, a bug): with the store unable to write, park the
   * job and pick it up from what the store holds once it can; else fail it with the reason.
   */
  async #crashed(active: ActiveJob, error: unknown): Promise<void> {
    const err = toAgentcrateError(error);
    if (active.stop === 'lease') {
      this.#end(active, active.job, false);
      return;
    }
    if (isStoreUnavailable(err)) {
      this.#parking.park(active, err, () => this.#resync(active));
      return;
    }
    this.#o.logger.error({ jobId: active.id, code: err.code, err: err.message }, 'job runner error');
    const job = await writes.failInStore(this.#o.store, active.id, err, this.#o.redact);
    this.#o.metrics.recordRun('failed', 0);
    this.#end(active, job ?? active.job);
  }

  /** A parked job whose in-memory state is unknown goes on from what the store holds. */
  async #resync(active: ActiveJob): Promise<void> {
    const job = await writes.resumeFromStore(this.#o.store, active);
    if (job !== undefined) this.#end(active, job);
    else this.#requeue(active);
  }
}
