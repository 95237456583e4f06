/**
 * Traces as the server keeps them: runs made through the real app and job runner into a real
 * SQLite file, read back (rebuilt from each job's events) by the trace routes, the CLI and
 * the cost report; the rebuilt tree equals the one exported live; runs without a `run-end`
 * (still going, interrupted, failed by the store) are settled from the job.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { afterEach, describe, expect, it } from 'vitest';
import { type Checkpoint, compile, type EngineEvent, execute } from '../../src/engine/index.js';
import { createRedactor } from '../../src/secrets/index.js';
import { createSqliteStore, type Store } from '../../src/store/index.js';
import { createEventAnnotator, redactEvent } from '../../src/telemetry/annotate.js';
import { createExportPipeline } from '../../src/telemetry/export-pipeline.js';
import { DEFAULT_PRICES } from '../../src/telemetry/prices.js';
import { summarizeRun } from '../../src/telemetry/run-summary.js';
import { createRunTracer } from '../../src/telemetry/run-tracer.js';
import type { SpanRecord } from '../../src/telemetry/span-record.js';
import { spansFromEvents } from '../../src/telemetry/trace-from-events.js';
import { traceIdForJob } from '../../src/telemetry/trace-id.js';
import { getRunTrace } from '../../src/telemetry/trace-reader.js';
import { createToolRegistry } from '../../src/tools/index.js';
import { THREE_STEPS_YAML } from '../server/helpers.js';
import { runCli } from '../support/cli.js';
import { scriptedModel } from '../support/scripted-model.js';
import { workflowFrom } from '../support/workflows.js';
import { runJobs, TRACED_YAML, tracedModel, workdir } from './helpers.js';

const stores: Store[] = [];
const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  for (const close of closers.splice(0)) await close();
  for (const s of stores.splice(0)) await s.close();
});

async function tempStore(): Promise<{ store: Store; path: string }> {
  const path = join(mkdtempSync(join(tmpdir(), 'agentcrate-traces-')), 'traces.db');
  const store = await createSqliteStore(path);
  stores.push(store);
  return { store, path };
}

describe('stored traces (real app, real SQLite file)', () => {
  it("rebuilds a run from its job's events: spans, parents, attributes, job id and the run summary", async () => {
    const { store, path } = await tempStore();
    const { created, jobs } = await runJobs(store, { jobIds: ['job-store-1'] });
    closers.push(() => created.close());
    expect(jobs[0]!.status).toBe('completed');

    const found = (await getRunTrace(store, 'job-store-1'))!;
    expect(found.traceId).toBe(traceIdForJob('job-store-1'));
    const spans = found.spans;
    expect(spans.length).toBeGreaterThanOrEqual(20);
    expect(spans.every((s) => s.jobId === 'job-store-1' && s.traceId === found.traceId)).toBe(true);
    const ids = new Set(spans.map((s) => s.spanId));
    expect(ids.size).toBe(spans.length);
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

    expect(found.summary).toMatchObject({
      jobId: 'job-store-1',
      workflow: 'traced',
      status: 'success',
      inputTokens: jobs[0]!.usage.inputTokens,
      outputTokens: jobs[0]!.usage.outputTokens,
      costUnknown: true,
    });
    // 10 priced gpt-4o-mini calls (plus the unpriced one of node right) × $4.5e-6.
    expect(found.summary.costUsd).toBeCloseTo(10 * 4.5e-6, 10);
    // The same trace every time it is read (span ids included).
    expect((await getRunTrace(store, 'job-store-1'))!.spans).toEqual(spans);

    // Priced when the call was made: the stored model-call events carry the cost.
    const calls = (await store.listEvents('job-store-1')).filter((e) => e.event.type === 'model-call');
    expect(calls.filter((e) => e.event.costUsd === 4.5e-6)).toHaveLength(10);
    expect(calls.filter((e) => e.event.costUnknown === true)).toHaveLength(1);
    // Nothing but the job's own rows: no span tables.
    const peek = new DatabaseSync(path);
    try {
      expect(peek.prepare("SELECT name FROM sqlite_master WHERE name IN ('spans', 'traces')").all()).toEqual(
        [],
      );
    } finally {
      peek.close();
    }
  });

  it('serves /traces and /traces/{job_id} with API keys, and the CLI prints the tree and the cost report', async () => {
    const { store, path } = await tempStore();
    const { created } = await runJobs(store, {
      jobIds: ['job-a', 'job-b'],
      app: { apiKeys: ['k-123456'] },
    });
    closers.push(() => created.close());
    const app = created.app;
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
      trace_id: string;
      run: { job_id: string; span_count: number };
      spans: Array<{ name: string; parent_span_id: string | null }>;
    };
    expect(one.trace_id).toBe(traceIdForJob('job-a'));
    expect(one.run.job_id).toBe('job-a');
    expect(one.run.span_count).toBe(one.spans.length);
    expect(one.spans.filter((s) => s.parent_span_id === null).map((s) => s.name)).toEqual(['run traced']);
    const missing = await app.request('/traces/nope', auth);
    expect(missing.status).toBe(404);
    expect(((await missing.json()) as { error: { code: string } }).error.code).toBe('E_NOT_FOUND');
    expect((await app.request('/traces?limit=0', auth)).status).toBe(400);
    const ui = await app.request('/ui');
    expect(ui.status).toBe(200);
    expect(await ui.text()).toContain('Recent runs');

    // The CLI as a user runs it, reading the store this process still has open.
    const tree = await runCli(['traces', 'job-a', '--store', path]);
    expect(tree.code, tree.stderr).toBe(0);
    const text = tree.stdout;
    expect(text).toMatch(/^run traced \(/);
    expect(text).toContain('├─ node plan');
    expect(text).toContain('node write #2');
    expect(text).toContain('item each[2]');
    expect(text).toMatch(/chat gpt-4o-mini \([^)]*10 in \/ 5 out, \$0\.0000045\)/);
    expect(text).toMatch(/execute_tool file_read .*✗/);

    const listing = await runCli(['traces', '--store', path]);
    expect(listing.code, listing.stderr).toBe(0);
    expect(listing.stdout).toMatch(/job-b\s+traced\s+success/);
    expect((await runCli(['traces', 'nope', '--store', path])).code).toBe(1);

    const costs = await runCli([
      'report',
      'costs',
      '--store',
      path,
      '--by',
      'model',
      '--since',
      '1h',
      '--json',
    ]);
    expect(costs.code, costs.stderr).toBe(0);
    const byModel = JSON.parse(costs.stdout) as {
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

    const byNode = await runCli(['report', 'costs', '--store', path, '--by', 'node', '--since', '7d']);
    expect(byNode.code, byNode.stderr).toBe(0);
    expect(byNode.stdout).toMatch(/traced\.each\s+6\s+60\s+30/);
    const badSince = await runCli(['report', 'costs', '--store', path, '--since', 'yesterday']);
    expect(badSince.code).toBe(2);
    expect(badSince.stderr).toMatch(/--since expects a duration like 7d, 24h/);
    const badReport = await runCli(['report', 'money', '--store', path]);
    expect(badReport.code).toBe(2);
    expect(badReport.stderr).toMatch(/one of costs/);
    const noStore = await runCli(['traces', '--store', `${path}.missing`]);
    expect(noStore.code).toBe(2);
    expect(noStore.stderr).toMatch(/no job store at .*--store/);
  });

  it('finds a UUID job by its trace id, and prices calls stored without a price with the reader’s table', async () => {
    const { store } = await tempStore();
    const jobId = '0196a0b2-7c3d-7e4f-8a1b-2c3d4e5f6a7b';
    const { created } = await runJobs(store, { jobIds: [jobId], app: { traces: false } });
    closers.push(() => created.close());
    // With traces off the events are kept unpriced…
    const calls = (await store.listEvents(jobId)).filter((e) => e.event.type === 'model-call');
    expect(calls.length).toBe(11);
    expect(calls.every((e) => e.event.costUsd === undefined)).toBe(true);
    // …and priced on reading; the trace id finds the job too.
    const byTrace = (await getRunTrace(store, traceIdForJob(jobId), { prices: DEFAULT_PRICES }))!;
    expect(byTrace.jobId).toBe(jobId);
    expect(byTrace.summary.costUsd).toBeCloseTo(10 * 4.5e-6, 10);
    expect(await getRunTrace(store, 'f'.repeat(32))).toBeUndefined();
    // A server started with --no-traces says so at its trace routes.
    const off = await created.app.request('/traces');
    expect(off.status).toBe(404);
    expect(((await off.json()) as { error: { message: string } }).error.message).toMatch(/--no-traces/);
  });

  it('shows a running job as it goes, the node in progress included, then the finished run', async () => {
    const { store } = await tempStore();
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const model = scriptedModel(async (node) => {
      if (node === 'two') await gate;
      return { output: { [{ one: 'a', two: 'b', three: 'c' }[node] ?? 'a']: `${node}!` } };
    });
    const { created } = await runJobs(store, {
      jobIds: [],
      yaml: THREE_STEPS_YAML,
      model,
      app: { newId: () => 'job-live' },
    });
    closers.push(() => created.close());
    const { done } = await created.runner.submit({ inputs: { n: '1' } });
    const readNow = async () =>
      (await (await created.app.request('/traces/job-live')).json()) as {
        run: { status: string };
        spans: Array<{ name: string; status: string; attributes: Record<string, unknown> }>;
      };
    let live = await readNow();
    for (let i = 0; i < 200 && !live.spans.some((s) => s.name === 'node two'); i++) {
      await new Promise((r) => setTimeout(r, 10));
      live = await readNow();
    }
    expect(live.run.status).toBe('running');
    const root = live.spans.find((s) => s.name === 'run three')!;
    expect(root.attributes['agentcrate.span.in_progress']).toBe(true);
    expect(root.status).toBe('unset');
    // Node two has started but not ended: only the runner's memory has its start yet.
    const two = live.spans.find((s) => s.name === 'node two')!;
    expect(two.attributes['agentcrate.span.in_progress']).toBe(true);
    expect(live.spans.find((s) => s.name === 'node one')!.attributes['agentcrate.span.in_progress']).toBe(
      undefined,
    );
    release();
    expect((await done).status).toBe('completed');
    const finished = await readNow();
    expect(finished.run.status).toBe('success');
    expect(finished.spans.map((s) => s.name)).toEqual(
      expect.arrayContaining(['run three', 'node one', 'node two', 'node three']),
    );
    expect(finished.spans.some((s) => s.attributes['agentcrate.span.in_progress'])).toBe(false);
  });
});

/** SDK spans in the record shape, to compare with rebuilt ones. */
function fromSdk(span: ReadableSpan): SpanRecord {
  const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;
  const attributes: Record<string, unknown> = { ...span.attributes };
  if (span.status.message) attributes['otel.status_description'] = span.status.message;
  if (span.events.length > 0)
    attributes['otel.events'] = span.events.map((e) => ({
      name: e.name,
      timeMs: ms(e.time),
      ...(e.attributes ? { attributes: e.attributes } : {}),
    }));
  return {
    traceId: span.spanContext().traceId,
    spanId: span.spanContext().spanId,
    ...(span.parentSpanContext ? { parentSpanId: span.parentSpanContext.spanId } : {}),
    name: span.name,
    startMs: ms(span.startTime),
    endMs: ms(span.endTime),
    status: span.status.code === 2 ? 'error' : span.status.code === 1 ? 'ok' : 'unset',
    attributes,
  };
}

