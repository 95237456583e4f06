/**
 * POST /run on its node:http fast path (src/server/node-run.ts) answers as the Hono app does:
 * every request is sent twice over a real socket, once as `/run` (the fast path) and once
 * with a query the fast path leaves to the Hono app, and the two answers must match.
 */
import { createServer, request as httpRequest, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener } from '@hono/node-server';
import { afterEach, describe, expect, it } from 'vitest';
import type { NodeHandler } from '../../src/server/node-run.js';
import { makeApp, type TestApp } from './helpers.js';

interface Served {
  app: TestApp;
  url: string;
  /** Requests the fast path handed to the Hono app. */
  fallbacks: string[];
}

const open: { app: TestApp; server: Server }[] = [];
afterEach(async () => {
  for (const { app, server } of open.splice(0)) {
    await new Promise((resolve) => server.close(resolve));
    await app.close(0);
  }
});

async function serve(options: Parameters<typeof makeApp>[0] = {}): Promise<Served> {
  const app = await makeApp({ host: '127.0.0.1', ...options });
  const fallbacks: string[] = [];
  const hono = getRequestListener(app.app.fetch, { hostname: '127.0.0.1' }) as NodeHandler;
  const server = createServer(
    app.nodeListener((incoming, outgoing) => {
      fallbacks.push(`${incoming.method} ${incoming.url}`);
      hono(incoming, outgoing);
    }),
  );
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  server.keepAliveTimeout = 100;
  open.push({ app, server });
  return { app, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, fallbacks };
}

interface Answer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/** One request as raw as `node:http` sends it (headers as given, repeats kept). */
function send(url: string, path: string, headers: string[], body?: string): Promise<Answer> {
  return new Promise((resolve, reject) => {
    // Headers given as a list are sent as given: Host too, which Node adds only to a record.
    const host = headers.includes('host') ? [] : ['host', new URL(url).host];
    const req = httpRequest(
      `${url}${path}`,
      { method: 'POST', headers: [...host, ...headers], agent: false },
      (res) => {
        let text = '';
        res.setEncoding('utf8');
        res.on('data', (chunk: string) => {
          text += chunk;
        });
        res.on('end', () => {
          const own: Record<string, string> = {};
          for (const [name, value] of Object.entries(res.headers)) {
            // Per connection or per answer, not the route's.
            if (!['date', 'connection', 'keep-alive', 'x-request-id', 'location'].includes(name))
              own[name] = String(value);
          }
          resolve({ status: res.statusCode ?? 0, headers: own, body: text });
        });
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

/** The answer with job ids and timings masked, so two runs' answers compare. */
function masked(answer: Answer): Answer {
  const body = answer.body
    .replace(/[0-9a-f]{8}-[0-9a-f-]{27}/g, '<id>')
    .replace(/"execution_time_ms":\d+/g, '"execution_time_ms":0');
  return { ...answer, body };
}

const JSON_HEADERS = ['content-type', 'application/json'];
const input = JSON.stringify({ name: 'Ada' });

/** Sends the request on the fast path and through the Hono app; both answers, masked. */
async function both(served: Served, headers: string[], body?: string): Promise<[Answer, Answer]> {
  const before = served.fallbacks.length;
  const fast = await send(served.url, '/run', headers, body);
  expect(served.fallbacks.length).toBe(before);
  const hono = await send(served.url, '/run?via=hono', headers, body);
  expect(served.fallbacks.length).toBe(before + 1);
  return [masked(fast), masked(hono)];
}

describe('POST /run on the node:http fast path', () => {
  it('answers a run as the Hono app does: status, headers and body', async () => {
    const served = await serve();
    const [fast, hono] = await both(served, JSON_HEADERS, input);
    expect(fast.status).toBe(200);
    expect(JSON.parse(fast.body)).toMatchObject({ status: 'success', outputs: { name: 'Ada' } });
    expect(fast).toEqual(hono);
  });

  it('sends the request id back: the client’s when sane, else a new one', async () => {
    const served = await serve();
    const id = await new Promise<string | undefined>((resolve, reject) => {
      const req = httpRequest(
        `${served.url}/run`,
        {
          method: 'POST',
          headers: ['host', new URL(served.url).host, ...JSON_HEADERS, 'x-request-id', 'trace-42'],
          agent: false,
        },
        (res) => {
          res.resume();
          resolve(res.headers['x-request-id'] as string | undefined);
        },
      );
      req.on('error', reject);
      req.end(input);
    });
    expect(id).toBe('trace-42');
    expect(served.fallbacks).toEqual([]);
  });

  it('refuses bad bodies, content types, hosts and sizes as the Hono app does', async () => {
    const served = await serve({ bodyLimitBytes: 64 });
    const cases: [string[], string | undefined, number][] = [
      [JSON_HEADERS, '{not json', 400],
      [JSON_HEADERS, '[1, 2]', 422],
      [['content-type', 'text/plain'], input, 415],
      [[...JSON_HEADERS, 'host', 'attacker.example'], input, 403],
      [[...JSON_HEADERS, 'origin', 'http://attacker.example'], input, 403],
      [JSON_HEADERS, JSON.stringify({ name: 'x'.repeat(100) }), 413],
    ];
    for (const [headers, body, status] of cases) {
      const [fast, hono] = await both(served, headers, body);
      expect(fast.status).toBe(status);
      expect(fast).toEqual(hono);
    }
  });

  it('asks for the API key when keys are set, and runs with it', async () => {
    const served = await serve({ apiKeys: ['k-123'] });
    const [refused, honoRefused] = await both(served, JSON_HEADERS, input);
    expect(refused.status).toBe(401);
    expect(refused.headers['www-authenticate']).toBe('Bearer');
    expect(refused).toEqual(honoRefused);
    const [ran, honoRan] = await both(served, [...JSON_HEADERS, 'authorization', 'Bearer k-123'], input);
    expect(ran.status).toBe(200);
    expect(ran).toEqual(honoRan);
  });

  it('answers async runs and replayed idempotency keys as the Hono app does', async () => {
    const served = await serve();
    const [accepted, honoAccepted] = await both(served, [...JSON_HEADERS, 'prefer', 'respond-async'], input);
    expect(accepted.status).toBe(202);
    expect(accepted).toEqual(honoAccepted);
    const keyed = [...JSON_HEADERS, 'idempotency-key', 'once'];
    const first = await send(served.url, '/run', keyed, input);
    const replayed = await send(served.url, '/run', keyed, input);
    expect(first.headers['idempotent-replayed']).toBeUndefined();
    expect(replayed.headers['idempotent-replayed']).toBe('true');
    expect(masked(replayed).body).toBe(masked(first).body);
    expect(served.fallbacks).toEqual(['POST /run?via=hono']);
  });

  it('leaves requests it does not read as the Hono app would to the Hono app', async () => {
    const served = await serve();
    // A header sent twice: Node and fetch's Headers join repeats differently.
    const twice = await send(served.url, '/run', [...JSON_HEADERS, 'prefer', 'a', 'prefer', 'b'], input);
    expect(twice.status).toBe(200);
    const query = await send(served.url, '/run?timeout=5', JSON_HEADERS, input);
    expect(query.status).toBe(200);
    expect(served.fallbacks).toEqual(['POST /run', 'POST /run?timeout=5']);
  });

  it('is off for the configurable-agents API, whose /run is its own', async () => {
    const served = await serve({ api: 'configurable-agents' });
    const answer = await send(served.url, '/run', JSON_HEADERS, input);
    expect(answer.status).toBe(200);
    expect(served.fallbacks).toEqual(['POST /run']);
  });
});
