/**
 * The model transport (src/models/transport.ts) over real loopback sockets: what it owes the
 * AI SDK providers (fetch's shape, errors and aborts), and what it owes a server (a cap on an
 * answer's bytes, the caller's deadline honoured while the body arrives).
 */
import { spawn } from 'node:child_process';
import { getEventListeners } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import zlib from 'node:zlib';
import { afterEach, describe, expect, it } from 'vitest';
import { AgentcrateError } from '../../src/errors.js';
import { isRetryableError } from '../../src/models/retry.js';
import { createModelTransport } from '../../src/models/transport.js';

interface TestServer {
  url: string;
  /** TCP connections accepted so far. */
  connections(): number;
  close(): Promise<void>;
}

const servers: TestServer[] = [];

afterEach(async () => {
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
const send = createModelTransport();

describe('requests', () => {
  it('round-trips a JSON POST with its headers, status, statusText and response headers', async () => {
    const s = await serve(echo);
    const payload = JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'héllo' }] });
    const res = await send(`${s.url}/v1/chat?x=1`, {
      method: 'post',
      headers: { 'Content-Type': 'application/json', Authorization: 'Bearer k' },
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
    expect(got.headers['content-length']).toBe(String(Buffer.byteLength(payload)));
    // fetch's defaults where the caller said nothing; the caller's own win.
    expect(got.headers.accept).toBe('*/*');
    expect(got.headers['accept-encoding']).toMatch(/gzip/);
    const identity = (await (
      await send(s.url, { headers: { 'accept-encoding': 'identity' } })
    ).json()) as Echoed;
    expect(identity.headers['accept-encoding']).toBe('identity');
  });

  it('hands a whole answer over as a Response: its body read once, as a stream or at once', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"answer":"héllo"}');
    });
    const streamed = await send(s.url);
    expect(streamed).toBeInstanceOf(Response);
    expect([streamed.bodyUsed, streamed.redirected, streamed.type, streamed.url]).toEqual([
      false,
      false,
      'default',
      '',
    ]);
    const reader = streamed.body!.getReader();
    const chunks: Uint8Array[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    expect(Buffer.concat(chunks).toString()).toBe('{"answer":"héllo"}');
    expect(streamed.bodyUsed).toBe(true);
    await expect(streamed.text()).rejects.toThrow(TypeError);

    const whole = await send(s.url);
    const copy = whole.clone();
    expect(await whole.json()).toEqual({ answer: 'héllo' });
    expect(whole.bodyUsed).toBe(true);
    await expect(whole.text()).rejects.toThrow(TypeError);
    expect(new TextDecoder().decode(await copy.arrayBuffer())).toBe('{"answer":"héllo"}');

    // A stream taken but not read can still be read through the Response.
    const taken = await send(s.url);
    expect(taken.body).toBe(taken.body);
    expect(await taken.text()).toBe('{"answer":"héllo"}');
  });

  it("reads a whole answer's body as a ReadableStream reads, by reader, pipe or iteration", async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"answer":"héllo"}');
    });
    const text = '{"answer":"héllo"}';
    const decode = (chunks: Uint8Array[]) => Buffer.concat(chunks).toString();

    // As provider-utils reads it: a reader to the end, then cancel and release.
    const read = await send(s.url);
    const body = read.body!;
    expect(body).toBeInstanceOf(ReadableStream);
    const reader = body.getReader();
    expect(reader).toBeInstanceOf(ReadableStreamDefaultReader);
    expect(body.locked).toBe(true);
    expect(() => body.getReader()).toThrow(TypeError);
    const chunks: Uint8Array[] = [];
    for (let r = await reader.read(); !r.done; r = await reader.read()) chunks.push(r.value);
    expect(decode(chunks)).toBe(text);
    await reader.closed;
    await reader.cancel();
    reader.releaseLock();
    expect(body.locked).toBe(false);
    await expect(reader.read()).rejects.toThrow(TypeError);
    expect((await body.getReader().read()).done).toBe(true);
    expect(read.bodyUsed).toBe(true);
    await expect(read.text()).rejects.toThrow(TypeError);

    // Piped and iterated: through a real stream over the same bytes.
    const piped = await send(s.url);
    let out = '';
    for await (const part of piped.body!.pipeThrough(
      new TextDecoderStream(),
    ) as unknown as AsyncIterable<string>)
      out += part;
    expect(out).toBe(text);
    expect(piped.bodyUsed).toBe(true);
    const iterated = await send(s.url);
    const parts: Uint8Array[] = [];
    for await (const part of iterated.body as unknown as AsyncIterable<Uint8Array>) parts.push(part);
    expect(decode(parts)).toBe(text);

    // Cancelled: used, nothing left to read; released before the end: `closed` rejects.
    const cancelled = await send(s.url);
    await cancelled.body!.cancel();
    expect(cancelled.bodyUsed).toBe(true);
    await expect(cancelled.json()).rejects.toThrow(TypeError);
    const released = await send(s.url);
    const early = released.body!.getReader();
    const closed = early.closed;
    early.releaseLock();
    await expect(closed).rejects.toThrow(TypeError);
    expect(await released.text()).toBe(text);
  });

  it('gives an empty answer a body that ends at once', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' }).end();
    });
    const res = await send(s.url);
    const read = await res.body!.getReader().read();
    expect(read.done).toBe(true);
    expect(await (await send(s.url)).text()).toBe('');
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
      const got = (await (await send(s.url, { headers })).json()) as Echoed;
      expect([got.headers['x-a'], got.headers['x-b']]).toEqual(['1, 2', 'b']);
    }
  });

  it('sends byte bodies (Buffer, Uint8Array view, ArrayBuffer) and content-length 0 for a bare POST', async () => {
    const s = await serve(echo);
    const bytes = new TextEncoder().encode('xxbytes!xx');
    const bodies = [Buffer.from('bytes!'), bytes.subarray(2, 8), bytes.buffer.slice(2, 8)];
    for (const body of bodies) {
      const got = (await (await send(s.url, { method: 'PUT', body })).json()) as Echoed;
      expect([got.method, got.body, got.headers['content-length']]).toEqual(['PUT', 'bytes!', '6']);
    }
    const bare = (await (await send(s.url, { method: 'POST' })).json()) as Echoed;
    expect(bare.headers['content-length']).toBe('0');
  });

  it('reuses keep-alive connections for sequential requests', async () => {
    const s = await serve(echo);
    for (let i = 0; i < 20; i++) await (await send(s.url, { method: 'POST', body: `${i}` })).text();
    // undici may open a second socket when the next request is sent within the same tick.
    expect(s.connections()).toBeLessThanOrEqual(2);
  });

  it("passes what the providers never send (a Request input) to Node's fetch", async () => {
    const s = await serve(echo);
    const res = await send(new Request(`${s.url}/req`, { method: 'POST', body: 'from a Request' }));
    const got = (await res.json()) as Echoed;
    expect([got.method, got.path, got.body]).toEqual(['POST', '/req', 'from a Request']);
  });

  it('rejects a header fetch would refuse, sending nothing', async () => {
    const s = await serve(echo);
    const bad = await send(s.url, { headers: { 'x-bad': 'a\nb' } }).catch((e: unknown) => e);
    expect(bad).toBeInstanceOf(TypeError);
    expect(s.connections()).toBe(0);
  });
});