/** Spans without their ids: each with its parent's name path, times to the microsecond. */
function shape(spans: readonly SpanRecord[]) {
  const byId = new Map(spans.map((s) => [s.spanId, s]));
  const path = (s: SpanRecord): string => {
    const parent = s.parentSpanId ? byId.get(s.parentSpanId) : undefined;
    return parent ? `${path(parent)} > ${s.name}` : s.name;
  };
  const us = (v: number) => Math.round(v * 1000);
  return spans
    .map((s) => ({
      path: path(s),
      start: us(s.startMs),
      end: us(s.endMs),
      status: s.status,
      attributes: JSON.parse(JSON.stringify(s.attributes, (k, v) => (k === 'timeMs' ? us(v) : v))),
    }))
    .sort((a, b) =>
      `${a.path}|${a.start}|${JSON.stringify(a.attributes)}`.localeCompare(
        `${b.path}|${b.start}|${JSON.stringify(b.attributes)}`,
      ),
    );
}

describe('rebuilt traces equal the live ones', () => {
  it('gives the same tree, attributes, statuses and times as the tracer exporting live', async () => {
    const workflow = workflowFrom(TRACED_YAML(true));
    const env = { MY_API_TOKEN: 'correct-horse-battery-9' };
    const redact = createRedactor({ env });
    const annotate = createEventAnnotator({ prices: DEFAULT_PRICES, capturePrompts: true });
    const memory = new InMemorySpanExporter();
    const live = createRunTracer({
      workflow: 'traced',
      jobId: 'job-diff',
      pipeline: createExportPipeline({ exporters: [memory] }),
      capturePrompts: true,
      redact,
    });
    const kept: Array<EngineEvent & Record<string, unknown>> = [];
    const result = await execute(
      compile(workflow),
      { items: ['x', 'y', 'z'], topic: 'AI correct-horse-battery-9' },
      { models: tracedModel(), tools: createToolRegistry(), env, cwd: workdir() },
      {
        runId: 'job-diff',
        onEvent: (event) => {
          if (event.type === 'checkpoint') return;
          redactEvent(event, redact);
          annotate(event);
          live.onEvent(event);
          kept.push(event as EngineEvent & Record<string, unknown>);
        },
      },
    );
    await live.flush();
    expect(result.status).toBe('success');
    // Through JSON, as the store keeps them.
    const stored = JSON.parse(JSON.stringify(kept)) as typeof kept;
    const rebuilt = spansFromEvents(stored, { workflow: 'traced', jobId: 'job-diff' });
    const exported = memory.getFinishedSpans().map(fromSdk);
    expect(rebuilt.length).toBe(exported.length);
    expect(shape(rebuilt)).toEqual(shape(exported));
    // Prompts were captured, and redacted before they were kept (the inputs are the caller's data).
    const prompts = stored.filter((e) => e.type === 'model-call').map((e) => String(e.prompt));
    expect(prompts).toContain('plan AI [REDACTED]');
    expect(JSON.stringify(prompts)).not.toContain('correct-horse-battery-9');
    expect(JSON.stringify(rebuilt)).toContain('gen_ai.input.messages');
    expect(JSON.stringify(rebuilt)).not.toContain('correct-horse-battery-9');
  });
});

