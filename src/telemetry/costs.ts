/** Cost report: model-call spans grouped by model, node or workflow. */
import { ATTR } from './attributes.js';
import { isModelSpan, isRunSpan } from './run-summary.js';
import type { SpanRecord } from './span-record.js';

export type CostGrouping = 'model' | 'node' | 'workflow';

export const COST_GROUPINGS: readonly CostGrouping[] = ['model', 'node', 'workflow'];

export interface CostRow {
  key: string;
  calls: number;
  inputTokens: number;
  outputTokens: number;
  /** Sum over the calls with a known price. */
  costUsd: number;
  /** Calls whose model has no known price (their cost is not in costUsd). */
  unpricedCalls: number;
}

export interface CostReport {
  by: CostGrouping;
  sinceMs: number;
  runs: number;
  rows: CostRow[];
  total: CostRow;
}

const num = (v: unknown): number => (typeof v === 'number' && Number.isFinite(v) ? v : 0);

/** `spansByTrace`: every span of each run in the window. */
export function aggregateCosts(
  spansByTrace: ReadonlyMap<string, readonly SpanRecord[]>,
  by: CostGrouping,
  sinceMs: number,
): CostReport {
  const rows = new Map<string, CostRow>();
  const total: CostRow = {
    key: 'total',
    calls: 0,
    inputTokens: 0,
    outputTokens: 0,
    costUsd: 0,
    unpricedCalls: 0,
  };
  for (const spans of spansByTrace.values()) {
    const run = spans.find(isRunSpan);
    const workflow = String(run?.attributes[ATTR.workflow] ?? '(unknown workflow)');
    for (const span of spans) {
      if (!isModelSpan(span) || span.startMs < sinceMs) continue;
      const a = span.attributes;
      const key =
        by === 'model'
          ? `${String(a['agentcrate.model.provider'] ?? a[ATTR.genAiProvider] ?? '?')}/${String(a[ATTR.genAiRequestModel] ?? '?')}`
          : by === 'node'
            ? `${workflow}.${String(a[ATTR.nodeId] ?? '?')}`
            : workflow;
      const row = rows.get(key) ?? {
        key,
        calls: 0,
        inputTokens: 0,
        outputTokens: 0,
        costUsd: 0,
        unpricedCalls: 0,
      };
      for (const r of [row, total]) {
        r.calls += 1;
        r.inputTokens += num(a[ATTR.genAiInputTokens]);
        r.outputTokens += num(a[ATTR.genAiOutputTokens]);
        if (typeof a[ATTR.costUsd] === 'number') r.costUsd += a[ATTR.costUsd] as number;
        else r.unpricedCalls += 1;
      }
      rows.set(key, row);
    }
  }
  const round = (r: CostRow) => ({ ...r, costUsd: Math.round(r.costUsd * 1e8) / 1e8 });
  return {
    by,
    sinceMs,
    runs: spansByTrace.size,
    rows: [...rows.values()].map(round).sort((a, b) => b.costUsd - a.costUsd || a.key.localeCompare(b.key)),
    total: round(total),
  };
}