describe('responses', () => {
  const encoded: Record<string, [string, Buffer]> = {
    gzip: ['gzip', zlib.gzipSync(TEXT)],
    'x-gzip': ['x-gzip', zlib.gzipSync(TEXT)],
    br: ['br', zlib.brotliCompressSync(TEXT)],
    deflate: ['deflate', zlib.deflateSync(TEXT)],
    'gzip then br': ['gzip, br', zlib.brotliCompressSync(zlib.gzipSync(TEXT))],
  };
  for (const [label, [coding, bytes]] of Object.entries(encoded)) {
    it(`decodes ${label}`, async () => {
      const s = await serve((_req, res) => {
        res.writeHead(200, { 'content-encoding': coding, 'content-type': 'text/plain' });
        res.end(bytes);
      });
      expect(await (await send(s.url)).text()).toBe(TEXT);
    });
  }

  it('decodes error answers too (the provider says why in them)', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(429, {
        'content-encoding': 'gzip',
        'content-type': 'application/json',
        'retry-after': '3',
      });
      res.end(zlib.gzipSync(JSON.stringify({ error: { message: 'slow down' } })));
    });
    const res = await send(s.url, { method: 'POST', body: '{}' });
    expect([res.status, res.headers.get('retry-after')]).toEqual([429, '3']);
    expect(await res.json()).toEqual({ error: { message: 'slow down' } });
  });

  it('fails a body that does not decode like a cut-off body (TypeError terminated, retryable)', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip' });
      res.end('this is not gzip');
    });
    const error = (await send(s.url).catch((e: unknown) => e)) as TypeError;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe('terminated');
    expect(isRetryableError(error)).toBe(true);
  });

  it("reads an answer's headers as a Response's: sorted, repeats joined, set-cookie apart, immutable", async () => {
    const s = await serve((_req, res) => {
      res.setHeader('X-Zed', 'last');
      res.setHeader('x-multi', ['one', 'two']);
      res.setHeader('set-cookie', ['a=1', 'b=2']);
      res.setHeader('Content-Type', 'application/json');
      res.end('{}');
    });
    const { headers } = await send(s.url);
    const expected = new Response('{}', {
      headers: [
        ['X-Zed', 'last'],
        ['x-multi', 'one'],
        ['x-multi', 'two'],
        ['set-cookie', 'a=1'],
        ['set-cookie', 'b=2'],
        ['Content-Type', 'application/json'],
        ['date', headers.get('date')!],
        ['connection', headers.get('connection')!],
        ['keep-alive', headers.get('keep-alive')!],
        ['content-length', '2'],
      ],
    }).headers;
    // The build's lib has no DOM iterables: Headers read as the iterable they are.
    type Iterated = Headers &
      Iterable<[string, string]> & {
        entries(): IterableIterator<[string, string]>;
        keys(): IterableIterator<string>;
        values(): IterableIterator<string>;
      };
    const got = headers as Iterated;
    const want = expected as Iterated;
    expect(headers).toBeInstanceOf(Headers);
    expect([...got]).toEqual([...want]);
    expect(Object.fromEntries(got.entries())).toEqual(Object.fromEntries(want.entries()));
    expect([...got.keys()]).toEqual([...want.keys()]);
    expect([...got.values()]).toEqual([...want.values()]);
    const seen: string[] = [];
    headers.forEach((value, name) => {
      seen.push(`${name}=${value}`);
    });
    expect(seen).toEqual([...want].map(([name, value]) => `${name}=${value}`));
    expect([
      headers.get('X-MULTI'),
      headers.has('x-zed'),
      headers.has('x-none'),
      headers.get('x-none'),
    ]).toEqual(['one, two', true, false, null]);
    expect(() => headers.set('x-zed', 'other')).toThrow(TypeError);
    expect(() => headers.append('x-new', '1')).toThrow(TypeError);
    expect(() => headers.delete('x-zed')).toThrow(TypeError);
    // A Response made from them (what a provider may do) carries the same headers.
    expect([...(new Response(null, { headers }).headers as Iterated)]).toEqual([...want]);
  });

  it('keeps every set-cookie value', async () => {
    const s = await serve((_req, res) => {
      res.setHeader('set-cookie', ['a=1; Path=/', 'b=2']);
      res.end('ok');
    });
    expect((await send(s.url)).headers.getSetCookie()).toEqual(['a=1; Path=/', 'b=2']);
  });

  it('gives a null body for 204 and for HEAD, and the connection stays reusable', async () => {
    const s = await serve((req, res) => {
      if (req.url === '/none') res.writeHead(204).end();
      else res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' }).end('hello');
    });
    const none = await send(`${s.url}/none`, { method: 'DELETE' });
    expect([none.status, none.body]).toEqual([204, null]);
    const head = await send(`${s.url}/x`, { method: 'HEAD' });
    expect([head.status, head.body, head.headers.get('content-length')]).toEqual([200, null, '5']);
    expect(await (await send(`${s.url}/x`)).text()).toBe('hello');
    expect(s.connections()).toBeLessThanOrEqual(2);
  });

  it('follows a redirect, keeping the method and body of a 307', async () => {
    const s = await serve((req, res, body) => {
      if (req.url === '/old') res.writeHead(307, { location: '/new' }).end();
      else echo(req, res, body);
    });
    const got = (await (await send(`${s.url}/old`, { method: 'POST', body: 'again' })).json()) as Echoed;
    expect([got.method, got.path, got.body]).toEqual(['POST', '/new', 'again']);
  });

  it('follows redirects as fetch does: a POST answered 303 or 301 is followed with a GET and no body', async () => {
    for (const status of [303, 301]) {
      const s = await serve((req, res, body) => {
        if (req.url === '/old') res.writeHead(status, { location: '/new' }).end();
        else echo(req, res, body);
      });
      const got = (await (await send(`${s.url}/old`, { method: 'POST', body: 'once' })).json()) as Echoed;
      expect([got.method, got.path, got.body], String(status)).toEqual(['GET', '/new', '']);
    }
  });

  it('sends an answered request once: only a redirect is asked again', async () => {
    const seen: string[] = [];
    const s = await serve((req, res, body) => {
      seen.push(`${req.method} ${req.url}`);
      if (req.url === '/moved') res.writeHead(308, { location: '/here' }).end();
      else if (req.url === '/no-location') res.writeHead(302).end('no location');
      else echo(req, res, body);
    });
    await (await send(`${s.url}/here`, { method: 'POST', body: 'x' })).text();
    const bare = await send(`${s.url}/no-location`, { method: 'POST', body: 'x' });
    expect([bare.status, await bare.text()]).toEqual([302, 'no location']);
    expect(seen).toEqual(['POST /here', 'POST /no-location']);
    const moved = (await (await send(`${s.url}/moved`, { method: 'POST', body: 'x' })).json()) as Echoed;
    expect([moved.method, moved.path, moved.body]).toEqual(['POST', '/here', 'x']);
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
    const res = await send(s.url, { method: 'POST', body: '{}' });
    const reader = res.body!.pipeThrough(new TextDecoderStream()).getReader();
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
    expect(await (await send(s.url)).text()).toBe('data: zipped\n\n');
  });
});

