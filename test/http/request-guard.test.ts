/**
 * The request guard over real sockets: what a page in the user's browser could send to a
 * server on 127.0.0.1 (cross-site "simple" requests, DNS rebinding) is refused, what the
 * server's own pages and API clients send is served. Requests are written with node:http so
 * Host and Origin are exactly what a browser would put there.
 */
import { request } from 'node:http';
import { describe, expect, it } from 'vitest';
import type { RunningServer } from '../../src/server/index.js';
import { GREETER } from '../server/helpers.js';
import { spawnServeExample } from '../support/serve-process.js';
import { servedWorkflow } from '../support/served.js';

const served = servedWorkflow(GREETER);
const serve = served.serve;

interface Raw {
  status: number;
  body: string;
}

/** One request over a socket to `port` on 127.0.0.1 with exactly these headers. */
function raw(
  port: number,
  method: string,
  path: string,
  headers: Record<string, string>,
  body?: string,
): Promise<Raw> {
  return new Promise((resolve, reject) => {
    const req = request(
      { host: '127.0.0.1', port, method, path, headers, setHost: false, agent: false },
      (res) => {
        let text = '';
        res.on('data', (c: Buffer) => {
          text += c.toString();
        });
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body);
  });
}

const BODY = JSON.stringify({ name: 'Ada' });
const code = (r: Raw) => (JSON.parse(r.body) as { error?: { code: string } }).error?.code;

async function jobCount(server: RunningServer): Promise<number> {
  const r = await raw(server.port, 'GET', '/jobs', { host: `127.0.0.1:${server.port}` });
  return (JSON.parse(r.body) as { jobs: unknown[] }).jobs.length;
}

describe('the request guard on a server without an API key', () => {
  it('refuses the attack: text/plain POST /run with a foreign Origin and Host: attacker.example', async () => {
    const server = await serve();
    const attack = await raw(
      server.port,
      'POST',
      '/run',
      {
        host: `attacker.example:${server.port}`,
        origin: `http://attacker.example:${server.port}`,
        'content-type': 'text/plain',
        'content-length': String(Buffer.byteLength(BODY)),
      },
      BODY,
    );
    expect(attack.status).toBe(403);
    expect(code(attack)).toBe('E_FORBIDDEN');
    expect(JSON.parse(attack.body).error.message).toMatch(/Host 'attacker\.example:\d+' is not served/);
    expect(await jobCount(server)).toBe(0);
    expect(served.mock().chatRequests()).toHaveLength(0);
  });

  it('refuses each part of it alone: the Host (DNS rebinding), the foreign Origin, the simple content type', async () => {
    const server = await serve();
    const port = server.port;
    const local = `127.0.0.1:${port}`;
    const len = String(Buffer.byteLength(BODY));
    const json = { 'content-type': 'application/json', 'content-length': len };
    // A rebinding page reads under its own name: refused for reads too.
    const rebound = await raw(port, 'GET', '/jobs', { host: `attacker.example:${port}` });
    expect(rebound.status).toBe(403);
    const foreign = await raw(
      port,
      'POST',
      '/run',
      { host: local, origin: 'http://attacker.example', ...json },
      BODY,
    );
    expect(foreign.status).toBe(403);
    expect(JSON.parse(foreign.body).error.message).toMatch(
      /cross-origin request from 'http:\/\/attacker\.example' refused/,
    );
    const opaque = await raw(port, 'POST', '/run', { host: local, origin: 'null', ...json }, BODY);
    expect(opaque.status).toBe(403);
    for (const type of [
      'text/plain',
      'application/x-www-form-urlencoded',
      'multipart/form-data; boundary=x',
    ]) {
      const simple = await raw(
        port,
        'POST',
        '/run',
        { host: local, 'content-type': type, 'content-length': len },
        BODY,
      );
      expect(simple.status, type).toBe(415);
      expect(code(simple)).toBe('E_UNSUPPORTED_MEDIA_TYPE');
    }
    const untyped = await raw(port, 'POST', '/run', { host: local, 'content-length': len }, BODY);
    expect(untyped.status).toBe(415);
    expect(await jobCount(server)).toBe(0);
  });

  it('serves loopback Hosts, its own pages (same Origin), JSON, and answers probes under any Host', async () => {
    const server = await serve();
    const port = server.port;
    const len = String(Buffer.byteLength(BODY));
    for (const host of [
      `127.0.0.1:${port}`,
      `localhost:${port}`,
      `LOCALHOST.:${port}`,
      `app.localhost:${port}`,
      `[::1]:${port}`,
      '127.0.0.2',
    ]) {
      const ok = await raw(port, 'GET', '/schema', { host });
      expect(ok.status, host).toBe(200);
    }
    const fromDocs = await raw(
      port,
      'POST',
      '/run',
      {
        host: `localhost:${port}`,
        origin: `http://localhost:${port}`,
        'content-type': 'application/json; charset=utf-8',
        'content-length': len,
      },
      BODY,
    );
    expect(fromDocs.status).toBe(200);
    expect(JSON.parse(fromDocs.body).status).toBe('success');
    expect((await raw(port, 'GET', '/health', { host: '10.1.2.3:8000' })).status).toBe(200);
    expect((await raw(port, 'GET', '/ready', { host: 'agentcrate-svc' })).status).toBe(200);
    // A bodyless POST (cancel) needs no content type; browsers would still send an Origin.
    const { job_id } = JSON.parse(fromDocs.body);
    const cancel = await raw(port, 'POST', `/jobs/${job_id}/cancel`, { host: `127.0.0.1:${port}` });
    expect(cancel.status).not.toBe(415);
    expect(cancel.status).not.toBe(403);
  });

  it('answers the probes of --api configurable-agents (/health/live, /health/ready) whatever the Host', async () => {
    const server = await serve({ api: 'configurable-agents' });
    const port = server.port;
    // Kubernetes probes carry the pod's address; configurable-agents' manifests probe these paths.
    for (const path of ['/health', '/health/live', '/health/ready', '/ready']) {
      expect((await raw(port, 'GET', path, { host: '10.1.2.3:8000' })).status, path).toBe(200);
    }
    expect((await raw(port, 'GET', '/schema', { host: '10.1.2.3:8000' })).status).toBe(403);
  });

  it('serves the Hosts listed in allowedHosts (names, addresses, ranges) and no others', async () => {
    const server = await serve({ allowedHosts: ['agentcrate-svc', '10.0.0.0/8', 'Api.Example.COM.'] });
    const port = server.port;
    for (const host of ['agentcrate-svc:8000', '10.9.8.7', 'api.example.com', `127.0.0.1:${port}`]) {
      expect((await raw(port, 'GET', '/schema', { host })).status, host).toBe(200);
    }
    for (const host of ['attacker.example', '11.0.0.1', 'agentcrate-svc.attacker.example']) {
      expect((await raw(port, 'GET', '/schema', { host })).status, host).toBe(403);
    }
    await expect(serve({ allowedHosts: ['http://x/'] })).rejects.toThrow(
      /--allowed-hosts: 'http:\/\/x\/' is not a host name/,
    );
  });
});

describe('the request guard on a server with an API key', () => {
  it('serves any Host to a client with the key, but still refuses foreign Origins and simple content types', async () => {
    const server = await serve({ apiKeys: ['k-123'] });
    const port = server.port;
    const auth = { authorization: 'Bearer k-123' };
    const len = String(Buffer.byteLength(BODY));
    expect((await raw(port, 'GET', '/schema', { host: 'agentcrate.example.com', ...auth })).status).toBe(200);
    const ok = await raw(
      port,
      'POST',
      '/run',
      { host: 'agentcrate.example.com', 'content-type': 'application/json', 'content-length': len, ...auth },
      BODY,
    );
    expect(ok.status).toBe(200);
    const foreign = await raw(
      port,
      'POST',
      '/run',
      {
        host: 'agentcrate.example.com',
        origin: 'https://evil.example',
        'content-type': 'application/json',
        'content-length': len,
        ...auth,
      },
      BODY,
    );
    expect(foreign.status).toBe(403);
    const simple = await raw(
      port,
      'POST',
      '/run',
      { host: 'x', 'content-type': 'text/plain', 'content-length': len, ...auth },
      BODY,
    );
    expect(simple.status).toBe(415);
  });
});

describe('agentcrate serve --allowed-hosts (a real serve process)', () => {
  it('serves a listed Host and refuses attacker.example', async () => {
    const s = spawnServeExample(':memory:', ['--allowed-hosts', 'agentcrate-svc,10.0.0.0/8']);
    try {
      const url = await s.url;
      const port = Number(new URL(url).port);
      expect((await raw(port, 'GET', '/schema', { host: 'agentcrate-svc:8000' })).status).toBe(200);
      expect((await raw(port, 'GET', '/schema', { host: '10.1.1.1' })).status).toBe(200);
      const body = JSON.stringify({ topic: 'AI' });
      const attack = await raw(
        port,
        'POST',
        '/run',
        {
          host: `attacker.example:${port}`,
          origin: `http://attacker.example:${port}`,
          'content-type': 'text/plain',
          'content-length': String(body.length),
        },
        body,
      );
      expect(attack.status).toBe(403);
    } finally {
      s.child.kill('SIGINT');
      await s.exited;
    }
  });
});

describe('the request guard in another server', () => {
  it('names that server’s own settings when it refuses a Host', async () => {
    const { Hono } = await import('hono');
    const { requestGuard } = await import('../../src/http/request-guard.js');
    const app = new Hono();
    app.use('*', requestGuard({ authenticated: false, hostHint: 'list it in GATEWAY_ALLOWED_HOSTS' }));
    app.get('/x', (c) => c.text('ok'));
    let message = '';
    app.onError((error, c) => {
      message = error.message;
      return c.text('refused', 403);
    });
    expect((await app.request('http://localhost/x')).status).toBe(200);
    expect((await app.request('http://attacker.example/x')).status).toBe(403);
    expect(message).toMatch(/Host 'attacker\.example' is not served.*list it in GATEWAY_ALLOWED_HOSTS$/);
  });
});

describe('the request guard judging the same Host again', () => {
  it('gives every Host the same verdict each time, also after more distinct Hosts than it remembers', async () => {
    const { Hono } = await import('hono');
    const { requestGuard } = await import('../../src/http/request-guard.js');
    const app = new Hono();
    app.use(requestGuard({ authenticated: false, allowedHosts: ['api.internal'] }));
    app.onError((error, c) => c.json({ code: (error as { code?: string }).code }, 403));
    app.post('/run', (c) => c.json({ ok: true }));
    const post = (host: string, origin?: string) =>
      app.request('/run', {
        method: 'POST',
        headers: { host, 'content-type': 'application/json', ...(origin ? { origin } : {}) },
        body: '{}',
      });
    for (let round = 0; round < 3; round++) {
      expect((await post('127.0.0.1:8080')).status).toBe(200);
      expect((await post('localhost:8080')).status).toBe(200);
      expect((await post('api.internal')).status).toBe(200);
      expect((await post('attacker.example')).status).toBe(403);
      expect((await post('127.0.0.1:8080', 'http://127.0.0.1:8080')).status).toBe(200);
      // The same Host, a different port in the Origin: not the server's own page.
      expect((await post('127.0.0.1:8080', 'http://127.0.0.1:9999')).status).toBe(403);
      for (let i = 0; i < 300; i++) expect((await post(`h${round}-${i}.example`)).status).toBe(403);
    }
  });
});
