import { spawn } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { fileURLToPath } from 'node:url';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { httpFetch } from '../../src/models/http-fetch.js';
import { isRetryableError } from '../../src/models/retry.js';

interface TestServer {
  url: string;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

const servers: TestServer[] = [];

afterEach(async () => {
  vi.restoreAllMocks();
  await Promise.all(servers.splice(0).map((s) => s.close()));
});

async function serve(handler: (req: IncomingMessage, res: ServerResponse, body: Buffer) => void) {
  const server: Server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => handler(req, res, Buffer.concat(chunks)));
  });
  let connections = 0;
  server.on('connection', () => connections++);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  const s: TestServer = {
    url: `http://127.0.0.1:${port}`,
    connections: () => connections,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
  servers.push(s);
  return s;
}

/** Answers with what it received, so tests can compare what went over the wire. */
function echo(req: IncomingMessage, res: ServerResponse, body: Buffer): void {
  res.writeHead(201, 'Made It', { 'content-type': 'application/json', 'x-reply': 'yes' });
  res.end(JSON.stringify({ method: req.method, path: req.url, headers: req.headers, body: body.toString() }));
}

interface Echoed {
  method: string;
  path: string;
  headers: Record<string, string>;
  body: string;
}

/** A port nothing listens on: a server is opened and closed there. */
async function closedPort(): Promise<string> {
  const s = await serve(() => {});
  servers.splice(servers.indexOf(s), 1);
  await s.close();
  return s.url;
}

const TEXT = 'agentcrate says hello '.repeat(50);

describe('httpFetch requests', () => {
  it('round-trips a JSON POST with its headers, status, statusText and response headers', async () => {
    const s = await serve(echo);
    const payload = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'héllo' }] });
    const res = await httpFetch(`${s.url}/v1/chat?x=1`, {
      method: 'post',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer k', 'X-Pad': '  padded\t' },
      body: payload,
    });
    expect(res.status).toBe(201);
    expect(res.statusText).toBe('Made It');
    expect(res.ok).toBe(true);
    expect(res.headers.get('x-reply')).toBe('yes');
    const got = (await res.json()) as Echoed;
    expect(got.method).toBe('POST');
    expect(got.path).toBe('/v1/chat?x=1');
    expect(got.body).toBe(payload);
    expect(got.headers['content-type']).toBe('application/json');
    expect(got.headers.authorization).toBe('Bearer k');
    expect(got.headers['x-pad']).toBe('padded');
    expect(got.headers['content-length']).toBe(String(Buffer.byteLength(payload)));
  });

  it('sends the same default headers as the global fetch', async () => {
    const s = await serve(echo);
    const ours = (await (await httpFetch(s.url, { method: 'POST', body: 'hi' })).json()) as Echoed;
    const theirs = (await (await fetch(s.url, { method: 'POST', body: 'hi' })).json()) as Echoed;
    const names = [
      'content-type',
      'accept',
      'accept-language',
      'sec-fetch-mode',
      'user-agent',
      'accept-encoding',
    ];
    for (const name of names) expect([name, ours.headers[name]]).toEqual([name, theirs.headers[name]]);
    expect(ours.headers['content-length']).toBe('2');
    // A caller's own accept-encoding wins.
    const identity = (await (
      await httpFetch(s.url, { headers: { 'accept-encoding': 'identity' } })
    ).json()) as Echoed;
    expect(identity.headers['accept-encoding']).toBe('identity');
  });

  it('takes headers as a Headers object, pairs or a record, joining repeats like Headers', async () => {
    const s = await serve(echo);
    const forms: HeadersInit[] = [
      new Headers([
        ['X-A', '1'],
        ['x-a', '2'],
        ['X-B', 'b'],
      ]),
      [
        ['X-A', '1'],
        ['x-a', '2'],
        ['X-B', 'b'],
      ],
      { 'X-A': '1, 2', 'X-B': 'b' },
    ];
    for (const headers of forms) {
      const got = (await (await httpFetch(s.url, { headers })).json()) as Echoed;
      expect([got.headers['x-a'], got.headers['x-b']]).toEqual(['1, 2', 'b']);
    }
  });

  it('sends byte bodies (Buffer, Uint8Array view, ArrayBuffer) and content-length 0 for a bare POST', async () => {
    const s = await serve(echo);
    const bytes = new TextEncoder().encode('xxbytes!xx');
    const bodies = [Buffer.from('bytes!'), bytes.subarray(2, 8), bytes.buffer.slice(2, 8)];
    for (const body of bodies) {
      const got = (await (await httpFetch(s.url, { method: 'PUT', body })).json()) as Echoed;
      expect([got.method, got.body, got.headers['content-length']]).toEqual(['PUT', 'bytes!', '6']);
      expect(got.headers['content-type']).toBeUndefined();
    }
    const bare = (await (await httpFetch(s.url, { method: 'POST' })).json()) as Echoed;
    expect(bare.headers['content-length']).toBe('0');
  });

  it('reuses one keep-alive connection for sequential requests', async () => {
    const s = await serve(echo);
    for (let i = 0; i < 20; i++) await (await httpFetch(s.url, { method: 'POST', body: `${i}` })).text();
    expect(s.connections()).toBe(1);
  });
});

