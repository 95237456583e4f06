/**
 * A run's trace id is derived from its job id, so `GET /traces/{job_id}` and
 * `agentcrate traces <job_id>` find the trace without a lookup table, and a run resumed after
 * a crash (same job id) lands in the same trace.
 *
 * Server job ids are UUIDs: their 32 hex digits are the trace id as they are (no hashing per
 * run; the trace of a job is found from its job id alone).
 * Any other id (a CLI run id, a caller-chosen id) is hashed to 32 hex digits.
 */
import { createHash } from 'node:crypto';

const TRACE_ID = /^[0-9a-f]{32}$/;
const UUID = /^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$/;

export function traceIdForJob(jobId: string): string {
  if (UUID.test(jobId)) {
    const id = jobId.replaceAll('-', '').toLowerCase();
    // The nil UUID would be the invalid all-zero trace id; hash it like any other id.
    if (!/^0+$/.test(id)) return id;
  }
  return hashedTraceId(jobId);
}

/**
 * The id every job had before UUIDs were used directly (and still has when it is not a
 * UUID): kept so traces written by earlier versions are still found by their job id.
 */
export function hashedTraceId(jobId: string): string {
  const id = createHash('sha256').update(jobId).digest('hex').slice(0, 32);
  // An all-zero trace id is invalid in OpenTelemetry; astronomically unlikely, but be exact.
  return /^0+$/.test(id) ? `${id.slice(0, 31)}1` : id;
}

/** True for a 32-hex OpenTelemetry trace id (lower case). */
export function isTraceId(value: string): boolean {
  return TRACE_ID.test(value);
}