describe('the answer cap', () => {
  const capped = createModelTransport({ maxAnswerBytes: 64 * 1024 });
  const tooLarge = (error: unknown) => {
    expect(error).toBeInstanceOf(AgentcrateError);
    expect((error as AgentcrateError).code).toBe('E_MODEL');
    expect((error as AgentcrateError).message).toMatch(/larger than 65536 bytes/);
    expect(isRetryableError(error)).toBe(false);
  };

  it('refuses a declared length over the cap before reading the body', async () => {
    let written = 0;
    let closed!: Promise<void>;
    const s = await serve((req, res) => {
      closed = new Promise((resolve) => req.socket.on('close', () => resolve()));
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(50 * 1024 * 1024) });
      res.write('{"a":"');
      written += 6;
    });
    tooLarge(await capped(s.url, { method: 'POST', body: '{}' }).catch((e: unknown) => e));
    await closed;
    expect(written).toBe(6);
  });

  it('stops reading a chunked answer as soon as it passes the cap', async () => {
    let chunks = 0;
    const s = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      const chunk = Buffer.alloc(16 * 1024, 'x');
      const pump = (): void => {
        if (req.socket.destroyed || chunks >= 3200) {
          res.end();
          return;
        }
        chunks++;
        if (res.write(chunk)) setImmediate(pump);
        else res.once('drain', pump);
      };
      pump();
    });
    tooLarge(await capped(s.url).catch((e: unknown) => e));
    // 50 MB were on offer; the client stopped after the cap (plus what was in flight).
    expect(chunks).toBeLessThan(200);
  });

  it('counts decoded bytes: a small gzip that inflates past the cap is refused', async () => {
    const bomb = zlib.gzipSync(Buffer.alloc(20 * 1024 * 1024, 0));
    expect(bomb.length).toBeLessThan(64 * 1024);
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-encoding': 'gzip', 'content-type': 'application/json' });
      res.end(bomb);
    });
    tooLarge(await capped(s.url).catch((e: unknown) => e));
  });

  it('errors a streaming answer that passes the cap', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.end(`data: ${'y'.repeat(100 * 1024)}\n\n`);
    });
    const res = await capped(s.url);
    tooLarge(await res.text().catch((e: unknown) => e));
  });
});