describe('httpFetch responses', () => {
  const encoded: Record<string, [string, Buffer]> = {
    gzip: ['gzip', zlib.gzipSync(TEXT)],
    'x-gzip': ['x-gzip', zlib.gzipSync(TEXT)],
    br: ['br', zlib.brotliCompressSync(TEXT)],
    deflate: ['deflate', zlib.deflateSync(TEXT)],
    'raw deflate': ['deflate', zlib.deflateRawSync(TEXT)],
    'gzip then br': ['gzip, br', zlib.brotliCompressSync(zlib.gzipSync(TEXT))],
    'an unknown coding (left as sent)': ['gzip, snappy', Buffer.from(TEXT)],
  };
  for (const [label, [coding, bytes]] of Object.entries(encoded)) {
    it(`decodes ${label} like fetch`, async () => {
      const s = await serve((_req, res) => {
        res.writeHead(200, { 'content-encoding': coding, 'content-type': 'text/plain' });
        res.end(bytes);
      });
      const res = await httpFetch(s.url);
      expect(await res.text()).toBe(TEXT);
      expect(res.headers.get('content-encoding')).toBe(coding);
    });
  }

  it('decodes a large gzip body (off the event loop) to the same bytes', async () => {
    const big = Buffer.from(Array.from({ length: 40_000 }, (_, i) => `${i * 7919}`).join(','));
    const gz = zlib.gzipSync(big, { level: 0 });
    expect(gz.length).toBeGreaterThan(64 * 1024);
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end(gz);
    });
    expect(Buffer.from(await (await httpFetch(s.url)).arrayBuffer()).equals(big)).toBe(true);
  });

  it('makes reading a body that fails to decode reject like fetch (TypeError terminated)', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end('this is not gzip');
    });
    const res = await httpFetch(s.url);
    expect(res.status).toBe(200);
    const error = (await res.text().catch((e: unknown) => e)) as TypeError;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe('terminated');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('Z_DATA_ERROR');
  });

  it('keeps every set-cookie value', async () => {
    const s = await serve((_req, res) => {
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2']);
      res.end('ok');
    });
    const res = await httpFetch(s.url);
    expect(res.headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2']);
  });

  it('gives a null body for 204 and for HEAD, and the connection stays reusable', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/none') res.writeHead(204).end();
      else res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' }).end('hello');
    });
    const none = await httpFetch(`${s.url}/none`, { method: 'DELETE' });
    expect([none.status, none.body]).toEqual([204, null]);
    const head = await httpFetch(`${s.url}/x`, { method: 'HEAD' });
    expect([head.status, head.body, head.headers.get('content-length')]).toEqual([200, null, '5']);
    expect(await (await httpFetch(`${s.url}/x`)).text()).toBe('hello');
    expect(s.connections()).toBe(1);
  });

  it('follows a redirect through the global fetch, which reports it truthfully', async () => {
    const s = await serve((req, res, body) => {
      if (req.url === '/old') res.writeHead(307, { location: '/new' }).end();
      else echo(req, res, body);
    });
    const res = await httpFetch(`${s.url}/old`, { method: 'POST', body: 'again' });
    expect(res.redirected).toBe(true);
    expect(res.url).toBe(`${s.url}/new`);
    const got = (await res.json()) as Echoed;
    expect([got.method, got.path, got.body]).toEqual(['POST', '/new', 'again']);
  });

  // A buffering client would wait forever here, hence the short timeout.
  it('hands an event stream over as it arrives', { timeout: 5000 }, async () => {
    let sendSecond!: () => void;
    const secondAsked = new Promise<void>((resolve) => {
      sendSecond = resolve;
    });
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: one\n\n');
      void secondAsked.then(() => res.end('data: two\n\n'));
    });
    const res = await httpFetch(s.url, { method: 'POST', body: '{}' });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
    // The second event is only written once the first has been read: a buffering client would hang.
    expect((await reader.read()).value).toBe('data: one\n\n');
    sendSecond();
    let rest = '';
    for (let r = await reader.read(); !r.done; r = await reader.read()) rest += r.value;
    expect(rest).toBe('data: two\n\n');
  });

  it('decodes a gzip event stream', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream', 'content-encoding': 'gzip' });
      res.end(zlib.gzipSync('data: zipped\n\n'));
    });
    expect(await (await httpFetch(s.url)).text()).toBe('data: zipped\n\n');
  });
});

