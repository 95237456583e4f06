/** The server over a real loopback socket, with the real model client against the mock LLM server. */
import { createHmac } from 'node:crypto';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { type RunningServer, type ServeOptions, startServer } from '../../src/server/index.js';
import { type MockLlm, type MockRequest, startMockLlm } from '../support/mock-llm.js';
import { GREETER, THREE_STEPS, waitUntil } from './helpers.js';

let dir: string;
let mock: MockLlm;
const servers: RunningServer[] = [];

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentcrate-server-'));
  mock = await startMockLlm();
});
afterAll(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});
afterEach(async () => {
  for (const s of servers.splice(0)) await s.close(0);
  mock.reset();
});

let storeCounter = 0;
async function serve(options: Partial<ServeOptions> = {}): Promise<RunningServer> {
  const server = await startServer({
    workflow: GREETER,
    port: 0,
    host: '127.0.0.1',
    storePath: join(dir, `store-${++storeCounter}.db`),
    env: { OPENAI_API_KEY: 'test' },
    override: { provider: 'openai', baseURL: mock.url, model: 'mock-1' },
    ...options,
  });
  servers.push(server);
  return server;
}

function post(url: string, body: unknown, headers: Record<string, string> = {}): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  });
}

// biome-ignore lint/suspicious/noExplicitAny: JSON bodies in assertions.
async function jsonOf(response: Response): Promise<any> {
  return response.json();
}

function promptOf(request: MockRequest): string {
  const messages = request.body.messages ?? [];
  const user = [...messages].reverse().find((m) => m.role === 'user');
  return typeof user?.content === 'string' ? user.content : JSON.stringify(user?.content ?? '');
}

/** Delays every chat answer by `ms` (the mock's default answer is valid for the schema). */
function slowMock(ms: number, count = 50): void {
  mock.script(Array.from({ length: count }, () => ({ delayMs: ms })));
}

