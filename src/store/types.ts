/**
 * The storage seam of `agentcrate serve`. Callers (server, job runner, telemetry) only see
 * this module, so a Postgres implementation can follow the embedded SQLite one without
 * touching them. Hence: every method is async, every JSON column is a plain object, every
 * timestamp is epoch ms (turning them into ISO strings is the server's job), and nothing
 * engine-specific leaks in.
 */

import type { MemoryChange, MemoryStore } from './memory-types.js';

export type JobStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

/** Statuses a job never leaves; retention only ever deletes these. */
export const FINISHED_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

export const JOB_STATUSES: readonly JobStatus[] = ['pending', 'running', 'completed', 'failed', 'cancelled'];

/**
 * Crash-loop guard default: a job fails after this many crashes of the process were blamed on
 * it (it was the only suspect), with no checkpoint saved in between.
 */
export const DEFAULT_MAX_CRASHES = 3;

/**
 * A job in flight at this many crashes since its last checkpoint is resumed isolated: it runs
 * while no other isolated job does, so the next crash has at most one suspect to blame.
 */
export const ISOLATE_AFTER_CRASHES = 2;

/** The error code `recoverInterrupted` gives jobs that keep crashing the process. */
export const CRASH_LOOP_CODE = 'E_CRASH_LOOP';

/** How long a lease lasts without a heartbeat (see `Store.acquireLease`). */
export const DEFAULT_LEASE_TTL_MS = 10_000;

export interface JobError {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}

export interface JobUsage {
  inputTokens: number;
  outputTokens: number;
}

/** What the latest checkpoint says was done; `nodesDone` keeps repeats (loops). */
export interface JobProgress {
  /** Node executions completed so far (the checkpoint's step counter). */
  step: number;
  /** Node ids in completion order, as the checkpoint's `completed`. */
  nodesDone: string[];
}

export interface Job {
  id: string;
  status: JobStatus;
  /** The workflow's name. */
  workflow: string;
  inputs: Record<string, unknown>;
  outputs: Record<string, unknown> | null;
  error: JobError | null;
  createdAt: number;
  /** When the job was first claimed; kept across crash-resumes. */
  startedAt: number | null;
  /** When it reached a finished status. */
  completedAt: number | null;
  executionTimeMs: number | null;
  /** How many times the job was claimed (a resume after a crash or a shutdown claims it again). */
  attempts: number;
  /** Crashes of the process this job was in flight at since its last checkpoint. */
  crashes: number;
  /** Of those, the crashes it was the only suspect of (see recoverInterrupted). */
  blamedCrashes: number;
  /** Blamed crashes after which the job fails with CRASH_LOOP_CODE. */
  maxCrashes: number;
  idempotencyKey: string | null;
  webhookUrl: string | null;
  progress: JobProgress;
  usage: JobUsage;
}

export interface CreateJobInput {
  id: string;
  workflow: string;
  inputs: Record<string, unknown>;
  idempotencyKey?: string;
  webhookUrl?: string;
  /** Defaults to DEFAULT_MAX_CRASHES. */
  maxCrashes?: number;
  /**
   * Store it already claimed (running, attempts 1, startedAt now) for a runner that has a
   * free slot: one write instead of a create and a claim. Ignored when an idempotency key
   * returns an existing job.
   */
  claim?: boolean;
  /**
   * Refuse with E_QUEUE_FULL unless fewer than this many jobs are pending in the store (a
   * job stored claimed is not counted against it). The check and the insert are one step, so
   * several processes sharing the store hold one bound between them.
   */
  queueLimit?: number;
}

export interface CreateJobResult {
  job: Job;
  /** False when a job with the same idempotency key already existed (that job is returned). */
  created: boolean;
}

export interface ListJobsOptions {
  status?: JobStatus;
  /** Page size, 1..MAX_PAGE_SIZE. */
  limit: number;
  /** `nextCursor` of the previous page, passed back unchanged. */
  cursor?: string;
}

export interface ListJobsResult {
  /** Newest first (createdAt desc, id desc). */
  jobs: Job[];
  /** Present when there may be more jobs after this page. */
  nextCursor?: string;
}

export const MAX_PAGE_SIZE = 1000;