describe('aborts', () => {
  it('rejects at once with the reason of an already aborted signal, sending nothing', async () => {
    const s = await serve(echo);
    const reason = new Error('stop now');
    expect(await send(s.url, { signal: AbortSignal.abort(reason) }).catch((e: unknown) => e)).toBe(reason);
    const plain = await send(s.url, { signal: AbortSignal.abort() }).catch((e: unknown) => e);
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
    const pending = send(s.url, { method: 'POST', body: 'x', signal: controller.signal });
    await requestArrived;
    const reason = new Error('run cancelled');
    controller.abort(reason);
    expect(await pending.catch((e: unknown) => e)).toBe(reason);
    await closed;
  });

  it('honours the deadline while a slow answer is still arriving (the body is read under the signal)', async () => {
    const s = await serve((req, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      // One byte every 20 ms: a 50 MB answer at this pace would take weeks.
      const drip = setInterval(() => res.write(' '), 20);
      req.socket.on('close', () => clearInterval(drip));
    });
    const started = performance.now();
    const error = await send(s.url, { signal: AbortSignal.timeout(300) }).catch((e: unknown) => e);
    expect((error as DOMException).name).toBe('TimeoutError');
    expect(performance.now() - started).toBeLessThan(2000);
  });

  it('errors a streaming body with the reason', { timeout: 5000 }, async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/event-stream' });
      res.write('data: first\n\n');
    });
    const controller = new AbortController();
    const res = await send(s.url, { signal: controller.signal });
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
            const res = await send(s.url, {
              method: 'POST',
              body: `${batch}-${i}`,
              signal: controller.signal,
            });
            expect(((await res.json()) as Echoed).body).toBe(`${batch}-${i}`);
          }),
        );
      }
      const stream = await serve((_req, res) => {
        res.writeHead(200, { 'content-type': 'text/event-stream' });
        res.end('data: x\n\n');
      });
      await (await send(stream.url, { signal: controller.signal })).text();
      await new Promise((resolve) => setImmediate(resolve));
      expect(getEventListeners(controller.signal, 'abort')).toHaveLength(0);
      expect(warnings.filter((w) => w.name === 'MaxListenersExceededWarning')).toEqual([]);
    } finally {
      process.off('warning', onWarning);
    }
  });
});

