/** Plain-text rendering of traces for the CLI (`agentcrate traces`, `run --trace`). */

import { ATTR } from './attributes.js';
import { buildSpanTree, type RunSummary, type SpanNode } from './run-summary.js';
import type { SpanRecord } from './span-record.js';

export interface TextColors {
  red(s: string): string;
  dim(s: string): string;
  green(s: string): string;
  yellow(s: string): string;
}

const plain: TextColors = { red: (s) => s, dim: (s) => s, green: (s) => s, yellow: (s) => s };

export function formatDuration(ms: number): string {
  if (ms <= 0) return '0ms';
  if (ms < 1) return `${ms.toFixed(2)}ms`;
  if (ms < 1000) return `${Math.round(ms)}ms`;
  if (ms < 60_000) return `${(ms / 1000).toFixed(2)}s`;
  const m = Math.floor(ms / 60_000);
  return `${m}m${Math.round((ms % 60_000) / 1000)}s`;
}

export function formatUsd(usd: number | null | undefined, unknown = false): string {
  if (usd === null || usd === undefined) return 'cost unknown';
  const text = usd === 0 ? '$0' : usd < 0.01 ? `$${usd.toPrecision(2)}` : `$${usd.toFixed(4)}`;
  return unknown ? `≥${text} (some unpriced)` : text;
}

function label(span: SpanRecord): string {
  const a = span.attributes;
  const iteration = a[ATTR.nodeIteration];
  if (a[ATTR.spanKind] === 'node' && typeof iteration === 'number' && iteration > 1)
    return `${span.name} #${iteration}`;
  return span.name;
}

function details(span: SpanRecord): string {
  const a = span.attributes;
  const parts: string[] = [formatDuration(span.endMs - span.startMs)];
  if (a[ATTR.spanKind] === 'model') {
    parts.push(`${String(a[ATTR.genAiInputTokens] ?? 0)} in / ${String(a[ATTR.genAiOutputTokens] ?? 0)} out`);
    parts.push(typeof a[ATTR.costUsd] === 'number' ? formatUsd(a[ATTR.costUsd] as number) : 'cost unknown');
  } else if (a[ATTR.spanKind] === 'run') {
    parts.push(`${String(a[ATTR.totalInputTokens] ?? 0)} in / ${String(a[ATTR.totalOutputTokens] ?? 0)} out`);
    const cost = a[ATTR.costUsd];
    parts.push(formatUsd(typeof cost === 'number' ? cost : null, a[ATTR.costUnknown] === true));
  }
  return parts.join(', ');
}

/** The span tree, one line per span, children indented under their parent. */
export function formatSpanTree(spans: readonly SpanRecord[], colors: TextColors = plain): string {
  const lines: string[] = [];
  const walk = (node: SpanNode, prefix: string, last: boolean, root: boolean) => {
    const s = node.span;
    const branch = root ? '' : last ? '└─ ' : '├─ ';
    const error = s.status === 'error';
    const message = error
      ? ` ${colors.red(`✗ ${String(s.attributes[ATTR.errorMessage] ?? s.attributes['otel.status_description'] ?? 'error')}`)}`
      : '';
    const name = error ? colors.red(label(s)) : label(s);
    lines.push(`${prefix}${branch}${name} ${colors.dim(`(${details(s)})`)}${message}`);
    const next = root ? '' : `${prefix}${last ? '   ' : '│  '}`;
    node.children.forEach((c, i) => {
      walk(c, next, i === node.children.length - 1, false);
    });
  };
  for (const root of buildSpanTree(spans)) walk(root, '', true, true);
  return lines.join('\n');
}

/** One line per run for `agentcrate traces` with no id. */
export function formatRunList(runs: readonly RunSummary[], colors: TextColors = plain): string {
  if (runs.length === 0) return 'no traced runs yet';
  const rows = runs.map((r) => [
    r.jobId ?? r.traceId,
    r.workflow,
    r.status,
    new Date(r.startMs).toISOString().replace('T', ' ').slice(0, 19),
    formatDuration(r.durationMs),
    `${r.inputTokens}/${r.outputTokens}`,
    formatUsd(r.costUsd, r.costUnknown),
  ]);
  const head = ['JOB', 'WORKFLOW', 'STATUS', 'STARTED (UTC)', 'DURATION', 'TOKENS in/out', 'COST'];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  const color = (status: string, text: string) =>
    status === 'failed' ? colors.red(text) : status === 'success' ? colors.green(text) : colors.yellow(text);
  return [colors.dim(line(head)), ...rows.map((r) => color(r[2]!, line(r)))].join('\n');
}