/** Fields a caller may overwrite directly; lifecycle moves have their own methods. */
export interface JobPatch {
  status?: JobStatus;
  outputs?: Record<string, unknown> | null;
  error?: JobError | null;
  startedAt?: number | null;
  completedAt?: number | null;
  executionTimeMs?: number | null;
  webhookUrl?: string | null;
  maxCrashes?: number;
  progress?: JobProgress;
  usage?: JobUsage;
}

export interface CompleteJobInput {
  outputs: Record<string, unknown>;
  executionTimeMs: number;
  usage: JobUsage;
  /**
   * The run's progress at its end, stored with the completion: a runner that writes the end of a
   * run in place of its last checkpoint (nothing reads a finished job's checkpoint) keeps the
   * job's progress true this way. Absent: the progress of the last checkpoint stays.
   */
  progress?: Job['progress'];
}

export interface FailJobOptions {
  executionTimeMs?: number;
  usage?: JobUsage;
}

export interface StoredCheckpoint {
  jobId: string;
  /** The checkpoint's `step` (0 when it has none). */
  step: number;
  savedAt: number;
  /** The engine's Checkpoint JSON, exactly as saved. */
  checkpoint: unknown;
}

/** Any JSON object with a type and a time; the engine's events fit as they are. */
export interface StoreEvent {
  type: string;
  /** Epoch ms. */
  at: number;
}

export interface StoredEvent {
  jobId: string;
  /** 1, 2, 3, ... per job, in append order. */
  seq: number;
  /** The event as appended (all its fields). */
  event: StoreEvent & Record<string, unknown>;
}

/** What crash recovery decided for one job a dead owner left running. */
export interface RecoveredJob {
  /** The job after the decision (pending to resume, or failed). */
  job: Job;
  /** resumed: with the others; isolated: resumed alone among suspects; failed: E_CRASH_LOOP. */
  action: 'resumed' | 'isolated' | 'failed';
  /** Why, in words, for the recovery log line. */
  reason: string;
  /** The crash was blamed on this job (it was the only suspect). */
  blamed: boolean;
  /** How many jobs were in flight at the crash. */
  suspects: number;
}

/** Who holds a store's lease. */
export interface LeaseHolder {
  /** Unique per acquisition. */
  id: string;
  pid: number;
  host: string;
  /** Epoch ms the holder took the lease. */
  since: number;
}

export interface LeaseOptions {
  /** How long the lease lasts without a heartbeat (default DEFAULT_LEASE_TTL_MS). */
  ttlMs?: number;
}

export interface StoreLease {
  readonly holder: LeaseHolder;
  readonly ttlMs: number;
  /**
   * The owner before this one when it had not released the store: it died (its lock was free)
   * or its lease expired. Its running jobs are what `recoverInterrupted` recovers.
   */
  readonly tookOver?: { holder: LeaseHolder; reason: 'died' | 'expired' };
  /**
   * Settles if another process takes the store over (this one stalled beyond its lease): from
   * then on every write of this store fails with E_STORE_LOCKED, so nothing it does can touch
   * the new owner's jobs.
   */
  readonly lost: Promise<Error>;
  /** Gives the store up (idempotent); `close()` does it too. */
  release(): Promise<void>;
}

export interface ClaimOptions {
  /**
   * Skip jobs the crash-loop guard isolates (in flight at ISOLATE_AFTER_CRASHES crashes since
   * their last checkpoint), for a runner already running one.
   */
  skipIsolated?: boolean;
  /**
   * Only jobs submitted to this workflow (`Job.workflow`): a store may hold several workflows'
   * jobs, and a runner runs only its own.
   */
  workflow?: string;
}

/**
 * What a shared store tells its processes happened elsewhere (see `Store.changes`):
 * `pending`: a job waits to be claimed (created unclaimed, or put back by recovery or a
 * shutdown); `finished`: a job reached a finished status (completed, failed, cancelled).
 */
export type StoreChange = { kind: 'pending' } | { kind: 'finished'; jobId: string };

export interface StoreHealth {
  ok: boolean;
  reason?: string;
}

