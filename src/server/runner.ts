/**
 * The job runner: every run is a durable job. It bounds how many runs execute at once and
 * how many wait behind them, persists the engine's checkpoint after each node, keeps each
 * running job's events in memory for live subscribers (SSE) while writing them to the store
 * in batches, resumes jobs a crash interrupted, and delivers webhooks.
 *
 * A job is executed by exactly one `#run` call per process; HTTP callers only ever wait on
 * its `done` promise, which is why a sync request that times out can hand the same run over
 * to async polling without a second execution.
 */

import type { Workflow } from '../config/types.js';
import {
  buildInitialState,
  type Checkpoint,
  type EngineDeps,
  type EngineEvent,
  execute,
  type Plan,
  type RunError,
  type RunResult,
} from '../engine/index.js';
import { AgentcrateError, toAgentcrateError } from '../errors.js';
import { type Redactor, redactValue } from '../secrets/index.js';
import type { CreateJobResult, Job, Store, StoredEvent, StoreEvent } from '../store/index.js';
import { uuidv7 } from './job-id.js';
import { jobStatusView } from './job-view.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import { deliverWebhook, type WebhookOptions } from './webhook.js';

export interface RunnerOptions {
  store: Store;
  plan: Plan;
  /** Engine dependencies; the runner adds its own `checkpoint` sink. */
  deps: Omit<EngineDeps, 'checkpoint'>;
  metrics: Metrics;
  logger: Logger;
  maxConcurrentRuns: number;
  /** Runs accepted while every slot is busy; one more gets E_QUEUE_FULL (HTTP 429). */
  queueSize: number;
  /** Finished jobs older than this are deleted; 0 keeps them forever. */
  jobTtlSeconds: number;
  cleanupIntervalMs?: number;
  webhook?: WebhookOptions;
  newId?: () => string;
  now?: () => number;
  /**
   * The chain each event of a job goes through, in place, before anything else sees it
   * (telemetry's `eventsOf`: redaction, trace annotations, live export). The stored events
   * are the trace's record.
   */
  events?: (jobId: string) => (event: EngineEvent) => void;
  /**
   * Hides secrets in what the runner itself stores: outputs, errors and checkpoint state (the
   * events are the chain's business). Default: nothing hidden.
   */
  redact?: Redactor;
  /** Capture prompts and responses on model-call events for every node. */
  logPrompts?: boolean;
}

export type JobStreamItem = { kind: 'event'; event: StoredEvent } | { kind: 'end'; job: Job };
export type JobStreamListener = (item: JobStreamItem) => void;

export interface SubmitInput {
  inputs: Record<string, unknown>;
  idempotencyKey?: string;
  webhookUrl?: string;
  /**
   * Start from this checkpoint instead of from `inputs` (a replay from a node). It is saved
   * as the job's checkpoint before the job starts, so a crash resumes the replay, not a fresh run.
   */
  resume?: Checkpoint;
  /** Kept on the job's `run-start` event as `origin` (e.g. the job a replay came from). */
  origin?: Record<string, unknown>;
}

export interface SubmitResult {
  job: Job;
  /** False when the idempotency key matched an existing job (which is returned). */
  created: boolean;
  /** Resolves with the job once it is finished (or parked by a shutdown). */
  done: Promise<Job>;
}

interface ActiveJob {
  id: string;
  job: Job;
  phase: 'queued' | 'running';
  controller?: AbortController;
  done: Promise<Job>;
  resolve: (job: Job) => void;
  /** Events emitted in this process, kept for SSE until the job ends. */
  events: StoredEvent[];
  /** Seq of the first event emitted in this process (earlier ones are only in the store). */
  firstSeq: number;
  nextSeq: number;
  unflushed: StoreEvent[];
  subscribers: Set<JobStreamListener>;
  interruptedByShutdown: boolean;
  /** The run-end event's outputs and error, as the event chain left them (redacted). */
  end?: { outputs: Record<string, unknown>; error?: RunError };
  /** State field → [value as the engine has it, value as stored], so each is redacted once. */
  stored?: Map<string, [unknown, unknown]>;
  /** The job starts from its stored checkpoint on its first attempt too (a replay). */
  fromCheckpoint?: boolean;
  origin?: Record<string, unknown>;
}

class ShutdownSignal extends AgentcrateError {
  constructor() {
    super(
      'E_CANCELLED',
      'the server is shutting down; the run resumes from its last checkpoint on the next start',
    );
  }
}

