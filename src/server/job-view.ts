/**
 * The public JSON views of a job. Field names follow the configurable-agents generated
 * server (`job_id`, `status`, `outputs`, `execution_time_ms`) so its clients keep working.
 */
import type { Job } from '../store/index.js';

export interface JobStatusView {
  job_id: string;
  status: Job['status'];
  workflow: string;
  created_at: string;
  started_at: string | null;
  completed_at: string | null;
  execution_time_ms: number | null;
  outputs: Record<string, unknown> | null;
  error: { code: string; message: string; details: Record<string, unknown> } | null;
  progress: { nodes_done: number; nodes: string[] };
  usage: { input_tokens: number; output_tokens: number };
  attempts: number;
}

function iso(ms: number | null): string | null {
  return ms === null ? null : new Date(ms).toISOString();
}

export function jobStatusView(job: Job): JobStatusView {
  return {
    job_id: job.id,
    status: job.status,
    workflow: job.workflow,
    created_at: new Date(job.createdAt).toISOString(),
    started_at: iso(job.startedAt),
    completed_at: iso(job.completedAt),
    execution_time_ms: job.executionTimeMs,
    outputs: job.outputs,
    error:
      job.error === null
        ? null
        : { code: job.error.code, message: job.error.message, details: job.error.details ?? {} },
    progress: { nodes_done: job.progress.step, nodes: job.progress.nodesDone },
    usage: { input_tokens: job.usage.inputTokens, output_tokens: job.usage.outputTokens },
    attempts: job.attempts,
  };
}

/** URL path of a job's status resource (relative, so it is right behind any proxy). */
export function statusPath(jobId: string): string {
  return `/status/${encodeURIComponent(jobId)}`;
}
