/**
 * Row ↔ object mapping for the SQL stores (SQLite, PostgreSQL), which share column names: the only
 * place that knows them and which columns hold JSON text, so no table shape leaks through the seam.
 */
import { encodeCursor } from './cursor.js';
import type { MemoryEntry, MemoryPage } from './memory-types.js';
import type { Job, JobError, JobStatus, StoredEvent } from './types.js';

export type Row = Record<string, unknown>;

/** SQLite gives integers as numbers or bigints; PostgreSQL's driver gives int8 as text. */
function num(value: unknown): number {
  return typeof value === 'number' ? value : Number(value);
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
    crashes: num(row.crashes),
    blamedCrashes: num(row.blamed_crashes),
    maxCrashes: num(row.max_crashes),
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

export function rowToMemoryEntry(row: Row): MemoryEntry {
  return {
    namespace: row.namespace as string,
    agent: row.agent as string,
    workflow: row.workflow as string,
    node: row.node as string,
    key: row.key as string,
    value: JSON.parse(row.value as string) as unknown,
    updatedAt: num(row.updated_at),
    jobId: strOrNull(row.job_id),
  };
}

/** A page of memory entries from rows read with one more than `limit` (the extra says more follow). */
export function memoryPage(rows: readonly Row[], limit: number): MemoryPage {
  const entries = rows.slice(0, limit).map(rowToMemoryEntry);
  const last = entries.at(-1);
  return {
    entries,
    nextCursor: rows.length > limit && last !== undefined ? encodeCursor({ t: 0, id: last.namespace }) : null,
  };
}