export class JobRunner {
  readonly #o: RunnerOptions;
  readonly #active = new Map<string, ActiveJob>();
  readonly #queue: ActiveJob[] = [];
  #running = 0;
  #stopping = false;
  #cleanupTimer: NodeJS.Timeout | undefined;
  readonly #newId: () => string;
  readonly #workflowName: string;
  readonly #workflow: Workflow;
  readonly #webhooks = new Set<Promise<unknown>>();

  constructor(options: RunnerOptions) {
    this.#o = options;
    this.#newId = options.newId ?? (() => uuidv7());
    this.#workflow = options.plan.workflow;
    this.#workflowName = options.plan.workflow.flow.name;
  }

  get queueDepth(): number {
    return this.#queue.length;
  }

  get inFlight(): number {
    return this.#running;
  }

  get accepting(): boolean {
    return !this.#stopping;
  }

  /**
   * Recovers what a previous process left: jobs it was running go back to pending (or fail
   * after too many crashes), and every pending job is queued again, oldest first.
   */
  async start(): Promise<{ recovered: number; queued: number }> {
    const recovered = await this.#o.store.recoverInterrupted();
    const pending: Job[] = [];
    let cursor: string | undefined;
    do {
      const page = await this.#o.store.listJobs({
        status: 'pending',
        limit: 1000,
        ...(cursor ? { cursor } : {}),
      });
      pending.push(...page.jobs);
      cursor = page.nextCursor;
    } while (cursor !== undefined);
    pending.reverse();
    for (const job of pending) {
      if (this.#active.has(job.id)) continue;
      const active = this.#newActive(job);
      this.#queue.push(active);
    }
    if (recovered.length > 0 || pending.length > 0) {
      this.#o.logger.info(
        { recovered: recovered.length, queued: pending.length },
        'resuming jobs left by the previous process',
      );
    }
    this.#startCleanup();
    this.#pump();
    return { recovered: recovered.length, queued: pending.length };
  }

  async submit(input: SubmitInput): Promise<SubmitResult> {
    if (this.#stopping) {
      this.#o.metrics.rejected.unavailable += 1;
      throw new AgentcrateError(
        'E_UNAVAILABLE',
        'the server is shutting down and accepts no new runs; retry shortly',
      );
    }
    // Validate before anything is stored, so bad input never becomes a job.
    buildInitialState(this.#workflow, input.inputs);
    if (this.#running >= this.#o.maxConcurrentRuns && this.#queue.length >= this.#o.queueSize) {
      this.#o.metrics.rejected.queue_full += 1;
      throw new AgentcrateError(
        'E_QUEUE_FULL',
        `all ${this.#o.maxConcurrentRuns} run slots are busy and ${this.#o.queueSize} runs are queued; retry later`,
        {
          details: {
            retryAfterSeconds: 1,
            maxConcurrentRuns: this.#o.maxConcurrentRuns,
            queueSize: this.#o.queueSize,
          },
        },
      );
    }
    // A free slot and nobody waiting for one: the slot is taken now and the job is stored
    // already claimed, one write where a create and a claim were two.
    const startNow = this.#running < this.#o.maxConcurrentRuns && this.#queue.length === 0;
    if (startNow) this.#running += 1;
    let stored: CreateJobResult;
    try {
      stored = await this.#o.store.createJob({
        id: this.#newId(),
        workflow: this.#workflowName,
        inputs: input.inputs,
        ...(input.idempotencyKey !== undefined ? { idempotencyKey: input.idempotencyKey } : {}),
        ...(input.webhookUrl !== undefined ? { webhookUrl: input.webhookUrl } : {}),
        ...(startNow ? { claim: true } : {}),
      });
    } catch (error) {
      if (startNow) this.#releaseSlot();
      throw error;
    }
    const { job, created } = stored;
    if (created && input.resume !== undefined) {
      try {
        await this.#o.store.saveCheckpoint(job.id, { ...input.resume, runId: job.id });
      } catch (error) {
        if (startNow) this.#releaseSlot();
        await this.#o.store.failJob(job.id, {
          code: 'E_STORE',
          message: 'the replay checkpoint could not be saved',
        });
        throw error;
      }
    }
    if (!created) {
      if (startNow) this.#releaseSlot();
      const active = this.#active.get(job.id);
      return { job, created: false, done: active ? active.done : Promise.resolve(job) };
    }
    const active = this.#newActive(job);
    if (input.resume !== undefined) active.fromCheckpoint = true;
    if (input.origin !== undefined) active.origin = input.origin;
    if (!startNow) {
      this.#queue.push(active);
      this.#pump();
    } else if (this.#stopping) {
      // Shutdown began while the job was being stored: park it for the next start, as a
      // running job interrupted by shutdown is, without spending its attempt.
      this.#releaseSlot();
      const parked = await this.#o.store.updateJob(job.id, {
        status: 'pending',
        maxAttempts: job.maxAttempts + 1,
      });
      this.#end(active, parked ?? job, false);
    } else {
      this.#start(active, job);
    }
    return { job, created: true, done: active.done };
  }

  /** Cancels a pending or running job; E_NOT_FOUND or E_CONFLICT (already finished) otherwise. */
  async cancel(id: string): Promise<Job> {
    const cancelled = await this.#o.store.cancelJob(id);
    if (!cancelled) {
      const job = await this.#o.store.getJob(id);
      if (job === undefined) throw notFound(id);
      throw new AgentcrateError(
        'E_CONFLICT',
        `job ${id} is already ${job.status}; only pending or running jobs can be cancelled`,
        {
          details: { jobId: id, status: job.status },
        },
      );
    }
    const active = this.#active.get(id);
    if (active?.phase === 'queued') {
      const index = this.#queue.indexOf(active);
      if (index >= 0) this.#queue.splice(index, 1);
      const job = (await this.#o.store.getJob(id))!;
      this.#o.metrics.recordRun('cancelled', 0);
      this.#end(active, job);
      return job;
    }
    active?.controller?.abort(new AgentcrateError('E_CANCELLED', `job ${id} was cancelled by request`));
    return (await this.#o.store.getJob(id))!;
  }

  /**
   * Events a running job emitted in this process, the ones not yet in the store included;
   * undefined when the job is not running here.
   */
  liveEvents(id: string): readonly StoredEvent[] | undefined {
    return this.#active.get(id)?.events;
  }

  /**
   * Streams a job's events to `listener`: the stored ones after `afterSeq`, then live ones,
   * then one `end` item with the finished job. Returns undefined for an unknown job, else an
   * unsubscribe function.
   */
  async watch(id: string, afterSeq: number, listener: JobStreamListener): Promise<(() => void) | undefined> {
    const job = await this.#o.store.getJob(id);
    if (job === undefined) return undefined;
    const stored = await this.#o.store.listEvents(id, afterSeq);
    // Everything below runs without yielding, so no live event can slip between replay and subscription.
    const active = this.#active.get(id);
    if (active === undefined) {
      for (const event of stored) listener({ kind: 'event', event });
      const latest = (await this.#o.store.getJob(id)) ?? job;
      listener({ kind: 'end', job: latest });
      return () => undefined;
    }
    let last = afterSeq;
    for (const event of stored) {
      if (event.seq >= active.firstSeq) break;
      listener({ kind: 'event', event });
      last = event.seq;
    }
    for (const event of active.events) {
      if (event.seq > last) listener({ kind: 'event', event });
    }
    active.subscribers.add(listener);
    return () => active.subscribers.delete(listener);
  }

  /**
   * Stops taking runs, lets running ones finish within `graceMs`, then interrupts the rest
   * at their last checkpoint and parks them as pending, so the next start resumes them.
   */
  async shutdown(graceMs: number): Promise<void> {
    this.#stopping = true;
    if (this.#cleanupTimer) clearInterval(this.#cleanupTimer);
    // Queued jobs stay pending in the store; waiting HTTP callers get their job as it is (202).
    for (const active of this.#queue.splice(0)) this.#end(active, active.job);
    const running = [...this.#active.values()].filter((a) => a.phase === 'running');
    if (running.length > 0) {
      let timer: NodeJS.Timeout | undefined;
      await Promise.race([
        Promise.all(running.map((a) => a.done)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, Math.max(0, graceMs));
        }),
      ]);
      clearTimeout(timer);
      const left = [...this.#active.values()].filter((a) => a.phase === 'running');
      for (const active of left) {
        active.interruptedByShutdown = true;
        active.controller?.abort(new ShutdownSignal());
      }
      await Promise.all(left.map((a) => a.done));
    }
    await Promise.race([
      Promise.allSettled([...this.#webhooks]),
      new Promise((r) => setTimeout(r, 1000).unref()),
    ]);
  }

  // ------------------------------------------------------------------------ internals

  #newActive(job: Job): ActiveJob {
    let resolve!: (job: Job) => void;
    const done = new Promise<Job>((r) => {
      resolve = r;
    });
    const active: ActiveJob = {
      id: job.id,
      job,
      phase: 'queued',
      done,
      resolve,
      events: [],
      firstSeq: 1,
      nextSeq: 1,
      unflushed: [],
      subscribers: new Set(),
      interruptedByShutdown: false,
    };
    this.#active.set(job.id, active);
    return active;
  }

  #pump(): void {
    while (!this.#stopping && this.#running < this.#o.maxConcurrentRuns && this.#queue.length > 0) {
      const active = this.#queue.shift()!;
      this.#running += 1;
      this.#start(active);
    }
  }

  #releaseSlot(): void {
    this.#running -= 1;
    this.#pump();
  }

  /** Runs a job in a slot already counted in #running; `claimed` when the store claimed it at creation. */
  #start(active: ActiveJob, claimed?: Job): void {
    active.phase = 'running';
    void this.#run(active, claimed)
      .catch((error: unknown) => this.#crashed(active, error))
      .finally(() => this.#releaseSlot());
  }

  async #run(active: ActiveJob, preclaimed?: Job): Promise<void> {
    const { store } = this.#o;
    const claimed = preclaimed ?? (await store.claimJob(active.id));
    if (claimed === undefined) {
      // Cancelled (or finished elsewhere) between queueing and now.
      const job = await store.getJob(active.id);
      this.#end(active, job ?? active.job);
      return;
    }
    active.job = claimed;
    let resume: Checkpoint | undefined;
    if (claimed.attempts > 1 || active.fromCheckpoint) {
      // A previous process ran this job: continue after its last completed node, and number
      // new events after the ones it stored.
      resume = (await store.getCheckpoint(active.id))?.checkpoint as Checkpoint | undefined;
      const previous = await store.listEvents(active.id);
      const lastSeq = previous[previous.length - 1]?.seq ?? 0;
      active.firstSeq = lastSeq + 1;
      active.nextSeq = lastSeq + 1;
    }
    const controller = new AbortController();
    active.controller = controller;
    const chain = this.#o.events?.(active.id);
    const result = await execute(
      this.#o.plan,
      resume ? {} : claimed.inputs,
      { ...this.#o.deps, checkpoint: (cp) => this.#checkpoint(active, cp) },
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
    // Checkpoints are stored on their own; repeating the whole state in the event log would
    // multiply its size for nothing.
    if (event.type === 'checkpoint') return;
    if (event.type === 'run-start' && active.origin !== undefined) {
      (event as EngineEvent & { origin?: Record<string, unknown> }).origin = active.origin;
    }
    if (event.type === 'model-call') this.#o.metrics.recordTokens(event.inputTokens, event.outputTokens);
    if (event.type === 'run-end') {
      if (active.interruptedByShutdown) return;
      active.end = { outputs: event.outputs, ...(event.error ? { error: event.error } : {}) };
    }
    const stored: StoredEvent = {
      jobId: active.id,
      seq: active.nextSeq++,
      event: event as unknown as StoredEvent['event'],
    };
    active.events.push(stored);
    active.unflushed.push(event);
    for (const listener of active.subscribers) listener({ kind: 'event', event: stored });
  }

  async #flush(active: ActiveJob): Promise<void> {
    if (active.unflushed.length === 0) return;
    const batch = active.unflushed;
    active.unflushed = [];
    await this.#o.store.appendEvents(active.id, batch);
  }

  async #checkpoint(active: ActiveJob, checkpoint: Checkpoint): Promise<void> {
    // Both writes are issued before either is awaited, so they share one commit (the store
    // groups writes made in the same turn), in order: events, then the checkpoint.
    await Promise.all([
      this.#flush(active),
      this.#o.store.saveCheckpoint(active.id, this.#storedCheckpoint(active, checkpoint)),
    ]);
  }

  /**
   * The checkpoint as stored: secrets in its state hidden, as in the events. The engine goes on
   * with its own state; a run resumed from the store sees `[REDACTED]` where a secret was. A
   * checkpoint repeats the whole state, so each field is redacted only when its value changed.
   */
  #storedCheckpoint(active: ActiveJob, checkpoint: Checkpoint): Checkpoint {
    const redact = this.#o.redact;
    if (redact === undefined) return checkpoint;
    active.stored ??= new Map();
    const cache = active.stored;
    let state: Record<string, unknown> | undefined;
    for (const key of Object.keys(checkpoint.state)) {
      const value = checkpoint.state[key];
      const hit = cache.get(key);
      let clean: unknown;
      if (hit !== undefined && hit[0] === value) clean = hit[1];
      else {
        clean = redactValue(value, redact);
        cache.set(key, [value, clean]);
      }
      if (clean !== value) {
        state ??= { ...checkpoint.state };
        state[key] = clean;
      }
    }
    return state === undefined ? checkpoint : { ...checkpoint, state };
  }

  async #finish(active: ActiveJob, result: RunResult): Promise<void> {
    const { store, metrics } = this.#o;
    // Issued now and awaited with the job's final write below: one commit for both.
    const flushed = this.#flush(active);
    flushed.catch(() => {}); // awaited below; this only keeps an early failure from being "unhandled"
    const executionTimeMs = Math.round(result.durationMs);
    if (active.interruptedByShutdown) {
      // Not a crash and not the job's fault: park it for the next start without spending an attempt.
      const parked = await store.updateJob(active.id, {
        status: 'pending',
        maxAttempts: active.job.maxAttempts + 1,
      });
      await flushed;
      this.#end(active, parked ?? active.job, false);
      return;
    }
    let job: Job | undefined;
    // What the event chain made of the run-end event: the stored job shows what the events show.
    const end = active.end ?? { outputs: result.outputs, ...(result.error ? { error: result.error } : {}) };
    if (result.status === 'success') {
      job = await store.completeJob(active.id, {
        outputs: end.outputs,
        executionTimeMs,
        usage: result.usage,
      });
    } else if (result.status === 'failed') {
      const error = end.error ?? { code: 'E_INTERNAL', message: 'the run failed without an error' };
      job = await store.failJob(
        active.id,
        {
          code: error.code,
          message: error.message,
          ...(error.details || error.nodeId
            ? { details: { ...(error.details ?? {}), ...(error.nodeId ? { node: error.nodeId } : {}) } }
            : {}),
        },
        { executionTimeMs, usage: result.usage },
      );
    } else {
      await store.cancelJob(active.id);
    }
    if (job === undefined) {
      // Cancelled by request (the store row moved first): keep the time and usage it had.
      job = await store.updateJob(active.id, { executionTimeMs, usage: result.usage });
    }
    job ??= active.job;
    await flushed;
    const outcome =
      job.status === 'completed' ? 'completed' : job.status === 'cancelled' ? 'cancelled' : 'failed';
    metrics.recordRun(outcome, result.durationMs);
    this.#end(active, job);
  }

  /** The job leaves this runner: waiters and subscribers get the final job; webhook fires. */
  #end(active: ActiveJob, job: Job, notify = true): void {
    active.job = job;
    this.#active.delete(active.id);
    active.resolve(job);
    for (const listener of active.subscribers) listener({ kind: 'end', job });
    active.subscribers.clear();
    active.events = [];
    const finished = job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled';
    if (notify && finished && job.webhookUrl) {
      const delivery = deliverWebhook(job.webhookUrl, job.id, jobStatusView(job), {
        ...this.#o.webhook,
        onResult: (r) => {
          this.#o.webhook?.onResult?.(r);
          const log = { jobId: r.jobId, attempts: r.attempts, status: r.status, error: r.error };
          if (r.ok) this.#o.logger.debug(log, 'webhook delivered');
          else this.#o.logger.warn(log, 'webhook delivery failed');
        },
      });
      this.#webhooks.add(delivery);
      void delivery.finally(() => this.#webhooks.delete(delivery));
    }
  }

  /** A store failure (or a bug) around a run: fail the job with the reason if the store still works. */
  async #crashed(active: ActiveJob, error: unknown): Promise<void> {
    const err = toAgentcrateError(error);
    this.#o.logger.error({ jobId: active.id, code: err.code, err: err.message }, 'job runner error');
    let job: Job | undefined;
    try {
      const message = this.#o.redact?.(err.message) ?? err.message;
      job = await this.#o.store.failJob(active.id, { code: err.code, message });
      // Already finished (its final write landed before the error): report it as stored.
      job ??= await this.#o.store.getJob(active.id);
    } catch {
      // the store itself is failing; the job stays running and is recovered on the next start
    }
    this.#o.metrics.recordRun('failed', 0);
    this.#end(active, job ?? active.job);
  }

  #startCleanup(): void {
    const ttlMs = this.#o.jobTtlSeconds * 1000;
    if (!(ttlMs > 0)) return;
    const now = this.#o.now ?? Date.now;
    const sweep = (): void => {
      this.#o.store
        .deleteFinishedBefore(now() - ttlMs)
        .then((n) => {
          if (n > 0) this.#o.logger.info({ deleted: n }, 'deleted expired jobs');
        })
        .catch((error: unknown) =>
          this.#o.logger.warn({ err: (error as Error).message }, 'job retention cleanup failed'),
        );
    };
    sweep();
    const every = this.#o.cleanupIntervalMs ?? Math.min(ttlMs, 60_000);
    this.#cleanupTimer = setInterval(sweep, every);
    this.#cleanupTimer.unref();
  }
}

function notFound(id: string): AgentcrateError {
  return new AgentcrateError('E_NOT_FOUND', `no job with id '${id}'`, { details: { jobId: id } });
}
