/**
 * Reading a trace: a run's summary (status, duration, tokens, cost) and its span tree, from
 * its span records. Shared by the server's `/traces` routes, the `/ui` page's data and the
 * CLI, so they always agree.
 */
import { ATTR } from './attributes.js';
import type { SpanRecord } from './span-record.js';

export type RunState = 'success' | 'failed' | 'cancelled' | 'running';

export interface RunSummary {
  traceId: string;
  jobId: string | null;
  workflow: string;
  status: RunState;
  startMs: number;
  /** Until the last span seen when the run is still going. */
  durationMs: number;
  inputTokens: number;
  outputTokens: number;
  /** Sum of the priced model calls; null when none could be priced. */
  costUsd: number | null;
  /** True when at least one model call has no known price (then costUsd is a lower bound). */
  costUnknown: boolean;
  spanCount: number;
}

export interface SpanNode {
  span: SpanRecord;
  children: SpanNode[];
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

export function isRunSpan(span: SpanRecord): boolean {
  return (
    span.attributes[ATTR.spanKind] === 'run' ||
    (span.parentSpanId === undefined && span.name.startsWith('run '))
  );
}

export function isModelSpan(span: SpanRecord): boolean {
  return span.attributes[ATTR.spanKind] === 'model' || span.attributes[ATTR.genAiOperation] === 'chat';
}

/** Summary of one run from all its spans (a trace may hold several run spans after resumes). */
export function summarizeRun(
  spans: readonly SpanRecord[],
  job?: { id: string; workflow: string },
): RunSummary {
  const runs = spans.filter(isRunSpan).sort((a, b) => a.startMs - b.startMs);
  const last = runs.at(-1);
  const models = spans.filter(isModelSpan);
  let inputTokens = 0;
  let outputTokens = 0;
  let cost = 0;
  let priced = 0;
  let unknown = false;
  for (const m of models) {
    inputTokens += num(m.attributes[ATTR.genAiInputTokens]);
    outputTokens += num(m.attributes[ATTR.genAiOutputTokens]);
    if (typeof m.attributes[ATTR.costUsd] === 'number') {
      cost += m.attributes[ATTR.costUsd] as number;
      priced += 1;
    } else unknown = true;
  }
  let startMs = Number.POSITIVE_INFINITY;
  let endMs = Number.NEGATIVE_INFINITY;
  for (const s of spans) {
    if (s.startMs < startMs) startMs = s.startMs;
    if (s.endMs > endMs) endMs = s.endMs;
  }
  const rawStatus = last?.attributes[ATTR.runStatus];
  const status: RunState =
    rawStatus === 'success' || rawStatus === 'failed' || rawStatus === 'cancelled' ? rawStatus : 'running';
  const jobAttr = spans.find((s) => typeof s.attributes[ATTR.jobId] === 'string')?.attributes[ATTR.jobId];
  const workflow = last?.attributes[ATTR.workflow] ?? runs[0]?.attributes[ATTR.workflow];
  return {
    traceId: spans[0]?.traceId ?? '',
    jobId:
      job?.id ?? (typeof jobAttr === 'string' ? jobAttr : null) ?? spans.find((s) => s.jobId)?.jobId ?? null,
    workflow: typeof workflow === 'string' ? workflow : (job?.workflow ?? ''),
    status,
    startMs: Number.isFinite(startMs) ? startMs : 0,
    durationMs: Number.isFinite(endMs - startMs) ? Math.max(0, endMs - startMs) : 0,
    inputTokens,
    outputTokens,
    costUsd: priced > 0 || (models.length > 0 && !unknown) ? Math.round(cost * 1e8) / 1e8 : null,
    costUnknown: unknown,
    spanCount: spans.length,
  };
}

/** Spans as a forest by parent, children in start order; orphans become roots. */
export function buildSpanTree(spans: readonly SpanRecord[]): SpanNode[] {
  const nodes = new Map<string, SpanNode>();
  for (const span of spans) nodes.set(span.spanId, { span, children: [] });
  const roots: SpanNode[] = [];
  for (const node of nodes.values()) {
    const parent = node.span.parentSpanId === undefined ? undefined : nodes.get(node.span.parentSpanId);
    if (parent) parent.children.push(node);
    else roots.push(node);
  }
  // Clocks tick in ms, so sequential nodes often share a start: the engine's step breaks ties.
  const step = (n: SpanNode) => {
    const v = n.span.attributes[ATTR.nodeStep] ?? n.span.attributes[ATTR.nodeParallelIndex];
    return typeof v === 'number' ? v : 0;
  };
  const order = (a: SpanNode, b: SpanNode) => a.span.startMs - b.span.startMs || step(a) - step(b);
  const sort = (list: SpanNode[]) => {
    list.sort(order);
    for (const n of list) sort(n.children);
  };
  sort(roots);
  return roots;
}