describe('httpFetch aborts', () => {
  it('rejects at once with the reason of an already aborted signal, sending nothing', async () => {
    const s = await serve(echo);
    const reason = new Error('stop now');
    const error = await httpFetch(s.url, { signal: AbortSignal.abort(reason) }).catch((e: unknown) => e);
    expect(error).toBe(reason);
    const plain = await httpFetch(s.url, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
    expect((plain as DOMException).name).toBe('AbortError');
    expect(s.connections()).toBe(0);
  });

  it('rejects with the reason while waiting for headers, and drops the connection', async () => {
    let closed!: Promise<void>;
    let arrived!: () => void;
    const requestArrived = new Promise<void>((resolve) => {
      arrived = resolve;
    });
    const s = await serve((req) => {
      closed = new Promise((resolve) => req.socket.on('close', () => resolve()));
      arrived();
    });
    const controller = new AbortController();
    const pending = httpFetch(s.url, { method: 'POST', body: 'x', signal: controller.signal });
    await requestArrived;
    const reason = new Error('run cancelled');
    controller.abort(reason);
    expect(await pending.catch((e: unknown) => e)).toBe(reason);
    await closed;
  });

  it('rejects with the reason while the body is still arriving', async () => {
    let headersSent!: () => void;
    const sent = new Promise<void>((resolve) => {
      headersSent = resolve;
    });
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"partial":');
      headersSent();
    });
    const controller = new AbortController();
    const pending = httpFetch(s.url, { signal: controller.signal });
    await sent;
    await new Promise((resolve) => setTimeout(resolve, 20));
    const reason = new Error('deadline');
    controller.abort(reason);
    expect(await pending.catch((e: unknown) => e)).toBe(reason);
  });

  it('errors a streaming body with the reason', { timeout: 5000 }, async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
    });
    const controller = new AbortController();
    const res = await httpFetch(s.url, { signal: controller.signal });
    const reader = res.body!.getReader();
    expect((await reader.read()).done).toBe(false);
    const reason = new Error('user left');
    controller.abort(reason);
    expect(await reader.read().catch((e: unknown) => e)).toBe(reason);
  });

  it('leaves no abort listener behind on a signal reused for 200 requests', async () => {
    const s = await serve(echo);
    const warnings: Error[] = [];
    const onWarning = (w: Error) => warnings.push(w);
    process.on('warning', onWarning);
    const controller = new AbortController();
    try {
      for (let batch = 0; batch < 10; batch++) {
        await Promise.all(
          Array.from({ length: 20 }, async (_, i) => {
            const res = await httpFetch(s.url, {
              method: 'POST',
              body: `${batch}-${i}`,
              signal: controller.signal,
            });
            expect(((await res.json()) as Echoed).body).toBe(`${batch}-${i}`);
          }),
        );
      }
      // The streaming path keeps its listener until the body ends, then lets it go too.
      const stream = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end('data: x\n\n');
      });
      await (await httpFetch(stream.url, { signal: controller.signal })).text();
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      await new Promise((resolve) => setImmediate(resolve));
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('httpFetch failures are shaped like fetch', () => {
  it('rejects a refused connection with TypeError fetch failed, retryable', async () => {
    const url = await closedPort();
    const error = (await httpFetch(url, { method: 'POST', body: '{}' }).catch(
      (e: unknown) => e,
    )) as TypeError;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe('fetch failed');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(isRetryableError(error)).toBe(true);
  });

  it('rejects a socket reset before any answer with TypeError fetch failed, retryable', async () => {
    const s = await serve((req) => req.socket.destroy());
    const error = (await httpFetch(s.url, { method: 'POST', body: '{}' }).catch(
      (e: unknown) => e,
    )) as TypeError;
    expect(error.message).toBe('fetch failed');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNRESET');
    expect(isRetryableError(error)).toBe(true);
  });

  it('resolves a truncated body whose reading rejects with TypeError terminated, retryable', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"cut":');
      setTimeout(() => res.destroy(), 5);
    });
    const res = await httpFetch(s.url);
    expect(res.status).toBe(200);
    const error = (await res.text().catch((e: unknown) => e)) as TypeError;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe('terminated');
    expect(isRetryableError(error)).toBe(true);
  });
});