describe('failures are shaped like fetch', () => {
  it('rejects a refused connection with TypeError fetch failed, retryable', async () => {
    const url = await closedPort();
    const error = (await send(url, { method: 'POST', body: '{}' }).catch((e: unknown) => e)) as TypeError;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe('fetch failed');
    expect((error.cause as NodeJS.ErrnoException).code).toBe('ECONNREFUSED');
    expect(isRetryableError(error)).toBe(true);
  });

  it('rejects a socket reset before any answer with TypeError fetch failed, retryable', async () => {
    const s = await serve((req) => req.socket.destroy());
    const error = (await send(s.url, { method: 'POST', body: '{}' }).catch((e: unknown) => e)) as TypeError;
    expect(error.message).toBe('fetch failed');
    expect(isRetryableError(error)).toBe(true);
  });

  it('rejects a truncated body with TypeError terminated, retryable', async () => {
    const s = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': '100' });
      res.write('{"cut":');
      setTimeout(() => res.destroy(), 5);
    });
    const error = (await send(s.url).catch((e: unknown) => e)) as TypeError;
    expect(error).toBeInstanceOf(TypeError);
    expect(error.message).toBe('terminated');
    expect(isRetryableError(error)).toBe(true);
  });
});

describe('process exit', () => {
  it('does not keep a process alive once its requests are done', async () => {
    const s = await serve(echo);
    const module = new URL('../../dist/models/transport.js', import.meta.url).pathname;
    const script = `
      const { createModelTransport } = await import(${JSON.stringify(module)});
      const send = createModelTransport();
      for (let i = 0; i < 3; i++) await (await send(${JSON.stringify(s.url)}, { method: 'POST', body: 'x' })).text();
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
    expect(s.connections()).toBeLessThanOrEqual(2);
  });
});
