/**
 * A run's spans, rebuilt from its job's event log. The job store keeps every event a run
 * emits (for SSE replay and progress) and those events hold everything a span needs (times,
 * latencies, tokens, models, errors, prices from annotate.ts), so the store keeps no second
 * copy as span rows: tracing adds no write to a run (what span rows beside the events cost:
 * BENCHMARKS.md, Tracing on vs off), and the trace of a running job is as fresh as its events.
 *
 * The spans come from the same run tracer that exports live over OTLP, fed the stored events
 * through the record pipeline, so both show the same tree. A job resumed after a crash has
 * one run span per process in the same trace (its events are split at each `run-start`); a
 * run without its `run-end` is settled from what the job says now: still going, interrupted
 * (a later attempt took over, or will), or finished by the store itself (the crash-loop guard).
 */
import type { EngineEvent, RunError, RunStatus } from '../engine/types.js';
import type { Redactor } from '../secrets/index.js';
import type { EventAnnotations } from './annotate.js';
import { DEFAULT_PRICES, type PriceTable } from './prices.js';
import { createRecordPipeline } from './record-pipeline.js';
import { createRunTracer, type SettleOutcome } from './run-tracer.js';
import type { SpanRecord } from './span-record.js';

/** The parts of a job the settling of an unfinished run needs. */
export interface JobState {
  status: 'pending' | 'running' | 'completed' | 'failed' | 'cancelled';
  error?: { code: string; message: string } | null;
  completedAt?: number | null;
}

export interface EventTraceOptions {
  /** The workflow's name (flow.name). */
  workflow: string;
  /** The job the events belong to; the trace id derives from it (else from the run id). */
  jobId?: string;
  /** The job as it is now, to settle a last run that has no `run-end`. */
  job?: JobState;
  /** Prices for model calls stored without one (older stores, runs made with traces off). */
  prices?: PriceTable;
  /** Applied once more to every text (events are redacted when stored; this covers older ones). */
  redact?: Redactor;
  /** "Now", for spans of a run still going (default Date.now()). */
  now?: number;
}

const INTERRUPTED_RESUMED =
  'the process stopped before this run finished; the next attempt resumed from its last checkpoint';
const INTERRUPTED_PENDING =
  'the process stopped before this run finished; the job resumes from its last checkpoint on the next start';

const RUN_STATUS: Record<string, RunStatus> = {
  completed: 'success',
  failed: 'failed',
  cancelled: 'cancelled',
};

type Event = { type: string; at: number } & Record<string, unknown>;

const identity: Redactor = (text) => text;

/** Spans of the runs recorded in `events` (in append order), by start time. */
export function spansFromEvents(events: readonly Event[], options: EventTraceOptions): SpanRecord[] {
  const segments: Event[][] = [];
  let started = false; // the current segment has its run-start
  for (const event of events) {
    if (event.type === 'checkpoint') continue;
    const isStart = event.type === 'run-start';
    const current = segments.at(-1);
    if (current === undefined || (isStart && started)) segments.push([event]);
    else current.push(event);
    if (isStart) started = true;
  }
  const spans: SpanRecord[] = [];
  segments.forEach((segment, index) => {
    const jobId = options.jobId;
    const tracer = createRunTracer({
      workflow: options.workflow,
      ...(jobId === undefined ? {} : { jobId }),
      pipeline: createRecordPipeline({
        onSpan: (span) => spans.push(span),
        spanIdPrefix: (index + 1).toString(16),
      }),
      capturePrompts: segment.some(
        (e) => e.type === 'run-start' && (e as EventAnnotations).tracePrompts === true,
      ),
      redact: options.redact ?? identity,
      priceTable: options.prices ?? DEFAULT_PRICES,
    });
    for (const event of segment) tracer.onEvent(event as unknown as EngineEvent);
    if (segment.some((e) => e.type === 'run-end')) return;
    const last = segment.at(-1)!.at;
    tracer.settle(...settlement(index === segments.length - 1, last, options));
  });
  return spans.sort((a, b) => a.startMs - b.startMs || (a.spanId < b.spanId ? -1 : 1));
}

function settlement(isLast: boolean, lastAt: number, options: EventTraceOptions): [number, SettleOutcome] {
  if (!isLast) return [lastAt, { state: 'interrupted', message: INTERRUPTED_RESUMED }];
  const job = options.job;
  if (job === undefined || job.status === 'running')
    return [Math.max(lastAt, options.now ?? Date.now()), { state: 'in-progress' }];
  if (job.status === 'pending') return [lastAt, { state: 'interrupted', message: INTERRUPTED_PENDING }];
  const status = RUN_STATUS[job.status] ?? 'failed';
  const error: RunError | undefined = job.error
    ? { code: job.error.code, message: job.error.message }
    : undefined;
  return [
    Math.max(lastAt, job.completedAt ?? lastAt),
    { state: 'finished', status, ...(error ? { error } : {}) },
  ];
}
