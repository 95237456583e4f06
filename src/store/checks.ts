/**
 * Argument checks every `Store` implementation makes the same way, so a bad call fails with
 * the same `E_INVALID_INPUT` message whichever store is behind the seam.
 */
import { AgentcrateError } from '../errors.js';
import {
  type CreateJobInput,
  DEFAULT_MAX_CRASHES,
  JOB_STATUSES,
  type JobError,
  type JobPatch,
  type JobStatus,
  type StoreEvent,
} from './types.js';

export function invalid(message: string): AgentcrateError {
  return new AgentcrateError('E_INVALID_INPUT', message);
}

export function notFound(jobId: string): AgentcrateError {
  return new AgentcrateError('E_NOT_FOUND', `No job with id "${jobId}" in the store.`, {
    details: { jobId },
  });
}

export function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

export function checkId(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(`${what} must be a non-empty string.`);
  return value;
}

export function checkEvent(event: unknown, index: number): StoreEvent {
  if (
    !isPlainObject(event) ||
    typeof event.type !== 'string' ||
    event.type === '' ||
    typeof event.at !== 'number' ||
    !Number.isFinite(event.at)
  ) {
    throw invalid(
      `Event #${index} must be an object with a non-empty string "type" and a numeric "at" (epoch ms).`,
    );
  }
  return event as unknown as StoreEvent;
}

/** A new job's input, checked; what every store needs to insert it. */
export interface CheckedNewJob {
  id: string;
  maxCrashes: number;
  key: string | null;
  claim: boolean;
  queueLimit: number | undefined;
}

export function checkNewJob(input: CreateJobInput): CheckedNewJob {
  const id = checkId(input?.id, 'Job id');
  checkId(input.workflow, 'Job workflow name');
  if (!isPlainObject(input.inputs)) throw invalid(`Job ${id}: inputs must be a JSON object.`);
  const maxCrashes = input.maxCrashes ?? DEFAULT_MAX_CRASHES;
  if (!Number.isInteger(maxCrashes) || maxCrashes < 1) {
    throw invalid(`Job ${id}: maxCrashes must be a whole number ≥ 1 (got ${String(input.maxCrashes)}).`);
  }
  const key = input.idempotencyKey ?? null;
  if (key !== null && (typeof key !== 'string' || key === '')) {
    throw invalid(`Job ${id}: idempotencyKey must be a non-empty string when given.`);
  }
  const queueLimit = input.queueLimit;
  if (queueLimit !== undefined && (!Number.isInteger(queueLimit) || queueLimit < 0)) {
    throw invalid(`Job ${id}: queueLimit must be a whole number ≥ 0 (got ${String(queueLimit)}).`);
  }
  return { id, maxCrashes, key, claim: input.claim === true, queueLimit };
}

/** E_QUEUE_FULL for a job refused by `queueLimit` (HTTP 429 with Retry-After). */
export function queueFull(limit: number): AgentcrateError {
  return new AgentcrateError(
    'E_QUEUE_FULL',
    `${limit} runs are already waiting in the job store; retry later`,
    { details: { retryAfterSeconds: 1, queueSize: limit } },
  );
}

export function checkStatus(status: JobStatus | undefined): void {
  if (status !== undefined && !JOB_STATUSES.includes(status)) {
    throw invalid(`Unknown job status "${String(status)}": use one of ${JOB_STATUSES.join(', ')}.`);
  }
}

export function checkPatch(id: string, patch: JobPatch): void {
  checkStatus(patch.status);
  if (patch.maxCrashes !== undefined && (!Number.isInteger(patch.maxCrashes) || patch.maxCrashes < 1)) {
    throw invalid(`Job ${id}: maxCrashes must be a whole number ≥ 1.`);
  }
}

export function checkFailure(id: string, error: JobError): void {
  if (typeof error?.code !== 'string' || typeof error.message !== 'string') {
    throw invalid(`Job ${id}: a failure needs an error with a string code and message.`);
  }
}

/** What a checkpoint says about progress, read the same way by every store. */
export function checkpointProgress(
  jobId: string,
  checkpoint: unknown,
): { step: number; nodesDone: string[]; data: string } {
  if (!isPlainObject(checkpoint)) throw invalid(`Job ${jobId}: a checkpoint must be a JSON object.`);
  const step = checkpointStep(checkpoint);
  const nodesDone = Array.isArray(checkpoint.completed)
    ? checkpoint.completed.filter((node): node is string => typeof node === 'string')
    : [];
  return { step, nodesDone, data: JSON.stringify(checkpoint) };
}

/** A checkpoint's step counter: its `step`, or 0 when it has none. */
export function checkpointStep(checkpoint: unknown): number {
  const step = isPlainObject(checkpoint) ? checkpoint.step : undefined;
  return typeof step === 'number' && Number.isFinite(step) ? step : 0;
}
