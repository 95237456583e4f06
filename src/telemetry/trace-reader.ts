/**
 * Reading traces back from the job store, shared by the server's `/traces` routes, the `/ui`
 * page's data and the CLI, so they always agree. A run's spans are rebuilt from its job's
 * events (trace-from-events.ts); nothing else is stored for them.
 */

import type { Redactor } from '../secrets/index.js';
import type { Job, Store, StoredEvent } from '../store/types.js';
import type { PriceTable } from './prices.js';
import { type RunSummary, summarizeRun } from './run-summary.js';
import type { SpanRecord } from './span-record.js';
import { spansFromEvents } from './trace-from-events.js';
import { isTraceId, traceIdForJob } from './trace-id.js';

export interface TraceReadOptions {
  /** Prices for model calls stored unpriced (older stores, runs made with traces off). */
  prices?: PriceTable;
  redact?: Redactor;
  /**
   * Events of a running job not yet in the store (the server's runner writes them with each
   * checkpoint): the trace of a running job then shows the node it is in.
   */
  live?: (jobId: string) => readonly StoredEvent[] | undefined;
  now?: () => number;
}

export interface RunTrace {
  traceId: string;
  jobId: string;
  spans: SpanRecord[];
  summary: RunSummary;
}

export interface RunPage {
  runs: RunSummary[];
  nextCursor?: string;
}

/** A job's events: the stored ones, then any live ones after them. */
async function eventsOf(store: Store, jobId: string, options: TraceReadOptions): Promise<StoredEvent[]> {
  const stored = await store.listEvents(jobId);
  const live = options.live?.(jobId);
  if (!live || live.length === 0) return stored;
  const lastSeq = stored.at(-1)?.seq ?? 0;
  for (const e of live) if (e.seq > lastSeq) stored.push(e);
  return stored;
}

function traceOf(job: Job, events: readonly StoredEvent[], options: TraceReadOptions): RunTrace {
  const spans = spansFromEvents(
    events.map((e) => e.event),
    {
      workflow: job.workflow,
      jobId: job.id,
      job,
      ...(options.prices ? { prices: options.prices } : {}),
      ...(options.redact ? { redact: options.redact } : {}),
      now: (options.now ?? Date.now)(),
    },
  );
  return { traceId: traceIdForJob(job.id), jobId: job.id, spans, summary: summarizeRun(spans, job) };
}

/** `0196a0b27c3d7e4f8a1b2c3d4e5f6a7b` → `0196a0b2-7c3d-7e4f-8a1b-2c3d4e5f6a7b` (a UUID job's trace id). */
function uuidOfTraceId(traceId: string): string {
  return `${traceId.slice(0, 8)}-${traceId.slice(8, 12)}-${traceId.slice(12, 16)}-${traceId.slice(16, 20)}-${traceId.slice(20)}`;
}

/**
 * The trace of a run, by job id (the usual handle) or by the trace id of a UUID job; undefined
 * when there is no such job or it has not started.
 */
export async function getRunTrace(
  store: Store,
  id: string,
  options: TraceReadOptions = {},
): Promise<RunTrace | undefined> {
  let job = await store.getJob(id);
  if (job === undefined && isTraceId(id)) {
    const byTrace = await store.getJob(uuidOfTraceId(id));
    if (byTrace && traceIdForJob(byTrace.id) === id) job = byTrace;
  }
  if (job === undefined) return undefined;
  const events = await eventsOf(store, job.id, options);
  if (events.length === 0) return undefined;
  return traceOf(job, events, options);
}

/** Recent runs, newest first (jobs that have not started yet are left out). */
export async function listRuns(
  store: Store,
  page: { limit: number; cursor?: string },
  options: TraceReadOptions = {},
): Promise<RunPage> {
  const jobs = await store.listJobs(page.cursor === undefined ? { limit: page.limit } : page);
  const runs: RunSummary[] = [];
  for (const job of jobs.jobs) {
    const events = await eventsOf(store, job.id, options);
    if (events.length > 0) runs.push(traceOf(job, events, options).summary);
  }
  return jobs.nextCursor === undefined ? { runs } : { runs, nextCursor: jobs.nextCursor };
}

/**
 * Every span of every run that may have had a model call at or after `sinceMs` (for cost
 * reports; the report itself filters spans by time). Jobs are read newest first and the walk
 * stops at the first job that was both created and finished before the window.
 */
export async function spansSince(
  store: Store,
  sinceMs: number,
  options: TraceReadOptions & { pageSize?: number } = {},
): Promise<Map<string, SpanRecord[]>> {
  const out = new Map<string, SpanRecord[]>();
  const limit = options.pageSize ?? 200;
  let cursor: string | undefined;
  for (;;) {
    const page = await store.listJobs(cursor === undefined ? { limit } : { limit, cursor });
    for (const job of page.jobs) {
      if (job.createdAt < sinceMs && job.completedAt !== null && job.completedAt < sinceMs) return out;
      const events = await eventsOf(store, job.id, options);
      if (events.length > 0) out.set(traceIdForJob(job.id), traceOf(job, events, options).spans);
    }
    if (page.nextCursor === undefined) return out;
    cursor = page.nextCursor;
  }
}
