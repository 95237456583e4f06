import { afterEach, describe, expect, it } from 'vitest';
import type { Checkpoint } from '../../src/engine/index.js';
import { AgentcrateError } from '../../src/errors.js';
import { silentLogger } from '../../src/server/logger.js';
import { createSqliteStore } from '../../src/store/index.js';
import { scriptedModel } from '../support/scripted-model.js';
import { json, makeApp, type TestApp, THREE_STEPS, waitUntil } from './helpers.js';

const open: TestApp[] = [];
async function app(options: Parameters<typeof makeApp>[0] = {}): Promise<TestApp> {
  const created = await makeApp(options);
  open.push(created);
  return created;
}
afterEach(async () => {
  for (const a of open.splice(0)) await a.close(0);
});

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies in assertions.
type Json = Record<string, any>;
async function body(response: Response): Promise<Json> {
  return (await response.json()) as Json;
}

describe('POST /run', () => {
  it('runs synchronously and answers the configurable-agents success shape', async () => {
    const t = await app();
    const res = await t.app.request('/run', json({ name: 'Ada' }));
    expect(res.status).toBe(200);
    const b = await body(res);
    expect(b.status).toBe('success');
    expect(typeof b.job_id).toBe('string');
    expect(typeof b.execution_time_ms).toBe('number');
    expect(b.outputs).toEqual({ name: 'Ada', count: 1, greeting: 'hello from greet: greet Ada' });

    const status = await body(await t.app.request(`/status/${b.job_id}`));
    expect(status.status).toBe('completed');
    expect(status.outputs).toEqual(b.outputs);
    expect(status.error).toBeNull();
    expect(new Date(status.created_at).toISOString()).toBe(status.created_at);
    expect(new Date(status.completed_at).toISOString()).toBe(status.completed_at);
    expect(status.progress).toEqual({ nodes_done: 1, nodes: ['greet'] });
    expect(await body(await t.app.request(`/jobs/${b.job_id}`))).toEqual(status);
  });

  it('stores the end of a run with its progress in place of its final checkpoint, events all kept', async () => {
    const t = await app();
    const b = await body(await t.app.request('/run', json({ name: 'Ada' })));
    expect(b.status).toBe('success');
    // A finished job's checkpoint would be read by no one (resume is for unfinished runs).
    expect(await t.store.getCheckpoint(b.job_id)).toBeUndefined();
    expect((await t.store.getJob(b.job_id))?.progress).toEqual({ step: 1, nodesDone: ['greet'] });
    expect((await t.store.listEvents(b.job_id)).map((e) => e.event.type)).toEqual([
      'run-start',
      'node-start',
      'model-call',
      'node-end',
      'run-end',
    ]);
  });

  it('answers 400 for malformed JSON', async () => {
    const t = await app();
    const res = await t.app.request('/run', {
      method: 'POST',
      body: '{"name": ',
      headers: { 'content-type': 'application/json' },
    });
    expect(res.status).toBe(400);
    const b = await body(res);
    expect(b.error.code).toBe('E_BAD_REQUEST');
    expect(b.error.message).toContain('not valid JSON');
    expect(b.error.details).toEqual({});
  });

  it('answers 422 with every field error at once and stores no job', async () => {
    const t = await app();
    const res = await t.app.request('/run', json({ count: 'three', nmae: 'x' }));
    expect(res.status).toBe(422);
    const b = await body(res);
    expect(b.error.code).toBe('E_INVALID_INPUT');
    const paths = (b.error.details.issues as Array<{ path: string }>).map((i) => i.path).sort();
    expect(paths).toEqual(['count', 'name', 'nmae']);
    expect(t.model.calls).toHaveLength(0);
    expect((await t.store.listJobs({ limit: 10 })).jobs).toHaveLength(0);
  });

  it('answers 422 naming the field for an int outside the exact range (1e308, 2^63)', async () => {
    const t = await app();
    for (const raw of ['1e308', '9223372036854775808']) {
      const res = await t.app.request('/run', {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: `{"name": "Ada", "count": ${raw}}`,
      });
      expect(res.status, raw).toBe(422);
      const issues = (await body(res)).error.details.issues as Array<{ path: string; message: string }>;
      expect(issues.map((i) => i.path)).toEqual(['count']);
      expect(issues[0]!.message).toMatch(/^count: expected int between .* not kept exactly/);
    }
    expect(t.model.calls).toHaveLength(0);
  });

  it('answers 422 when the body is not an object', async () => {
    const t = await app();
    const res = await t.app.request('/run', json(['Ada']));
    expect(res.status).toBe(422);
    expect((await body(res)).error.message).toContain('JSON object');
  });

  it('answers 413 over the body limit', async () => {
    const t = await app({ bodyLimitBytes: 64 });
    const res = await t.app.request('/run', json({ name: 'x'.repeat(200) }));
    expect(res.status).toBe(413);
    expect((await body(res)).error.code).toBe('E_PAYLOAD_TOO_LARGE');
    expect(t.model.calls).toHaveLength(0);
  });

  it('answers 202 at once for Prefer: respond-async, with Location, and the run completes', async () => {
    const t = await app();
    t.control.delayMs = 100;
    const res = await t.app.request('/run', json({ name: 'Bo' }, { Prefer: 'respond-async' }));
    expect(res.status).toBe(202);
    const b = await body(res);
    expect(b).toMatchObject({ status: 'async', status_url: `/status/${b.job_id}` });
    expect(b.message).toEqual(expect.any(String));
    expect(res.headers.get('location')).toBe(`/status/${b.job_id}`);
    await waitUntil(async () => (await body(await t.app.request(b.status_url))).status === 'completed');
    expect(t.model.calls).toHaveLength(1);
  });

  it('hands a slow sync run over to async without running it again', async () => {
    const t = await app();
    t.control.delayMs = 300;
    const res = await t.app.request('/run?timeout=0.05', json({ name: 'Cy' }));
    expect(res.status).toBe(202);
    const b = await body(res);
    await waitUntil(
      async () => (await body(await t.app.request(`/status/${b.job_id}`))).status === 'completed',
    );
    expect(t.model.calls).toHaveLength(1);
  });

  it('caps ?timeout at the configured maximum and rejects a bad one', async () => {
    const t = await app({ timeoutSeconds: 0.05, maxTimeoutSeconds: 0.05 });
    t.control.delayMs = 300;
    expect((await t.app.request('/run?timeout=100', json({ name: 'x' }))).status).toBe(202);
    const bad = await t.app.request('/run?timeout=soon', json({ name: 'x' }));
    expect(bad.status).toBe(400);
    expect((await body(bad)).error.code).toBe('E_BAD_REQUEST');
  });

  it('returns the existing job for a repeated Idempotency-Key and runs it once', async () => {
    const t = await app();
    const first = await body(await t.app.request('/run', json({ name: 'Di' }, { 'Idempotency-Key': 'k-1' })));
    const again = await t.app.request('/run', json({ name: 'Di' }, { 'Idempotency-Key': 'k-1' }));
    expect(again.status).toBe(200);
    expect(again.headers.get('idempotent-replayed')).toBe('true');
    const b = await body(again);
    expect(b.job_id).toBe(first.job_id);
    expect(b.outputs).toEqual(first.outputs);
    expect(t.model.calls).toHaveLength(1);
  });

  it('joins a repeated Idempotency-Key while the first run is still going', async () => {
    const t = await app();
    t.control.delayMs = 150;
    const [a, b] = await Promise.all([
      t.app.request('/run', json({ name: 'Ed' }, { 'Idempotency-Key': 'same' })),
      t.app.request('/run', json({ name: 'Ed' }, { 'Idempotency-Key': 'same' })),
    ]);
    expect(a.status).toBe(200);
    expect(b.status).toBe(200);
    expect((await body(a)).job_id).toBe((await body(b)).job_id);
    expect(t.model.calls).toHaveLength(1);
  });

  it('answers 429 with Retry-After when every slot and the queue are full', async () => {
    const t = await app({ maxConcurrentRuns: 1, queueSize: 1 });
    t.control.delayMs = 300;
    const async = { Prefer: 'respond-async' };
    expect((await t.app.request('/run', json({ name: '1' }, async))).status).toBe(202);
    expect((await t.app.request('/run', json({ name: '2' }, async))).status).toBe(202);
    const full = await t.app.request('/run', json({ name: '3' }, async));
    expect(full.status).toBe(429);
    expect(full.headers.get('retry-after')).toBe('1');
    expect((await body(full)).error.code).toBe('E_QUEUE_FULL');
    const metrics = await (await t.app.request('/metrics')).text();
    expect(metrics).toContain('agentcrate_queue_depth 1');
    expect(metrics).toContain('agentcrate_runs_in_flight 1');
  });

  it('reports a failed run with status failed and the mapped HTTP status', async () => {
    const model = scriptedModel(() => {
      throw new AgentcrateError('E_MODEL', 'provider said no');
    });
    const t = await app({ model });
    const res = await t.app.request('/run', json({ name: 'Fay' }));
    expect(res.status).toBe(502);
    const b = await body(res);
    expect(b.status).toBe('failed');
    expect(b.error.code).toBe('E_MODEL');
    expect(b.error.message).toContain('provider said no');
    const status = await body(await t.app.request(`/status/${b.job_id}`));
    expect(status.status).toBe('failed');
    expect(status.error.code).toBe('E_MODEL');
  });

  it('refuses a webhook that is not http(s)', async () => {
    const t = await app();
    const res = await t.app.request('/run?webhook=file:///etc/passwd', json({ name: 'x' }));
    expect(res.status).toBe(422);
    expect((await body(res)).error.message).toContain('http');
  });
});

