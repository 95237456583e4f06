import { request } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import { type ServerType, serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentcrateError } from '../../src/errors.js';
import { readBodyText } from '../../src/server/body.js';

// readBodyText over a real socket: a body that has fully arrived when the handler runs is read
// in one go, one still arriving is read as it comes; both give the same text and the same limit.
let server: ServerType;
let port: number;
/** What reading the body of a request to /cut came to: its text or the error's message. */
let cut: Promise<string>;
let cutSeen!: (outcome: string) => void;

beforeAll(async () => {
  const app = new Hono();
  app.post('/echo', async (c) => {
    try {
      return c.json({ text: await readBodyText(c, 64) });
    } catch (error) {
      if (error instanceof AgentcrateError) return c.json({ code: error.code }, 413);
      throw error;
    }
  });
  app.post('/cut', async (c) => {
    cutSeen(
      await readBodyText(c, 1024).then(
        (text) => `text: ${text}`,
        (error: Error) => `error: ${error.message}`,
      ),
    );
    return c.body(null, 204);
  });
  await new Promise<void>((resolve) => {
    server = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, () => resolve());
  });
  port = (server.address() as AddressInfo).port;
});
afterAll(() => new Promise<void>((resolve) => server.close(() => resolve())));

/** Sends `parts` as a chunked body, `gapMs` apart, and returns the status and JSON answer. */
function send(parts: Buffer[], gapMs: number): Promise<{ status: number; json: Record<string, unknown> }> {
  return new Promise((resolve, reject) => {
    const req = request({ host: '127.0.0.1', port, method: 'POST', path: '/echo' }, (res) => {
      const chunks: Buffer[] = [];
      res.on('data', (c: Buffer) => chunks.push(c));
      res.on('end', () =>
        resolve({ status: res.statusCode ?? 0, json: JSON.parse(Buffer.concat(chunks).toString('utf8')) }),
      );
    });
    req.on('error', reject);
    req.flushHeaders();
    let i = 0;
    const next = () => {
      if (i === parts.length) return void req.end();
      req.write(parts[i++]);
      setTimeout(next, gapMs);
    };
    next();
  });
}

describe('readBodyText', () => {
  const text = '\uFEFF{"name":"Zoë ✓"}';
  const bytes = Buffer.from(text, 'utf8');
  const split = bytes.indexOf(0xc3) + 1; // inside the two bytes of ë

  it('reads a body that arrived whole, a leading BOM dropped', async () => {
    const res = await send([bytes], 0);
    expect(res).toEqual({ status: 200, json: { text: '{"name":"Zoë ✓"}' } });
  });

  it('reads a body still arriving when the handler runs, a character split across chunks', async () => {
    const res = await send([bytes.subarray(0, split), bytes.subarray(split)], 60);
    expect(res).toEqual({ status: 200, json: { text: '{"name":"Zoë ✓"}' } });
  });

  it('refuses an undeclared body over the limit, whether it arrived whole or in parts', async () => {
    const big = Buffer.from('x'.repeat(100));
    expect(await send([big], 0)).toEqual({ status: 413, json: { code: 'E_PAYLOAD_TOO_LARGE' } });
    expect(await send([big.subarray(0, 40), big.subarray(40)], 60)).toEqual({
      status: 413,
      json: { code: 'E_PAYLOAD_TOO_LARGE' },
    });
  });

  it('fails the read of a body the client cut off, instead of waiting for the rest', async () => {
    cut = new Promise((resolve) => {
      cutSeen = resolve;
    });
    const socket = connect(port, '127.0.0.1');
    await new Promise<void>((resolve) => socket.once('connect', () => resolve()));
    socket.write('POST /cut HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 100\r\n\r\n{"partial":');
    await new Promise((resolve) => setTimeout(resolve, 50));
    socket.destroy();
    expect(await cut).toMatch(/^error: /);
  });

  it('reads an empty body as an empty string', async () => {
    expect(await send([], 0)).toEqual({ status: 200, json: { text: '' } });
  });
});
