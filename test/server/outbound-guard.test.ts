/**
 * The served workflow's model cannot turn the server on itself (read `/jobs`, start a nested
 * `/run`), and webhooks cannot be pointed at loopback or metadata addresses, unless the
 * operator opens the private network. Real sockets, the real model client, the mock model.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { describe, expect, it } from 'vitest';
import { servedWorkflow } from '../support/served.js';
import { oneToolNode } from '../support/workflows.js';
import { GREETER, waitUntil } from './helpers.js';

const FETCHER = oneToolNode({
  name: 'fetcher',
  input: 'url',
  output: 'summary',
  id: 'look',
  prompt: 'look at {state.url}',
  tools: ['http_client'],
});

const served = servedWorkflow(FETCHER);
const serve = served.serve;

function post(url: string, body: unknown): Promise<Response> {
  return fetch(url, {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json' },
  });
}

describe('a model driving http_client against its own server', () => {
  it('cannot read /jobs or start a nested /run', async () => {
    const server = await serve();
    served.mock().script([
      {
        toolCalls: [
          { name: 'http_client', args: { url: `${server.url}/jobs` } },
          { name: 'http_client', args: { url: `${server.url}/run`, method: 'POST', body: { url: 'x' } } },
        ],
      },
      { json: { summary: 'done' } },
    ]);
    const before = server.app.metrics.httpRequests;
    const res = await post(`${server.url}/run`, { url: 'http://example.test/' });
    const body = (await res.json()) as { status: string; job_id: string };
    expect(body.status).toBe('success');
    // Only our own POST /run reached the server.
    expect(server.app.metrics.httpRequests - before).toBe(1);
    const events = (
      await (await fetch(`${server.url}/jobs/${body.job_id}/events?stream=false`)).text()
    ).trim();
    const toolCalls = events
      .split('\n')
      .flatMap((line) => (line.startsWith('data:') ? [JSON.parse(line.slice(5))] : []))
      .filter((e: { type?: string }) => e.type === 'tool-call');
    expect(toolCalls).toHaveLength(2);
    for (const call of toolCalls) {
      expect(call.ok).toBe(false);
      expect(call.error).toMatch(/'127\.0\.0\.1' is a loopback address: refused by the outbound guard/);
    }
    const jobs = (await (await fetch(`${server.url}/jobs`)).json()) as { jobs: unknown[] };
    expect(jobs.jobs).toHaveLength(1);
  });
});

describe('webhooks and the outbound guard', () => {
  async function receiver() {
    const received: string[] = [];
    const server = createServer((req, res) => {
      received.push(req.url ?? '');
      res.writeHead(204).end();
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return {
      port: (server.address() as AddressInfo).port,
      received,
      close: () => new Promise((r) => server.close(r)),
    };
  }

  it('refuses a webhook that spells a loopback or metadata address when the run is submitted', async () => {
    const server = await serve({ workflow: GREETER });
    for (const hook of [
      'http://127.0.0.1:9/hook',
      'http://[::ffff:127.0.0.1]:9/hook',
      'http://[::ffff:169.254.169.254]/',
      'http://metadata.google.internal./',
    ]) {
      const res = await post(`${server.url}/run?webhook=${encodeURIComponent(hook)}`, { name: 'x' });
      expect(res.status, hook).toBe(422);
      const { error } = (await res.json()) as { error: { code: string; message: string } };
      expect(error.code).toBe('E_INVALID_INPUT');
      expect(error.message).toMatch(/refused by the outbound guard/);
    }
    expect(served.mock().chatRequests()).toHaveLength(0);
  });

  it('does not deliver to a name that resolves to loopback (checked at connect), and says why in the result', async () => {
    const hook = await receiver();
    const results: Array<{ ok: boolean; error?: string; attempts: number }> = [];
    try {
      const server = await serve({
        workflow: GREETER,
        webhook: { baseDelayMs: 5, onResult: (r) => results.push(r) },
      });
      const url = `http://localhost:${hook.port}/hook`;
      const res = await post(`${server.url}/run?webhook=${encodeURIComponent(url)}`, { name: 'W' });
      expect(res.status).toBe(200);
      await waitUntil(() => results.length === 1);
      expect(results[0]).toMatchObject({ ok: false, attempts: 1 });
      expect(results[0]!.error).toMatch(/'localhost' \(.+\) is a loopback address/);
      expect(results[0]!.error).toMatch(/--allow-private-network/);
      expect(hook.received).toHaveLength(0);
    } finally {
      await hook.close();
    }
  });

  it('delivers to loopback when the operator opens the private network', async () => {
    const hook = await receiver();
    try {
      const server = await serve({ workflow: GREETER, network: { allowPrivateNetwork: true } });
      const url = `http://127.0.0.1:${hook.port}/hook`;
      expect((await post(`${server.url}/run?webhook=${encodeURIComponent(url)}`, { name: 'W' })).status).toBe(
        200,
      );
      await waitUntil(() => hook.received.length === 1);
    } finally {
      await hook.close();
    }
  });
});
