/**
 * One job while this process holds it: queued for a slot, running, or parked until the store
 * can write again. Its events stay in memory for live subscribers (SSE) until the job leaves.
 */
import type { Checkpoint, EngineEvent, MemoryChange, RunError } from '../../engine/index.js';
import { AgentcrateError } from '../../errors.js';
import type { Job, StoredEvent, StoreEvent } from '../../store/index.js';

export type JobStreamItem = { kind: 'event'; event: StoredEvent } | { kind: 'end'; job: Job };
export type JobStreamListener = (item: JobStreamItem) => void;

/** Why a run was stopped before it ended by itself. */
export type StopReason =
  /** The server is shutting down: parked as pending for the next start. */
  | 'shutdown'
  /** The store cannot write: parked in memory, resumed when it can. */
  | 'store'
  /** Another process took the store over: this one must not write another job's state. */
  | 'lease';

export interface ActiveJob {
  id: string;
  job: Job;
  phase: 'queued' | 'running' | 'parked';
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
  stop?: StopReason;
  /** The run-end event's outputs and error, as the event chain left them (redacted). */
  end?: { outputs: Record<string, unknown>; error?: RunError };
  /** State field → [value as the engine has it, value as stored], so each is redacted once. */
  stored?: Map<string, [unknown, unknown]>;
  /**
   * Runs only while no other isolated job runs (the crash-loop guard's bisection: see
   * store/crash-guard.ts); cleared by the job's next checkpoint.
   */
  isolated: boolean;
  /**
   * The run's final checkpoint (nothing left to run), held instead of stored: the run's end
   * is stored with its progress; only a run that does not end by itself stores it (storeEnd).
   */
  last?: Checkpoint;
  /** The memory writes of the final checkpoint's nodes, stored with it or with the run's end. */
  lastMemory?: readonly MemoryChange[];
  /** A checkpoint the store could not save (with its memory writes): written first, then the run resumes from it. */
  unsaved?: { checkpoint: Checkpoint; memory: readonly MemoryChange[] };
  /** Set on a parked job: what to write before it can go on, and then how it goes on. */
  retry?: () => Promise<void>;
  /**
   * Set when the job is already claimed (running in the store) and goes on in this process:
   * from this checkpoint, or from its inputs when it has none. `#run` then claims nothing.
   */
  resume?: { job: Job; checkpoint?: Checkpoint };
  /** The job starts from its stored checkpoint on its first attempt too (a replay). */
  fromCheckpoint?: boolean;
  /** Its slot went to the next queued job when its end was issued (runner `#handOver`). */
  slotHandedOver?: boolean;
  /** Kept on the job's `run-start` event (e.g. the job a replay came from). */
  origin?: Record<string, unknown>;
}

export function newActiveJob(job: Job, isolated = false): ActiveJob {
  let resolve!: (job: Job) => void;
  const done = new Promise<Job>((r) => {
    resolve = r;
  });
  return {
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
    isolated,
  };
}

/**
 * An engine event of the job as this process keeps it: numbered, held for live subscribers
 * and for the next batch written to the store, and handed to the subscribers.
 */
export function recordEvent(active: ActiveJob, event: EngineEvent): void {
  // Checkpoints are stored on their own; repeating the whole state in the event log would
  // multiply its size for nothing.
  if (event.type === 'checkpoint') return;
  if (event.type === 'run-start' && active.origin !== undefined) {
    (event as EngineEvent & { origin?: Record<string, unknown> }).origin = active.origin;
  }
  if (event.type === 'run-end') {
    // A run the runner stopped did not end: it goes on later, here or in another process.
    if (active.stop !== undefined) return;
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

/** The reason a run's controller is aborted with when the runner stops it (not the job's fault). */
export class StopSignal extends AgentcrateError {
  constructor(reason: StopReason) {
    super(
      'E_CANCELLED',
      reason === 'shutdown'
        ? 'the server is shutting down; the run resumes from its last checkpoint on the next start'
        : reason === 'store'
          ? 'the job store cannot write; the run is parked and resumes when it can'
          : 'another process took the job store over; this one stops running its jobs',
    );
  }
}

/** Waits until every job in `jobs` is done or `ms` have passed, whichever comes first. */
export async function allDoneWithin(jobs: readonly ActiveJob[], ms: number): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(jobs.map((a) => a.done)),
    new Promise<void>((resolve) => {
      timer = setTimeout(resolve, Math.max(0, ms));
    }),
  ]);
  clearTimeout(timer);
}