describe('httpFetch delegation', () => {
  it('passes a Request input to the global fetch, and serves plain URLs itself', async () => {
    const s = await serve(echo);
    const spy = vi.spyOn(globalThis, 'fetch');
    await (await httpFetch(new URL(`${s.url}/fast`), { method: 'POST', body: 'a' })).text();
    expect(spy).not.toHaveBeenCalled();
    const request = new Request(`${s.url}/req`, { method: 'POST', body: 'from a Request' });
    const res = await httpFetch(request);
    expect(spy).toHaveBeenCalledTimes(1);
    expect(spy.mock.calls[0]?.[0]).toBe(request);
    const got = (await res.json()) as Echoed;
    expect([got.method, got.path, got.body]).toEqual(['POST', '/req', 'from a Request']);
  });

  it('lets the global fetch reject what fetch rejects (a GET with a body, a bad header value)', async () => {
    const s = await serve(echo);
    const getBody = await httpFetch(s.url, { method: 'GET', body: 'x' }).catch((e: unknown) => e);
    expect(getBody).toBeInstanceOf(TypeError);
    const badHeader = await httpFetch(s.url, { headers: { 'x-bad': 'a\nb' } }).catch((e: unknown) => e);
    expect(badHeader).toBeInstanceOf(TypeError);
    expect(s.connections()).toBe(0);
  });
});

describe('httpFetch and process exit', () => {
  it('does not keep a process alive once its requests are done', async () => {
    const s = await serve(echo);
    const module = fileURLToPath(new URL('../../src/models/http-fetch.ts', import.meta.url));
    const script = `
      const { httpFetch } = await import(${JSON.stringify(module)});
      for (let i = 0; i < 3; i++) await (await httpFetch(${JSON.stringify(s.url)}, { method: 'POST', body: 'x' })).text();
      const done = performance.now();
      process.on('exit', () => console.log(JSON.stringify({ lingerMs: performance.now() - done })));
    `;
    const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let out = '';
    let err = '';
    child.stdout.on('data', (d) => (out += d));
    child.stderr.on('data', (d) => (err += d));
    const code = await new Promise<number | null>((resolve) => child.on('close', resolve));
    expect(err).not.toMatch(/Error/);
    expect(code).toBe(0);
    // A referenced keep-alive socket would hold it until the 4 s idle timeout.
    expect((JSON.parse(out) as { lingerMs: number }).lingerMs).toBeLessThan(1000);
    expect(s.connections()).toBe(1);
  });
});