export interface Store {
  // Jobs
  createJob(input: CreateJobInput): Promise<CreateJobResult>;
  getJob(id: string): Promise<Job | undefined>;
  listJobs(options: ListJobsOptions): Promise<ListJobsResult>;
  /** pending → running atomically (sets startedAt once, attempts + 1); undefined if not pending. */
  claimJob(id: string): Promise<Job | undefined>;
  /** Claims the oldest pending job, if any. */
  claimNextPending(options?: ClaimOptions): Promise<Job | undefined>;
  /** Overwrites the given fields; undefined when the job does not exist. */
  updateJob(id: string, patch: JobPatch): Promise<Job | undefined>;
  /** pending/running → completed; undefined when missing or already finished (e.g. cancelled). */
  completeJob(id: string, result: CompleteJobInput): Promise<Job | undefined>;
  /** pending/running → failed; undefined when missing or already finished. */
  failJob(id: string, error: JobError, options?: FailJobOptions): Promise<Job | undefined>;
  /** pending/running → cancelled; false when missing or already finished. */
  cancelJob(id: string): Promise<boolean>;
  /**
   * Makes this process an owner of the store, renewed by heartbeat until `release` or
   * `close`: the embedded store has exactly one (a second live process is refused with
   * E_STORE_LOCKED naming the owner's pid and host and when its lease expires; it takes over
   * when the owner died or its lease expired); a distributed store may have several, each
   * owning the jobs it claimed. Reading needs no lease.
   */
  acquireLease(options?: LeaseOptions): Promise<StoreLease>;
  /**
   * Needs the lease. Jobs a dead owner left `running` go back to `pending` to resume from their
   * checkpoint, unless the crash-loop guard fails them: each such job was in flight at one more
   * crash; the crash is blamed on a job only when it is the sole suspect (alone in flight, or
   * the only isolated one in flight), and a job whose blamed crashes reach maxCrashes fails
   * with CRASH_LOOP_CODE. A checkpoint saved clears both counts. Oldest first.
   *
   * A dead owner: for the embedded store, whoever held it before this lease (every running job
   * is then interrupted); for a shared store, any owner whose lease ended (released, expired, or
   * its holder died) and a claim made without a lease, each owner's jobs being the suspects of
   * its own crash. A shared store's owners call it again and again while they run.
   */
  recoverInterrupted(): Promise<RecoveredJob[]>;
  /**
   * True when several live processes may own the store at once (each owning the jobs it
   * claimed): their runners then claim work from the store, not from a queue of their own,
   * and recover dead owners' jobs while they run.
   */
  readonly shared: boolean;
  /**
   * A shared store's feed of what other processes did (and this one: a process hears its own
   * changes too); undefined for a store only one process uses. Best effort: a listener that
   * must not miss a change polls as well. Returns an unsubscribe function.
   */
  changes?(listener: (change: StoreChange) => void): () => void;
  /**
   * Deletes finished jobs completed before `epochMs`, with their checkpoints and events (and so
   * their traces, which are rebuilt from the events). Returns the number of jobs deleted.
   */
  deleteFinishedBefore(epochMs: number): Promise<number>;
  countByStatus(): Promise<Record<JobStatus, number>>;

  // Checkpoints (latest per job)
  /**
   * Keeps only the latest per job and sets the job's progress from `checkpoint.completed`.
   * `memory`: the memory writes of the nodes this checkpoint completes, kept in the same
   * transaction, so a crash never leaves a node's memory without its checkpoint or the other
   * way round (a resumed run would write them twice, or lose them).
   */
  saveCheckpoint(
    jobId: string,
    checkpoint: unknown,
    options?: { memory?: readonly MemoryChange[] },
  ): Promise<void>;
  getCheckpoint(jobId: string): Promise<StoredCheckpoint | undefined>;

  // Events (SSE replay, progress, and the record traces are rebuilt from)
  appendEvent(jobId: string, event: StoreEvent): Promise<StoredEvent>;
  /** One transaction for the whole batch; seqs are consecutive. */
  appendEvents(jobId: string, events: readonly StoreEvent[]): Promise<StoredEvent[]>;
  /** Events with seq > afterSeq (default 0), in seq order, at most `limit` (default all). */
  listEvents(jobId: string, afterSeq?: number, limit?: number): Promise<StoredEvent[]>;

  // Memory across runs (memory-types.ts)
  readonly memory: MemoryStore;

  /** Checks the store can still write (not just read). */
  health(): Promise<StoreHealth>;
  /**
   * Frees what the store holds only to be fast (caches, idle helpers), for a server gone
   * quiet; everything is rebuilt on the next use. Optional: a store with nothing to free
   * need not have it.
   */
  releaseMemory?(): Promise<void>;
  /** Idempotent; any other call afterwards fails with E_STORE. */
  close(): Promise<void>;
}
