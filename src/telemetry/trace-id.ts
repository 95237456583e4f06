/**
 * A run's trace id is derived from its job id, so `GET /traces/{job_id}` and
 * `agentcrate traces <job_id>` find the trace without a lookup table, and a run resumed after
 * a crash (same job id) lands in the same trace.
 */
import { createHash } from 'node:crypto';

const TRACE_ID = /^[0-9a-f]{32}$/;

export function traceIdForJob(jobId: string): string {
  const id = createHash('sha256').update(jobId).digest('hex').slice(0, 32);
  // An all-zero trace id is invalid in OpenTelemetry; astronomically unlikely, but be exact.
  return /^0+$/.test(id) ? `${id.slice(0, 31)}1` : id;
}

/** True for a 32-hex OpenTelemetry trace id (lower case). */
export function isTraceId(value: string): boolean {
  return TRACE_ID.test(value);
}
