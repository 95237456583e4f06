/**
 * configurable-agents' response bodies (its generated server's pydantic models: `RunResponse`,
 * `JobStatusResponse`, `HealthResponse`, `SchemaResponse` and the root document). FastAPI
 * serialises every field of a response model, so absent values are `null`, never missing.
 */
import type { Workflow } from '../../config/types.js';
import type { Job } from '../../store/index.js';

/** Python's `datetime.utcnow().isoformat()`: no zone suffix, microseconds. */
export function pythonIso(ms: number): string {
  const iso = new Date(ms).toISOString(); // 2026-12-06T05:42:21.123Z
  return `${iso.slice(0, 19)}.${iso.slice(20, 23)}000`;
}

export interface RunResponse {
  status: 'success' | 'async';
  execution_time_ms: number | null;
  outputs: Record<string, unknown> | null;
  job_id: string | null;
  message: string | null;
}

export function successResponse(job: Job): RunResponse {
  return {
    status: 'success',
    execution_time_ms: job.executionTimeMs,
    outputs: job.outputs,
    // Upstream's sync answer has no job; this one's id still finds its trace and status.
    job_id: job.id,
    message: null,
  };
}

export function asyncResponse(job: Job, timeoutSeconds: number): RunResponse {
  return {
    status: 'async',
    execution_time_ms: null,
    outputs: null,
    job_id: job.id,
    message: `Workflow exceeds ${timeoutSeconds}s timeout. Poll /status/${job.id} for results.`,
  };
}

export interface JobStatusResponse {
  job_id: string;
  status: 'pending' | 'running' | 'completed' | 'failed';
  created_at: string;
  completed_at: string | null;
  execution_time_ms: number | null;
  outputs: Record<string, unknown> | null;
  error: string | null;
}

/** Why a finished job did not complete, as the one string upstream's clients read. */
export function failureText(job: Job): string {
  if (job.status === 'cancelled') return `job ${job.id} was cancelled`;
  return job.error?.message ?? 'the run failed';
}

/** Upstream knows pending, running, completed and failed; a cancelled job is a failed one. */
export function jobStatusResponse(job: Job): JobStatusResponse {
  const finished = job.status === 'completed' || job.status === 'failed' || job.status === 'cancelled';
  return {
    job_id: job.id,
    status: job.status === 'cancelled' ? 'failed' : job.status,
    created_at: pythonIso(job.createdAt),
    completed_at: finished && job.completedAt !== null ? pythonIso(job.completedAt) : null,
    execution_time_ms: job.status === 'completed' ? job.executionTimeMs : null,
    outputs: job.status === 'completed' ? job.outputs : null,
    error: job.status === 'failed' || job.status === 'cancelled' ? failureText(job) : null,
  };
}

/** `GET /schema`: every state field as an input (type as written), every name as an output. */
export function compatSchema(workflow: Workflow): Record<string, unknown> {
  const inputs: Record<string, unknown> = {};
  for (const field of workflow.state) {
    inputs[field.name] = {
      type: field.typeText,
      required: field.required,
      default: field.hasDefault ? field.default : null,
      description: field.description ?? '',
    };
  }
  return { workflow: workflow.flow.name, inputs, outputs: workflow.state.map((f) => f.name) };
}

export function compatRoot(workflow: Workflow): Record<string, unknown> {
  return {
    workflow: workflow.flow.name,
    status: 'running',
    endpoints: {
      run: '/run (POST)',
      status: '/status/{job_id} (GET)',
      health: '/health (GET)',
      schema: '/schema (GET)',
      docs: '/docs (GET)',
    },
  };
}
