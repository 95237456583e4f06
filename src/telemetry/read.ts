/** Queries over the store's spans that the server routes and the CLI share. */
import type { SpanRecord, Store } from '../store/types.js';
import { type RunSummary, summarizeRun } from './summary.js';
import { hashedTraceId, isTraceId, traceIdForJob } from './trace-id.js';

export interface RunPage {
  runs: RunSummary[];
  nextCursor?: string;
}

/** Recent runs, newest first, each summarised from its spans. */
export async function listRuns(store: Store, options: { limit: number; cursor?: string }): Promise<RunPage> {
  const page = await store.listTraces(options.cursor === undefined ? { limit: options.limit } : options);
  const runs = await Promise.all(
    page.traces.map(async (trace) => summarizeRun(await store.listSpans(trace.traceId), trace)),
  );
  return page.nextCursor === undefined ? { runs } : { runs, nextCursor: page.nextCursor };
}

/** Spans of a run, by job id (the usual handle) or by raw trace id. */
export async function getRunSpans(
  store: Store,
  id: string,
): Promise<{ traceId: string; spans: SpanRecord[] }> {
  const byJob = traceIdForJob(id);
  const spans = await store.listSpans(byJob);
  if (spans.length > 0) return { traceId: byJob, spans };
  // A store written by an earlier version keyed every job's trace by the hash of its id.
  const legacy = hashedTraceId(id);
  if (legacy !== byJob) {
    const old = await store.listSpans(legacy);
    if (old.length > 0) return { traceId: legacy, spans: old };
  }
  if (!isTraceId(id)) return { traceId: byJob, spans };
  return { traceId: id, spans: await store.listSpans(id) };
}

/** Every span of every run that started at or after `sinceMs` (for cost reports). */
export async function spansSince(
  store: Store,
  sinceMs: number,
  pageSize = 200,
): Promise<Map<string, SpanRecord[]>> {
  const out = new Map<string, SpanRecord[]>();
  let cursor: string | undefined;
  for (;;) {
    const page = await store.listTraces(
      cursor === undefined ? { limit: pageSize } : { limit: pageSize, cursor },
    );
    for (const trace of page.traces) {
      // Newest first: a run that started before the window may still end inside it.
      if (trace.endMs < sinceMs) return out;
      out.set(trace.traceId, await store.listSpans(trace.traceId));
    }
    if (page.nextCursor === undefined) return out;
    cursor = page.nextCursor;
  }
}
