/** The public JSON views of traces (snake_case, like the job views). */

import type { RunSummary } from '../../telemetry/run-summary.js';
import type { SpanRecord } from '../../telemetry/span-record.js';

export interface RunView {
  job_id: string | null;
  trace_id: string;
  workflow: string;
  status: RunSummary['status'];
  started_at: string;
  start_ms: number;
  duration_ms: number;
  input_tokens: number;
  output_tokens: number;
  /** Known part of the cost in USD; null when no call could be priced. */
  cost_usd: number | null;
  /** True when some model calls have no known price. */
  cost_unknown: boolean;
  span_count: number;
}

export interface SpanView {
  span_id: string;
  parent_span_id: string | null;
  name: string;
  start_ms: number;
  end_ms: number;
  duration_ms: number;
  status: SpanRecord['status'];
  attributes: Record<string, unknown>;
}

export function runView(run: RunSummary): RunView {
  return {
    job_id: run.jobId,
    trace_id: run.traceId,
    workflow: run.workflow,
    status: run.status,
    started_at: new Date(run.startMs).toISOString(),
    start_ms: run.startMs,
    duration_ms: run.durationMs,
    input_tokens: run.inputTokens,
    output_tokens: run.outputTokens,
    cost_usd: run.costUsd,
    cost_unknown: run.costUnknown,
    span_count: run.spanCount,
  };
}

export function spanView(span: SpanRecord): SpanView {
  return {
    span_id: span.spanId,
    parent_span_id: span.parentSpanId ?? null,
    name: span.name,
    start_ms: span.startMs,
    end_ms: span.endMs,
    duration_ms: span.endMs - span.startMs,
    status: span.status,
    attributes: span.attributes,
  };
}