describe('jobs', () => {
  it('404s unknown jobs on every job route', async () => {
    const t = await app();
    for (const [method, path] of [
      ['GET', '/status/nope'],
      ['GET', '/jobs/nope'],
      ['POST', '/jobs/nope/cancel'],
      ['GET', '/jobs/nope/events'],
    ] as const) {
      const res = await t.app.request(path, { method });
      expect(res.status, path).toBe(404);
      expect((await body(res)).error.code).toBe('E_NOT_FOUND');
    }
    const route = await t.app.request('/nowhere');
    expect(route.status).toBe(404);
    expect((await body(route)).error).toMatchObject({ code: 'E_NOT_FOUND', details: { path: '/nowhere' } });
  });

  it('cancels a running job through the engine signal, and refuses to cancel it twice', async () => {
    const t = await app();
    t.control.delayMs = 5000;
    const { job_id } = await body(
      await t.app.request('/run', json({ name: 'x' }, { Prefer: 'respond-async' })),
    );
    await waitUntil(() => t.model.calls.length === 1);
    const res = await t.app.request(`/jobs/${job_id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect((await body(res)).status).toBe('cancelled');
    await waitUntil(() => t.runner.inFlight === 0, 2000);
    const status = await body(await t.app.request(`/status/${job_id}`));
    expect(status.status).toBe('cancelled');
    const again = await t.app.request(`/jobs/${job_id}/cancel`, { method: 'POST' });
    expect(again.status).toBe(409);
    expect((await body(again)).error.details.status).toBe('cancelled');
  });

  it('cancels a queued job before it starts', async () => {
    const t = await app({ maxConcurrentRuns: 1 });
    t.control.delayMs = 300;
    const async = { Prefer: 'respond-async' };
    await t.app.request('/run', json({ name: 'first' }, async));
    const { job_id } = await body(await t.app.request('/run', json({ name: 'second' }, async)));
    expect((await body(await t.app.request(`/jobs/${job_id}/cancel`, { method: 'POST' }))).status).toBe(
      'cancelled',
    );
    await waitUntil(() => t.runner.inFlight === 0 && t.runner.queueDepth === 0);
    expect(t.model.calls).toHaveLength(1);
  });

  it('a sync caller of a cancelled run gets 409 cancelled', async () => {
    const t = await app();
    t.control.delayMs = 5000;
    const pending = t.app.request('/run', json({ name: 'x' }));
    await waitUntil(() => t.model.calls.length === 1);
    const [job] = (await t.store.listJobs({ limit: 1 })).jobs;
    await t.app.request(`/jobs/${job!.id}/cancel`, { method: 'POST' });
    const res = await pending;
    expect(res.status).toBe(409);
    expect((await body(res)).status).toBe('cancelled');
  });

  it('lists jobs newest first with cursor pagination and a status filter', async () => {
    const t = await app();
    const ids: string[] = [];
    for (const name of ['a', 'b', 'c'])
      ids.push((await body(await t.app.request('/run', json({ name })))).job_id);
    const page1 = await body(await t.app.request('/jobs?limit=2'));
    expect(page1.jobs.map((j: { job_id: string }) => j.job_id)).toHaveLength(2);
    expect(page1.next_cursor).toEqual(expect.any(String));
    const page2 = await body(
      await t.app.request(`/jobs?limit=2&cursor=${encodeURIComponent(page1.next_cursor)}`),
    );
    expect(page2.jobs).toHaveLength(1);
    expect(page2.next_cursor).toBeNull();
    const all = [...page1.jobs, ...page2.jobs].map((j: { job_id: string }) => j.job_id);
    expect(all.sort()).toEqual([...ids].sort());
    expect((await body(await t.app.request('/jobs?status=completed'))).jobs).toHaveLength(3);
    expect((await body(await t.app.request('/jobs?status=failed'))).jobs).toHaveLength(0);
    for (const bad of ['/jobs?status=done', '/jobs?limit=0', '/jobs?limit=abc', '/jobs?cursor=garbage']) {
      const res = await t.app.request(bad);
      expect(res.status, bad).toBe(400);
      expect((await body(res)).error.code).toBe('E_BAD_REQUEST');
    }
  });

  it('replays the events of a finished job over SSE, then an end event', async () => {
    const t = await app();
    const { job_id } = await body(await t.app.request('/run', json({ name: 'x' })));
    const res = await t.app.request(`/jobs/${job_id}/events`);
    expect(res.status).toBe(200);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    const events = [...text.matchAll(/^event: (.+)$/gm)].map((m) => m[1]);
    expect(events).toEqual(['run-start', 'node-start', 'model-call', 'node-end', 'run-end', 'end']);
    expect(text).toContain('id: 1\n');
    const resumed = await (
      await t.app.request(`/jobs/${job_id}/events`, { headers: { 'Last-Event-ID': '3' } })
    ).text();
    expect([...resumed.matchAll(/^event: (.+)$/gm)].map((m) => m[1])).toEqual(['node-end', 'run-end', 'end']);
  });
});

describe('service routes', () => {
  it('GET / names the service, version and workflow', async () => {
    const t = await app();
    const b = await body(await t.app.request('/'));
    expect(b.name).toBe('agentcrate');
    expect(b.version).toEqual(expect.any(String));
    expect(b.workflow.name).toBe('greeter');
    expect(b.links.docs).toBe('/docs');
  });

  it('sets a request id, echoing a sane incoming one', async () => {
    const t = await app();
    const generated = await t.app.request('/health');
    expect(generated.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
    const echoed = await t.app.request('/health', { headers: { 'X-Request-Id': 'abc-123' } });
    expect(echoed.headers.get('x-request-id')).toBe('abc-123');
    const insane = await t.app.request('/health', { headers: { 'X-Request-Id': 'bad id <script>' } });
    expect(insane.headers.get('x-request-id')).not.toBe('bad id <script>');
    const error = await t.app.request('/status/none', { headers: { 'X-Request-Id': 'err-1' } });
    expect(error.headers.get('x-request-id')).toBe('err-1');
  });

  it('GET /schema lists inputs and outputs with types, descriptions, defaults and an example', async () => {
    const t = await app();
    const b = await body(await t.app.request('/schema'));
    expect(b.inputs.name).toMatchObject({ type: 'str', description: 'Who to greet', required: true });
    expect(b.inputs.count).toMatchObject({ type: 'int', default: 1, required: false });
    expect(Object.keys(b.outputs)).toEqual(['name', 'count', 'greeting']);
    expect(b.example_input).toEqual({ name: '<name>' });
    // The example is accepted as it is.
    expect((await t.app.request('/run', json(b.example_input))).status).toBe(200);
  });

  it('GET /openapi.json is an OpenAPI 3.1 document generated from the state schema', async () => {
    const t = await app();
    const doc = await body(await t.app.request('/openapi.json'));
    expect(doc.openapi).toBe('3.1.0');
    expect(Object.keys(doc.paths)).toEqual(
      expect.arrayContaining(['/run', '/status/{job_id}', '/jobs', '/health']),
    );
    const inputs = doc.components.schemas.Inputs;
    expect(inputs.required).toEqual(['name']);
    expect(inputs.properties.count).toEqual({ type: 'integer', default: 1 });
    expect(doc.paths['/run'].post.requestBody.content['application/json'].example).toEqual({
      name: '<name>',
    });
  });

  it('GET /docs is a self-contained page that loads the OpenAPI document and can send requests', async () => {
    const t = await app();
    const res = await t.app.request('/docs');
    expect(res.headers.get('content-type')).toContain('text/html');
    const html = await res.text();
    expect(html).toContain('/openapi.json');
    expect(html).toContain('respond-async');
    expect(html).toContain('fetch(');
    expect(html).not.toMatch(/<script[^>]+src=|<link[^>]+href="http/);
  });

  it('GET /metrics exposes runs, durations, tokens, queue depth and in-flight runs', async () => {
    const t = await app();
    await t.app.request('/run', json({ name: 'x' }));
    const res = await t.app.request('/metrics');
    expect(res.headers.get('content-type')).toContain('text/plain');
    const text = await res.text();
    expect(text).toContain('agentcrate_runs_total{status="completed"} 1');
    expect(text).toContain('agentcrate_run_duration_seconds_count 1');
    expect(text).toContain('agentcrate_model_tokens_total{direction="input"} 10');
    expect(text).toContain('agentcrate_model_tokens_total{direction="output"} 5');
    expect(text).toContain('agentcrate_queue_depth 0');
    expect(text).toContain('agentcrate_runs_in_flight 0');
    const rss = Number(/^process_resident_memory_bytes (\d+)$/m.exec(text)?.[1]);
    expect(rss).toBeGreaterThan(10_000_000);
    expect(Number(/^nodejs_heap_size_used_bytes (\d+)$/m.exec(text)?.[1])).toBeLessThanOrEqual(
      Number(/^nodejs_heap_size_total_bytes (\d+)$/m.exec(text)?.[1]),
    );
    // Per space: the spaces add up to the heap's total, and each uses at most what it holds.
    const perSpace = (kind: string) =>
      new Map(
        [
          ...text.matchAll(
            new RegExp(`^nodejs_heap_space_size_${kind}_bytes\\{space="(\\w+)"\\} (\\d+)$`, 'gm'),
          ),
        ].map((m) => [m[1]!, Number(m[2])]),
      );
    const total = perSpace('total');
    const used = perSpace('used');
    expect([...total.keys()]).toEqual(expect.arrayContaining(['new_space', 'old_space', 'code_space']));
    for (const [space, bytes] of used) expect(bytes).toBeLessThanOrEqual(total.get(space)!);
    expect([...total.values()].reduce((a, b) => a + b, 0)).toBe(
      Number(/^nodejs_heap_size_total_bytes (\d+)$/m.exec(text)?.[1]),
    );
  });

  it('GET /ready is 200 when ready and 503 with the reasons when credentials are missing', async () => {
    const ok = await app();
    expect((await body(await ok.app.request('/ready'))).status).toBe('ready');
    const missing = scriptedModel(() => ({ greeting: 'x' }), {
      missing: [
        {
          nodes: ['greet'],
          provider: 'openai',
          variables: ['OPENAI_API_KEY'],
          message: 'set OPENAI_API_KEY for node greet',
        },
      ],
    });
    const t = await app({ model: missing });
    const res = await t.app.request('/ready');
    expect(res.status).toBe(503);
    const b = await body(res);
    expect(b.error.code).toBe('E_UNAVAILABLE');
    expect(b.error.details.reasons).toEqual(['set OPENAI_API_KEY for node greet']);
    expect(b.error.details.checks).toMatchObject({ store: true, credentials: false });
    expect((await t.app.request('/health')).status).toBe(200);
  });

  it('requires an API key when keys are configured, except for /health', async () => {
    const t = await app({ apiKeys: ['secret-key-1', 'secret-key-2'] });
    const none = await t.app.request('/run', json({ name: 'x' }));
    expect(none.status).toBe(401);
    expect(none.headers.get('www-authenticate')).toBe('Bearer');
    expect((await body(none)).error.code).toBe('E_UNAUTHORIZED');
    expect((await t.app.request('/schema', { headers: { Authorization: 'Bearer wrong' } })).status).toBe(401);
    expect(
      (await t.app.request('/schema', { headers: { Authorization: 'Bearer secret-key-1x' } })).status,
    ).toBe(401);
    const ok = await t.app.request('/run', json({ name: 'x' }, { Authorization: 'Bearer secret-key-2' }));
    expect(ok.status).toBe(200);
    expect((await t.app.request('/schema', { headers: { 'X-API-Key': 'secret-key-1' } })).status).toBe(200);
    expect((await t.app.request('/health')).status).toBe(200);
  });

  it('mounts extra routes behind the same middleware', async () => {
    const t = await app({
      apiKeys: ['k-123456789'],
      extraRoutes: (a) => {
        a.get('/extra', (c) => c.json({ extra: [] }));
      },
    });
    expect((await t.app.request('/extra')).status).toBe(401);
    const res = await t.app.request('/extra', { headers: { Authorization: 'Bearer k-123456789' } });
    expect(await body(res)).toEqual({ extra: [] });
    expect(res.headers.get('x-request-id')).toBeTruthy();
  });

  it('serves recorded traces at /traces behind the API keys, and the /ui page openly', async () => {
    const t = await app({ apiKeys: ['k-123456789'] });
    expect((await t.app.request('/traces')).status).toBe(401);
    const list = await t.app.request('/traces', { headers: { Authorization: 'Bearer k-123456789' } });
    expect(list.status).toBe(200);
    expect(await body(list)).toMatchObject({ runs: expect.any(Array) });
    const ui = await t.app.request('/ui');
    expect(ui.status).toBe(200);
    expect(ui.headers.get('content-type')).toMatch(/text\/html/);
  });
});

describe('lifecycle', () => {
  it('answers 503 for new runs once closing', async () => {
    const store = await createSqliteStore(':memory:');
    const t = await makeApp({ store, closeStore: false });
    await t.close(0);
    const res = await t.app.request('/run', json({ name: 'x' }));
    expect(res.status).toBe(503);
    expect((await body(res)).error.code).toBe('E_UNAVAILABLE');
    expect(res.headers.get('retry-after')).toBeTruthy();
    await store.close();
  });

  it('parks a running job on shutdown and the next start resumes it from its checkpoint', async () => {
    const store = await createSqliteStore(':memory:');
    const first = await makeApp({ store, closeStore: false, workflow: THREE_STEPS });
    first.control.delayMs = 100;
    const { job_id } = await body(
      await first.app.request('/run', json({ n: '7' }, { Prefer: 'respond-async' })),
    );
    await waitUntil(async () => ((await store.getJob(job_id))?.progress.step ?? 0) >= 1);
    first.control.delayMs = 5000;
    await waitUntil(() => first.model.calls.length === 2);
    await first.close(0);
    const parked = await store.getJob(job_id);
    expect(parked?.status).toBe('pending');
    expect(parked?.progress.nodesDone).toEqual(['one']);

    const second = await makeApp({ store, workflow: THREE_STEPS });
    open.push(second);
    await waitUntil(async () => (await store.getJob(job_id))?.status === 'completed');
    // 'one' finished before the shutdown: only 'two' (interrupted) and 'three' run again.
    expect(second.model.calls.map((c) => c.nodeId)).toEqual(['two', 'three']);
    const job = await store.getJob(job_id);
    expect(job?.outputs).toMatchObject({ n: '7', a: 'hello from one: one n=7' });
  });

  it('resumes a job a crash left running from its stored checkpoint', async () => {
    const store = await createSqliteStore(':memory:');
    const { job } = await store.createJob({ id: 'crashed-1', workflow: 'three', inputs: { n: '1' } });
    await store.claimJob(job.id);
    const checkpoint: Checkpoint = {
      runId: job.id,
      step: 2,
      state: { n: '1', a: 'A', b: 'B', c: '', _loop_iteration_one: 1, _loop_iteration_two: 1 },
      completed: ['one', 'two'],
      pending: [{ nodeId: 'three', arrivals: 1 }],
      usage: { inputTokens: 20, outputTokens: 10 },
      elapsedMs: 50,
    };
    await store.saveCheckpoint(job.id, checkpoint);
    await store.appendEvents(job.id, [{ type: 'run-start', at: 1 }]);
    const t = await app({ store, workflow: THREE_STEPS });
    await waitUntil(async () => (await store.getJob(job.id))?.status === 'completed');
    expect(t.model.calls.map((c) => c.nodeId)).toEqual(['three']);
    const done = await store.getJob(job.id);
    expect(done?.outputs).toMatchObject({ a: 'A', b: 'B', c: 'hello from three: three n=1' });
    const seqs = (await store.listEvents(job.id)).map((e) => e.seq);
    expect(seqs).toEqual(seqs.map((_, i) => i + 1));
    expect(seqs.length).toBeGreaterThan(1);
  });

  it("runs only its own workflow's jobs from a shared store, and says what it left", async () => {
    const store = await createSqliteStore(':memory:');
    // Left by a server of another workflow: one parked by its shutdown, one its crash left running.
    await store.createJob({ id: 'greeter-parked', workflow: 'greeter', inputs: { name: 'P' } });
    await store.createJob({ id: 'greeter-crashed', workflow: 'greeter', inputs: { name: 'C' }, claim: true });
    await store.createJob({ id: 'three-parked', workflow: 'three', inputs: { n: '1' } });
    const lines: Array<{ jobId?: string; decision?: string; reason?: string }> = [];
    const logger = {
      ...silentLogger,
      info: (o: object) => lines.push(o),
      error: (o: object) => lines.push(o),
    };
    const three = await app({ store, workflow: THREE_STEPS, logger, closeStore: false });
    await waitUntil(async () => (await store.getJob('three-parked'))?.status === 'completed');
    await new Promise((r) => setTimeout(r, 100));
    // Not one model call for the other workflow's jobs: they wait for their own server.
    expect(three.model.calls.map((c) => c.nodeId)).toEqual(['one', 'two', 'three']);
    expect((await store.getJob('greeter-parked'))?.status).toBe('pending');
    expect((await store.getJob('greeter-crashed'))?.status).toBe('pending');
    const decided = (id: string) => lines.filter((l) => l.jobId === id);
    expect(decided('three-parked')).toMatchObject([{ decision: 'queued' }]);
    for (const id of ['greeter-parked', 'greeter-crashed']) {
      expect(decided(id)).toMatchObject([
        { decision: 'left', reason: expect.stringMatching(/workflow 'greeter'/) },
      ]);
    }
    await three.close(0);

    const greeter = await app({ store });
    await waitUntil(async () =>
      (await Promise.all(['greeter-parked', 'greeter-crashed'].map((id) => store.getJob(id)))).every(
        (j) => j?.status === 'completed',
      ),
    );
    expect(greeter.model.calls.map((c) => c.nodeId)).toEqual(['greet', 'greet']);
  });

  it('deletes finished jobs after the TTL', async () => {
    const t = await app({ jobTtlSeconds: 0.05, cleanupIntervalMs: 20 });
    const { job_id } = await body(await t.app.request('/run', json({ name: 'x' })));
    await waitUntil(async () => (await t.store.getJob(job_id)) === undefined, 3000);
    expect((await t.app.request(`/status/${job_id}`)).status).toBe(404);
  });
});
