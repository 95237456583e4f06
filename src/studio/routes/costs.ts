/**
 * Costs over time: the cost report of `agentcrate report costs` (same spans, same
 * aggregation), cut into time buckets, by model and by workflow, for the page's chart.
 */
import { AgentcrateError } from '../../errors.js';
import { parseDuration } from '../../settings/index.js';
import { aggregateCosts, type CostGrouping, spansSince } from '../../telemetry/index.js';
import { isRunSpan } from '../../telemetry/run-summary.js';
import type { SpanRecord } from '../../telemetry/span-record.js';
import type { StudioApp, StudioContext } from '../context.js';

const BUCKETS = [60_000, 300_000, 900_000, 3_600_000, 6 * 3_600_000, 86_400_000, 7 * 86_400_000];
const MAX_BUCKETS = 60;

export interface CostSeries {
  key: string;
  costUsd: number[];
  tokens: number[];
  unpricedCalls: number;
}

export function costSeries(
  spans: ReadonlyMap<string, readonly SpanRecord[]>,
  by: CostGrouping,
  start: number,
  end: number,
  bucketMs: number,
): { buckets: number[]; series: CostSeries[] } {
  const buckets: number[] = [];
  for (let t = start; t < end; t += bucketMs) buckets.push(t);
  const series = new Map<string, CostSeries>();
  buckets.forEach((b0, i) => {
    const b1 = b0 + bucketMs;
    const slice = new Map<string, SpanRecord[]>();
    for (const [trace, list] of spans) {
      slice.set(
        trace,
        list.filter((s) => isRunSpan(s) || (s.startMs >= b0 && s.startMs < b1)),
      );
    }
    for (const row of aggregateCosts(slice, by, b0).rows) {
      const s = series.get(row.key) ?? {
        key: row.key,
        costUsd: buckets.map(() => 0),
        tokens: buckets.map(() => 0),
        unpricedCalls: 0,
      };
      s.costUsd[i] = row.costUsd;
      s.tokens[i] = row.inputTokens + row.outputTokens;
      s.unpricedCalls += row.unpricedCalls;
      series.set(row.key, s);
    }
  });
  return { buckets, series: [...series.values()].sort((a, b) => sum(b.costUsd) - sum(a.costUsd)) };
}

const sum = (xs: number[]) => xs.reduce((a, b) => a + b, 0);

export function registerCostRoutes(api: StudioApp, ctx: StudioContext): void {
  api.get('/costs', async (c) => {
    const window = parseDuration(c.req.query('since') || '7d', { name: 'since' });
    if (window > 366 * 86_400_000)
      throw new AgentcrateError('E_BAD_REQUEST', "'since' is at most a year (366d)");
    const now = Date.now();
    const bucketMs = BUCKETS.find((b) => window / b <= MAX_BUCKETS) ?? BUCKETS.at(-1)!;
    const start = Math.floor((now - window) / bucketMs) * bucketMs;
    const spans = await spansSince(ctx.store, start, ctx.traceRead);
    return c.json({
      since: start,
      until: now,
      bucket_ms: bucketMs,
      runs: spans.size,
      by_model: costSeries(spans, 'model', start, now, bucketMs),
      by_workflow: costSeries(spans, 'workflow', start, now, bucketMs),
      totals: {
        model: aggregateCosts(spans, 'model', start),
        workflow: aggregateCosts(spans, 'workflow', start),
      },
    });
  });
}