describe('settling runs that have no run-end', () => {
  const wf = workflowFrom(THREE_STEPS_YAML);
  const plan = compile(wf);
  const model = () =>
    scriptedModel((node) => ({ output: { [{ one: 'a', two: 'b', three: 'c' }[node] ?? 'a']: `${node}!` } }));
  const deps = () => ({ models: model(), tools: createToolRegistry(), env: {}, cwd: process.cwd() });

  /** A run stopped after its first node (as a crash would leave it: no run-end), and its resumption. */
  async function crashedAndResumed() {
    const first: Array<EngineEvent & Record<string, unknown>> = [];
    let saved: Checkpoint | undefined;
    const controller = new AbortController();
    await execute(
      plan,
      { n: '1' },
      {
        ...deps(),
        checkpoint: (cp) => {
          saved ??= cp;
          controller.abort(new Error('the process died'));
        },
      },
      {
        runId: 'job-crash',
        signal: controller.signal,
        onEvent: (e) => {
          if (e.type !== 'checkpoint') first.push(e as EngineEvent & Record<string, unknown>);
        },
      },
    );
    const crashed = first.filter((e) => e.type !== 'run-end');
    const second: Array<EngineEvent & Record<string, unknown>> = [];
    const resumed = await execute(plan, {}, deps(), {
      runId: 'job-crash',
      resume: saved!,
      onEvent: (e) => {
        if (e.type !== 'checkpoint') second.push(e as EngineEvent & Record<string, unknown>);
      },
    });
    expect(resumed.status).toBe('success');
    return { crashed, second };
  }

  it('shows a resumed job as one trace with a run span per process, the first one interrupted', async () => {
    const { crashed, second } = await crashedAndResumed();
    const spans = spansFromEvents([...crashed, ...second], {
      workflow: 'three',
      jobId: 'job-crash',
      job: { status: 'completed', completedAt: Date.now() },
    });
    const runs = spans.filter((s) => s.name === 'run three');
    expect(runs).toHaveLength(2);
    expect(new Set(spans.map((s) => s.spanId)).size).toBe(spans.length);
    expect(new Set(spans.map((s) => s.traceId))).toEqual(new Set([traceIdForJob('job-crash')]));
    const [interrupted, finished] = runs;
    expect(interrupted!.status).toBe('error');
    expect(interrupted!.attributes['agentcrate.run.status']).toBe('interrupted');
    expect(String(interrupted!.attributes['agentcrate.error.message'])).toMatch(/next attempt resumed/);
    expect(finished!.attributes).toMatchObject({
      'agentcrate.run.status': 'success',
      'agentcrate.run.resumed': true,
    });
    // Node one ran once, in the first process; the resumed run did two and three.
    const nodes = spans.filter((s) => s.name.startsWith('node ') && s.status !== 'error');
    const parentOf = (s: SpanRecord) => spans.find((p) => p.spanId === s.parentSpanId)!;
    expect(nodes.filter((n) => n.name === 'node one').map(parentOf)).toEqual([interrupted]);
    expect(
      nodes
        .filter((n) => parentOf(n) === finished)
        .map((n) => n.name)
        .sort(),
    ).toEqual(['node three', 'node two']);
    expect(summarizeRun(spans).status).toBe('success');
  });

  it('shows a job left pending by a crash as interrupted, and one the crash-loop guard failed as failed', async () => {
    const { crashed } = await crashedAndResumed();
    const pending = spansFromEvents(crashed, {
      workflow: 'three',
      jobId: 'job-crash',
      job: { status: 'pending' },
    });
    const run = pending.find((s) => s.name === 'run three')!;
    expect(String(run.attributes['agentcrate.error.message'])).toMatch(/resumes from its last checkpoint/);
    expect(summarizeRun(pending).status).toBe('running');

    const failed = spansFromEvents(crashed, {
      workflow: 'three',
      jobId: 'job-crash',
      job: {
        status: 'failed',
        error: { code: 'E_CRASH_LOOP', message: 'the job crashed the process 3 times' },
        completedAt: crashed.at(-1)!.at + 5,
      },
    });
    const failedRun = failed.find((s) => s.name === 'run three')!;
    expect(failedRun.status).toBe('error');
    expect(failedRun.attributes).toMatchObject({
      'agentcrate.run.status': 'failed',
      'agentcrate.error.code': 'E_CRASH_LOOP',
    });
    expect(failedRun.endMs).toBe(crashed.at(-1)!.at + 5);
    expect(summarizeRun(failed).status).toBe('failed');
  });
});
