/**
 * The storage seam of `agentcrate serve`. Callers (server, job runner, telemetry) only see
 * this module, so a Postgres implementation can follow the embedded SQLite one without
 * touching them. Hence: every method is async, every JSON column is a plain object, every
 * timestamp is epoch ms (turning them into ISO strings is the server's job), and nothing
 * engine-specific leaks in.
 */

import type { MemoryStore } from './memory-types.js';

export type JobStatus = 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';

/** Statuses a job never leaves; retention only ever deletes these. */
export const FINISHED_STATUSES: readonly JobStatus[] = ['completed', 'failed', 'cancelled'];

export const JOB_STATUSES: readonly JobStatus[] = ['pending', 'running', 'completed', 'failed', 'cancelled'];

/** Crash-loop guard default: a job may be claimed this many times before a crash fails it. */
export const DEFAULT_MAX_ATTEMPTS = 3;

/** The error code `recoverInterrupted` gives jobs that keep crashing the process. */
export const CRASH_LOOP_CODE = 'E_CRASH_LOOP';

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
  /** How many times the job was claimed (a resume after a crash claims it again). */
  attempts: number;
  maxAttempts: number;
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
  /** Defaults to DEFAULT_MAX_ATTEMPTS. */
  maxAttempts?: number;
  /**
   * Store it already claimed (running, attempts 1, startedAt now) for a runner that has a
   * free slot: one write instead of a create and a claim. Ignored when an idempotency key
   * returns an existing job.
   */
  claim?: boolean;
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
  maxAttempts?: number;
  progress?: JobProgress;
  usage?: JobUsage;
}

export interface CompleteJobInput {
  outputs: Record<string, unknown>;
  executionTimeMs: number;
  usage: JobUsage;
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
  claimNextPending(): Promise<Job | undefined>;
  /** Overwrites the given fields; undefined when the job does not exist. */
  updateJob(id: string, patch: JobPatch): Promise<Job | undefined>;
  /** pending/running → completed; undefined when missing or already finished (e.g. cancelled). */
  completeJob(id: string, result: CompleteJobInput): Promise<Job | undefined>;
  /** pending/running → failed; undefined when missing or already finished. */
  failJob(id: string, error: JobError, options?: FailJobOptions): Promise<Job | undefined>;
  /** pending/running → cancelled; false when missing or already finished. */
  cancelJob(id: string): Promise<boolean>;
  /**
   * Run once at start-up: jobs left `running` by a crash go back to `pending` (returned, to
   * resume from their checkpoint), except those whose attempts reached maxAttempts, which
   * fail with CRASH_LOOP_CODE.
   */
  recoverInterrupted(): Promise<Job[]>;
  /**
   * Deletes finished jobs completed before `epochMs`, with their checkpoints and events (and so
   * their traces, which are rebuilt from the events). Returns the number of jobs deleted.
   */
  deleteFinishedBefore(epochMs: number): Promise<number>;
  countByStatus(): Promise<Record<JobStatus, number>>;

  // Checkpoints (latest per job)
  /** Keeps only the latest per job and sets the job's progress from `checkpoint.completed`. */
  saveCheckpoint(jobId: string, checkpoint: unknown): Promise<void>;
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
