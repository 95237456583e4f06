/**
 * `agentcrate report costs`: model-call cost and tokens from the runs in the job store,
 * grouped by model, node or workflow, over a window (`--since 7d`, or configurable-agents'
 * `--period last_7_days`). Unpriced calls are counted and flagged, never summed as zero.
 */
import { AgentcrateError } from '../../errors.js';
import type { SpanRecord } from '../../telemetry/index.js';
import { aggregateCosts, type CostReport, formatUsd, spansSince } from '../../telemetry/index.js';
import type { PERIODS, ReportContext } from '../commands/report.js';
import { openExistingStore, traceReadOptions } from './job-store.js';

const DAY_MS = 86_400_000;

export function formatCostReport(report: CostReport, untilMs?: number): string {
  const head = [report.by.toUpperCase(), 'CALLS', 'TOKENS IN', 'TOKENS OUT', 'COST (USD)', 'UNPRICED'];
  const cells = (r: CostReport['total']) => [
    r.key,
    String(r.calls),
    String(r.inputTokens),
    String(r.outputTokens),
    formatUsd(r.costUsd),
    r.unpricedCalls > 0 ? `${r.unpricedCalls} call(s)` : '',
  ];
  const rows = [...report.rows.map(cells), cells(report.total)];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (c: string[]) =>
    c
      .map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!)))
      .join('  ')
      .trimEnd();
  const until = untilMs === undefined ? '' : ` until ${new Date(untilMs).toISOString()}`;
  const out = [
    `Costs since ${new Date(report.sinceMs).toISOString()}${until} over ${report.runs} run(s)`,
    line(head),
    ...rows.slice(0, -1).map(line),
    line(rows.at(-1)!),
  ];
  if (report.total.unpricedCalls > 0) {
    out.push(
      'Unpriced calls use models missing from the price table; add them with AGENTCRATE_PRICES=<prices.json>.',
    );
  }
  return out.join('\n');
}

/** configurable-agents' calendar windows, in local time like upstream: [start, end). */
export function periodWindow(
  period: (typeof PERIODS)[number],
  now: Date,
): { sinceMs: number; untilMs?: number } {
  const today = new Date(now.getFullYear(), now.getMonth(), now.getDate()).getTime();
  switch (period) {
    case 'today':
      return { sinceMs: today };
    case 'yesterday':
      return { sinceMs: today - DAY_MS, untilMs: today };
    case 'last_7_days':
      return { sinceMs: today - 7 * DAY_MS };
    case 'last_30_days':
      return { sinceMs: today - 30 * DAY_MS };
    case 'this_month':
      return { sinceMs: new Date(now.getFullYear(), now.getMonth(), 1).getTime() };
  }
}

export default async function report(ctx: ReportContext): Promise<number> {
  const { since, period, by, json } = ctx.options;
  if (since !== undefined && period !== undefined) {
    throw new AgentcrateError('E_USAGE', '--since and --period choose the same window: give one of them');
  }
  const window =
    period !== undefined ? periodWindow(period, new Date()) : { sinceMs: Date.now() - (since ?? 7 * DAY_MS) };
  const store = await openExistingStore(ctx.options.store);
  try {
    const byTrace = await spansSince(store, window.sinceMs, traceReadOptions(ctx.env));
    const result = aggregateCosts(before(byTrace, window.untilMs), by, window.sinceMs);
    ctx.output.out(json ? JSON.stringify(result, null, 2) : formatCostReport(result, window.untilMs));
    return 0;
  } finally {
    await store.close();
  }
}

/** Drops spans that start at or after `untilMs` (a window with an end, like yesterday). */
function before(
  byTrace: ReadonlyMap<string, readonly SpanRecord[]>,
  untilMs: number | undefined,
): ReadonlyMap<string, readonly SpanRecord[]> {
  if (untilMs === undefined) return byTrace;
  const out = new Map<string, readonly SpanRecord[]>();
  for (const [trace, spans] of byTrace) {
    const kept = spans.filter((s) => s.startMs < untilMs);
    if (kept.length > 0) out.set(trace, kept);
  }
  return out;
}
