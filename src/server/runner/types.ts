/** What a job runner is made with, and what submitting a run takes and gives. */
import type { Checkpoint, EngineDeps, EngineEvent, Plan } from '../../engine/index.js';
import { AgentcrateError } from '../../errors.js';
import type { Redactor } from '../../secrets/index.js';
import type { Job, Store } from '../../store/index.js';
import type { Logger } from '../logger.js';
import type { Metrics } from '../metrics.js';
import type { WebhookOptions } from '../webhook.js';

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
  /** The store's lease lasts this long without a heartbeat (default: the store's). */
  leaseTtlMs?: number;
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
  /**
   * The caller waits here for the result (a sync /run): on a shared store a run that cannot
   * start at once waits in this replica, held, instead of in the store's queue (shared.ts).
   */
  waits?: boolean;
}

export interface SubmitResult {
  job: Job;
  /** False when the idempotency key matched an existing job (which is returned). */
  created: boolean;
  /** Resolves with the job once it is finished (or parked by a shutdown). */
  done: Promise<Job>;
}

/** Completed, failed or cancelled. */
export function isFinished(job: Job): boolean {
  return job.status !== 'pending' && job.status !== 'running';
}

/** Every slot busy and the queue full: 429, retry in a second. */
export function queueFull(maxConcurrentRuns: number, queueSize: number): AgentcrateError {
  return new AgentcrateError(
    'E_QUEUE_FULL',
    `all ${maxConcurrentRuns} run slots are busy and ${queueSize} runs are queued; retry later`,
    { details: { retryAfterSeconds: 1, maxConcurrentRuns, queueSize } },
  );
}
