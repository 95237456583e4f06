/**
 * `agentcrate report costs`: model-call cost and tokens from the runs in the job store,
 * grouped by model, node or workflow, over a window (`--since 7d`). Unpriced calls are
 * counted and flagged, never summed as zero.
 */
import { AgentcrateError } from '../../errors.js';
import {
  aggregateCosts,
  COST_GROUPINGS,
  type CostGrouping,
  type CostReport,
  formatUsd,
  parseDuration,
  spansSince,
} from '../../telemetry/index.js';
import type { CommandContext } from '../commands.js';
import { openExistingStore, readOptions } from './traces.js';

const REPORTS = ['costs'];

export function formatCostReport(report: CostReport): string {
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
  const out = [
    `Costs since ${new Date(report.sinceMs).toISOString()} over ${report.runs} run(s)`,
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

export default async function report(ctx: CommandContext): Promise<number> {
  const what = ctx.args[0];
  if (what === undefined || !REPORTS.includes(what)) {
    throw new AgentcrateError(
      'E_USAGE',
      `unknown report '${what ?? ''}'; available: ${REPORTS.join(', ')} (e.g. agentcrate report costs --since 7d)`,
    );
  }
  const by = String(ctx.options.by ?? 'model') as CostGrouping;
  if (!COST_GROUPINGS.includes(by)) {
    throw new AgentcrateError('E_USAGE', `--by expects one of ${COST_GROUPINGS.join(', ')}, got '${by}'`);
  }
  const sinceMs = Date.now() - parseDuration(String(ctx.options.since ?? '7d'));
  const store = await openExistingStore(ctx);
  try {
    const result = aggregateCosts(await spansSince(store, sinceMs, readOptions(ctx)), by, sinceMs);
    ctx.output.out(ctx.options.json === true ? JSON.stringify(result, null, 2) : formatCostReport(result));
    return 0;
  } finally {
    await store.close();
  }
}