describe('served over a socket with the real model client', () => {
  it('runs synchronously: 200 with the outputs the model gave', async () => {
    const server = await serve();
    const res = await post(`${server.url}/run`, { name: 'Ada' });
    expect(res.status).toBe(200);
    const body = await jsonOf(res);
    expect(body.status).toBe('success');
    expect(body.outputs.name).toBe('Ada');
    expect(typeof body.outputs.greeting).toBe('string');
    expect(mock.chatRequests()).toHaveLength(1);
    expect(promptOf(mock.chatRequests()[0]!)).toBe('greet Ada');
    expect(res.headers.get('x-request-id')).toMatch(/^[0-9a-f-]{36}$/);
  });

  it('gives every answer its request id over the socket: a run, an error, a stream', async () => {
    const server = await serve();
    const ran = await fetch(`${server.url}/run`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', 'x-request-id': 'run-1' },
      body: JSON.stringify({ name: 'Ada' }),
    });
    expect([ran.status, ran.headers.get('x-request-id')]).toEqual([200, 'run-1']);
    const job = await jsonOf(ran);
    const missing = await fetch(`${server.url}/nowhere`, { headers: { 'x-request-id': 'lost-2' } });
    expect([missing.status, missing.headers.get('x-request-id')]).toEqual([404, 'lost-2']);
    await missing.text();
    const events = await fetch(`${server.url}/jobs/${job.job_id}/events`, {
      headers: { 'x-request-id': 'sse-3' },
    });
    expect([events.headers.get('content-type'), events.headers.get('x-request-id')]).toEqual([
      'text/event-stream',
      'sse-3',
    ]);
    await events.body?.cancel();
  });

  it('hands a slow run over to async: 202, then completed, the model called once per node', async () => {
    const server = await serve({ workflow: THREE_STEPS });
    slowMock(150);
    const res = await post(`${server.url}/run?timeout=0.2`, { n: 'x1' });
    expect(res.status).toBe(202);
    const body = await jsonOf(res);
    expect(res.headers.get('location')).toBe(`/status/${body.job_id}`);
    let status: { status: string; progress: { nodes: string[] } } | undefined;
    await waitUntil(async () => {
      status = await jsonOf(await fetch(`${server.url}${body.status_url}`));
      return status?.status === 'completed';
    }, 5000);
    expect(status?.progress.nodes).toEqual(['one', 'two', 'three']);
    expect(mock.chatRequests().map(promptOf)).toEqual(['one n=x1', 'two n=x1', 'three n=x1']);
  });

  it('cancels a running job: no further model calls', async () => {
    const server = await serve({ workflow: THREE_STEPS });
    slowMock(1500);
    const { job_id } = await jsonOf(await post(`${server.url}/run`, { n: 'c' }, { Prefer: 'respond-async' }));
    await waitUntil(() => mock.chatRequests().length === 1);
    const res = await fetch(`${server.url}/jobs/${job_id}/cancel`, { method: 'POST' });
    expect(res.status).toBe(200);
    expect((await jsonOf(res)).status).toBe('cancelled');
    await waitUntil(() => server.app.runner.inFlight === 0, 3000);
    expect((await jsonOf(await fetch(`${server.url}/status/${job_id}`))).status).toBe('cancelled');
    await new Promise((r) => setTimeout(r, 100));
    expect(mock.chatRequests()).toHaveLength(1);
  });

  it('streams events over SSE: replay of what happened, then live events, then end', async () => {
    const server = await serve({ workflow: THREE_STEPS });
    slowMock(150);
    const { job_id } = await jsonOf(await post(`${server.url}/run`, { n: 's' }, { Prefer: 'respond-async' }));
    await waitUntil(
      async () => (await jsonOf(await fetch(`${server.url}/status/${job_id}`))).progress.nodes_done >= 1,
    );
    const res = await fetch(`${server.url}/jobs/${job_id}/events`);
    expect(res.headers.get('content-type')).toContain('text/event-stream');
    const text = await res.text();
    const frames = text
      .split('\n\n')
      .filter((f) => f.includes('event:'))
      .map((f) => ({
        id: /^id: (.*)$/m.exec(f)?.[1],
        event: /^event: (.*)$/m.exec(f)?.[1],
        data: JSON.parse(/^data: (.*)$/m.exec(f)?.[1] ?? 'null'),
      }));
    const names = frames.map((f) => `${f.event}${f.data?.nodeId ? `:${f.data.nodeId}` : ''}`);
    expect(names).toEqual([
      'run-start',
      'node-start:one',
      'model-call:one',
      'node-end:one',
      'node-start:two',
      'model-call:two',
      'node-end:two',
      'node-start:three',
      'model-call:three',
      'node-end:three',
      'run-end',
      'end',
    ]);
    const ids = frames.filter((f) => f.id !== undefined).map((f) => Number(f.id));
    expect(ids).toEqual(ids.map((_, i) => i + 1));
    expect(frames.at(-1)?.data.status).toBe('completed');
  });

  it('delivers the finished job to a webhook with a valid HMAC signature, retrying a failure', async () => {
    const received: Array<{ body: string; signature: string | undefined }> = [];
    let calls = 0;
    const receiver = createServer((req: IncomingMessage, res) => {
      let data = '';
      req.on('data', (chunk) => {
        data += chunk;
      });
      req.on('end', () => {
        calls += 1;
        if (calls === 1) {
          res.writeHead(503).end();
          return;
        }
        received.push({ body: data, signature: req.headers['x-agentcrate-signature'] as string | undefined });
        res.writeHead(204).end();
      });
    });
    await new Promise<void>((r) => receiver.listen(0, '127.0.0.1', r));
    const hook = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
    try {
      const secret = 'whsec-test-secret';
      const server = await serve({
        env: { OPENAI_API_KEY: 'test', AGENTCRATE_WEBHOOK_SECRET: secret },
        webhook: { baseDelayMs: 20 },
        // The receiver is on loopback, which the outbound guard opens only when allowed.
        network: { allowPrivateNetwork: true },
      });
      const res = await post(`${server.url}/run?webhook=${encodeURIComponent(hook)}`, { name: 'W' });
      const { job_id } = await jsonOf(res);
      await waitUntil(() => received.length === 1, 5000);
      expect(calls).toBe(2);
      const { body, signature } = received[0]!;
      expect(signature).toBe(`sha256=${createHmac('sha256', secret).update(body).digest('hex')}`);
      const payload = JSON.parse(body);
      expect(payload).toMatchObject({ job_id, status: 'completed', outputs: { name: 'W' } });
    } finally {
      await new Promise((r) => receiver.close(r));
    }
  });

  it('runs a job once for concurrent requests with the same Idempotency-Key', async () => {
    const server = await serve();
    slowMock(100);
    const responses = await Promise.all(
      [1, 2, 3].map(() => post(`${server.url}/run`, { name: 'I' }, { 'Idempotency-Key': 'idem-1' })),
    );
    const bodies = await Promise.all(responses.map(jsonOf));
    expect(new Set(bodies.map((b) => b.job_id)).size).toBe(1);
    expect(bodies.every((b) => b.status === 'success')).toBe(true);
    expect(mock.chatRequests()).toHaveLength(1);
  });

  it('lets an in-flight sync request finish on close, then refuses connections', async () => {
    const server = await serve();
    slowMock(200, 1);
    const pending = post(`${server.url}/run`, { name: 'G' });
    await waitUntil(() => mock.chatRequests().length === 1);
    servers.splice(servers.indexOf(server), 1);
    await server.close(5000);
    const res = await pending;
    expect(res.status).toBe(200);
    expect((await jsonOf(res)).status).toBe('success');
    await expect(fetch(`${server.url}/health`)).rejects.toThrow();
  });

  it('reads bodies from the socket: 413 over the limit (declared or chunked), chunked UTF-8 and a BOM under it', async () => {
    const server = await serve({ bodyLimitBytes: 200 });
    const url = `${server.url}/run`;
    // Declared over the limit: refused before reading.
    const declared = await post(url, { name: 'x'.repeat(300) });
    expect(declared.status).toBe(413);
    expect((await jsonOf(declared)).error.code).toBe('E_PAYLOAD_TOO_LARGE');
    // Chunked (no content-length), a multi-byte character split across chunks, a BOM first.
    const encoded = new TextEncoder().encode('\uFEFF{"name": "Zoë ✓"}');
    const split = encoded.indexOf(0xc3) + 1; // inside the two bytes of ë
    const chunked = (parts: Uint8Array[]) =>
      fetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: new ReadableStream({
          start(controller) {
            for (const part of parts) controller.enqueue(part);
            controller.close();
          },
        }),
        duplex: 'half',
      } as RequestInit);
    mock.enqueue({ json: { greeting: 'hi Zoë' } });
    const ok = await chunked([encoded.subarray(0, split), encoded.subarray(split)]);
    expect(ok.status).toBe(200);
    expect((await jsonOf(ok)).outputs.greeting).toBe('hi Zoë');
    expect(promptOf(mock.chatRequests()[0]!)).toContain('Zoë ✓');
    // Chunked over the limit: refused once the limit is passed.
    const big = new TextEncoder().encode(JSON.stringify({ name: 'y'.repeat(400) }));
    const over = await chunked([big.subarray(0, 150), big.subarray(150)]);
    expect(over.status).toBe(413);
    expect(mock.chatRequests()).toHaveLength(1);
  });

  it('refuses an invalid workflow before binding a port', async () => {
    const file = join(dir, 'bad.yaml');
    writeFileSync(
      file,
      'schema_version: "1.0"\nflow: {name: bad}\nnodes: []\nedges: [{from: START, to: nowhere}]\n',
    );
    await expect(
      startServer({ workflowFile: file, port: 0, storePath: join(dir, 'bad.db') }),
    ).rejects.toMatchObject({
      code: 'E_INVALID_WORKFLOW',
    });
  });
});
