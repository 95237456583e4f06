import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import report from '../../src/cli/commands/report.js';
import traces from '../../src/cli/commands/traces.js';
import type { CommandContext } from '../../src/cli/commands.js';
import { colors } from '../../src/cli/output.js';
import { registerTraceRoutes } from '../../src/server/traces/routes.js';
import { createSqliteStore, type Store } from '../../src/store/index.js';
import { StoreSpanExporter } from '../../src/telemetry/store-exporter.js';
import { summarizeRun } from '../../src/telemetry/summary.js';
import { traceIdForJob } from '../../src/telemetry/trace-id.js';
import { runTraced } from './helpers.js';

const stores: Store[] = [];
afterEach(async () => {
  for (const s of stores.splice(0)) await s.close();
});

async function tempStore(): Promise<{ store: Store; path: string }> {
  const path = join(mkdtempSync(join(tmpdir(), 'agentcrate-spans-')), 'traces.db');
  const store = await createSqliteStore(path);
  stores.push(store);
  return { store, path };
}

function cliContext(args: string[], options: Record<string, unknown>) {
  const lines: string[] = [];
  const errors: string[] = [];
  const ctx: CommandContext = {
    args,
    options,
    output: { out: (t) => lines.push(t), err: (t) => errors.push(t), color: colors(false) },
    env: {},
    cwd: process.cwd(),
    signal: new AbortController().signal,
  };
  return { ctx, lines, errors };
}

describe('store span exporter (real SQLite file)', () => {
  it('round-trips a run: spans, parents, attributes, job id and the run summary', async () => {
    const { store } = await tempStore();
    const { result } = await runTraced({ exporters: [new StoreSpanExporter(store)], jobId: 'job-store-1' });
    expect(result.status).toBe('success');

    const spans = await store.listSpans(traceIdForJob('job-store-1'));
    expect(spans.length).toBeGreaterThanOrEqual(20);
    expect(spans.every((s) => s.jobId === 'job-store-1')).toBe(true);
    const ids = new Set(spans.map((s) => s.spanId));
    const root = spans.find((s) => s.parentSpanId === undefined)!;
    expect(root.name).toBe('run traced');
    expect(
      spans.filter((s) => s !== root).every((s) => s.parentSpanId !== undefined && ids.has(s.parentSpanId)),
    ).toBe(true);
    const chat = spans.find((s) => s.name === 'chat gpt-4o-mini')!;
    expect(chat.attributes['gen_ai.response.finish_reasons']).toEqual(['stop']);
    expect(chat.endMs).toBeGreaterThanOrEqual(chat.startMs);
    const denied = spans.find((s) => s.name === 'execute_tool file_read' && s.status === 'error')!;
    expect((denied.attributes['otel.events'] as Array<{ name: string }>)[0]!.name).toBe('exception');

    const page = await store.listTraces({ limit: 10 });
    expect(page.traces[0]).toMatchObject({
      traceId: traceIdForJob('job-store-1'),
      jobId: 'job-store-1',
      status: 'error',
    });

    const summary = summarizeRun(spans);
    expect(summary).toMatchObject({
      jobId: 'job-store-1',
      workflow: 'traced',
      status: 'success',
      inputTokens: result.usage.inputTokens,
      outputTokens: result.usage.outputTokens,
      costUnknown: true,
    });
    // 10 priced gpt-4o-mini calls (plus the unpriced one of node right) × $4.5e-6.
    expect(summary.costUsd).toBeCloseTo(10 * 4.5e-6, 10);
  });

  it('serves /traces and /traces/{job_id} with API keys, and the CLI prints the tree and the cost report', async () => {
    const { store, path } = await tempStore();
    await runTraced({ exporters: [new StoreSpanExporter(store)], jobId: 'job-a' });
    await runTraced({ exporters: [new StoreSpanExporter(store)], jobId: 'job-b' });

    const app = new Hono();
    registerTraceRoutes(app, { store, apiKeys: ['k-123456'] });
    expect((await app.request('/traces')).status).toBe(401);
    const auth = { headers: { authorization: 'Bearer k-123456' } };
    const list = (await (await app.request('/traces?limit=1', auth)).json()) as {
      runs: Array<Record<string, unknown>>;
      next_cursor: string | null;
    };
    expect(list.runs).toHaveLength(1);
    expect(list.runs[0]).toMatchObject({
      job_id: 'job-b',
      workflow: 'traced',
      status: 'success',
      cost_unknown: true,
    });
    expect(typeof list.runs[0]!.cost_usd).toBe('number');
    expect(list.next_cursor).toBeTruthy();
    const next = (await (
      await app.request(`/traces?limit=1&cursor=${encodeURIComponent(list.next_cursor!)}`, auth)
    ).json()) as { runs: Array<{ job_id: string }> };
    expect(next.runs.map((r) => r.job_id)).toEqual(['job-a']);
    const one = (await (await app.request('/traces/job-a', auth)).json()) as {
      spans: Array<{ name: string; parent_span_id: string | null }>;
    };
    expect(one.spans.filter((s) => s.parent_span_id === null).map((s) => s.name)).toEqual(['run traced']);
    const missing = await app.request('/traces/nope', auth);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('E_NOT_FOUND');
    expect((await app.request('/traces?limit=0', auth)).status).toBe(400);
    const ui = await app.request('/ui');
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('Recent runs');

    const tree = cliContext(['job-a'], { store: path });
    expect(await traces(tree.ctx)).toBe(0);
    const text = tree.lines.join('\n');
    expect(text).toMatch(/^run traced \(/);
    expect(text).toContain('├─ node plan');
    expect(text).toContain('node write #2');
    expect(text).toContain('item each[2]');
    expect(text).toMatch(/chat gpt-4o-mini \([^)]*10 in \/ 5 out, \$0\.0000045\)/);
    expect(text).toMatch(/execute_tool file_read .*✗/);

    const listing = cliContext([], { store: path });
    expect(await traces(listing.ctx)).toBe(0);
    expect(listing.lines.join('\n')).toMatch(/job-b\s+traced\s+success/);
    const none = cliContext(['nope'], { store: path });
    expect(await traces(none.ctx)).toBe(1);

    const costs = cliContext(['costs'], { store: path, by: 'model', since: '1h', json: true });
    expect(await report(costs.ctx)).toBe(0);
    const byModel = JSON.parse(costs.lines.join('\n')) as {
      runs: number;
      rows: Array<{ key: string; calls: number; costUsd: number; unpricedCalls: number }>;
    };
    expect(byModel.runs).toBe(2);
    const mini = byModel.rows.find((r) => r.key === 'openai/gpt-4o-mini')!;
    expect(mini.calls).toBe(20);
    expect(mini.costUsd).toBeCloseTo(20 * 4.5e-6, 10);
    expect(byModel.rows.find((r) => r.key === 'openai/mystery-model-9000')).toMatchObject({
      calls: 2,
      costUsd: 0,
      unpricedCalls: 2,
    });

    const byNode = cliContext(['costs'], { store: path, by: 'node', since: '7d' });
    expect(await report(byNode.ctx)).toBe(0);
    expect(byNode.lines.join('\n')).toMatch(/traced\.each\s+6\s+60\s+30/);
    await expect(report(cliContext(['costs'], { store: path, since: 'yesterday' }).ctx)).rejects.toThrow(
      /7d, 24h/,
    );
    await expect(report(cliContext(['money'], { store: path }).ctx)).rejects.toThrow(/available: costs/);
    await expect(traces(cliContext([], { store: `${path}.missing` }).ctx)).rejects.toThrow(
      /no job store at .*--store/,
    );
  });
});
