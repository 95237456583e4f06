/**
 * Row ↔ object mapping for the SQLite store: the only place that knows column names and
 * which columns hold JSON text, so no SQLite shape leaks through the Store interface.
 */
import type { Job, JobError, JobStatus, SpanRecord, SpanStatus, StoredEvent, TraceSummary } from './types.js';

export type Row = Record<string, unknown>;

function num(value: unknown): number {
  return typeof value === 'bigint' ? Number(value) : (value as number);
}

function numOrNull(value: unknown): number | null {
  return value === null || value === undefined ? null : num(value);
}

function strOrNull(value: unknown): string | null {
  return value === null || value === undefined ? null : (value as string);
}

function json<T>(value: unknown): T | null {
  return typeof value === 'string' ? (JSON.parse(value) as T) : null;
}

export function rowToJob(row: Row): Job {
  return {
    id: row.id as string,
    status: row.status as JobStatus,
    workflow: row.workflow as string,
    inputs: json<Record<string, unknown>>(row.inputs) ?? {},
    outputs: json<Record<string, unknown>>(row.outputs),
    error: json<JobError>(row.error),
    createdAt: num(row.created_at),
    startedAt: numOrNull(row.started_at),
    completedAt: numOrNull(row.completed_at),
    executionTimeMs: numOrNull(row.execution_time_ms),
    attempts: num(row.attempts),
    maxAttempts: num(row.max_attempts),
    idempotencyKey: strOrNull(row.idempotency_key),
    webhookUrl: strOrNull(row.webhook_url),
    progress: { step: num(row.progress_step), nodesDone: json<string[]>(row.progress_nodes) ?? [] },
    usage: { inputTokens: num(row.input_tokens), outputTokens: num(row.output_tokens) },
  };
}

export function rowToEvent(row: Row): StoredEvent {
  return {
    jobId: row.job_id as string,
    seq: num(row.seq),
    event: JSON.parse(row.data as string) as StoredEvent['event'],
  };
}

export function rowToSpan(row: Row): SpanRecord {
  const span: SpanRecord = {
    traceId: row.trace_id as string,
    spanId: row.span_id as string,
    name: row.name as string,
    startMs: num(row.start_ms),
    endMs: num(row.end_ms),
    status: row.status as SpanStatus,
    attributes: json<Record<string, unknown>>(row.attributes) ?? {},
  };
  if (row.parent_span_id !== null && row.parent_span_id !== undefined) {
    span.parentSpanId = row.parent_span_id as string;
  }
  if (row.job_id !== null && row.job_id !== undefined) span.jobId = row.job_id as string;
  return span;
}

export function rowToTrace(row: Row): TraceSummary {
  return {
    traceId: row.trace_id as string,
    name: row.name as string,
    startMs: num(row.start_ms),
    endMs: num(row.end_ms),
    spanCount: num(row.span_count),
    status: row.status as SpanStatus,
    jobId: strOrNull(row.job_id),
  };
}
