/**
 * The guarded client over real loopback sockets. Nothing here sends a packet beyond
 * 127.0.0.1: blocked addresses are refused before connecting, and names get their answers
 * from an injected resolver.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { createOutboundClient, type OutboundClient } from '../../src/net/fetch.js';
import { blockedCause, type HostLookup, type OutboundPolicy } from '../../src/net/index.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

const closers: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (closers.length > 0) await closers.pop()!();
});

async function listen(handler: (req: Seen, res: ServerResponse) => void) {
  const seen: Seen[] = [];
  const server = createServer((req, res) => {
    let body = '';
    req.on('data', (c: Buffer) => {
      body += c.toString();
    });
    req.on('end', () => {
      const entry = { method: req.method ?? '', url: req.url ?? '', headers: req.headers, body };
      seen.push(entry);
      handler(entry, res);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  closers.push(
    () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  );
  return { port: (server.address() as AddressInfo).port, seen };
}

function client(policy: OutboundPolicy = {}): OutboundClient {
  const c = createOutboundClient(policy);
  closers.push(() => c.close());
  return c;
}

/** A resolver with fixed answers that records every name it was asked for. */
function resolver(answers: Record<string, string[]>): HostLookup & { asked: string[] } {
  const asked: string[] = [];
  const lookup = async (hostname: string) => {
    asked.push(hostname);
    const list = answers[hostname];
    if (!list) throw Object.assign(new Error(`getaddrinfo ENOTFOUND ${hostname}`), { code: 'ENOTFOUND' });
    return list.map((address) => ({ address, family: address.includes(':') ? 6 : 4 }));
  };
  return Object.assign(lookup, { asked });
}

async function refusal(promise: Promise<unknown>): Promise<string> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, 'the request should have been refused').toBeInstanceOf(Error);
  const blocked = blockedCause(error);
  expect(blocked, `not refused by the guard: ${String((error as Error).cause ?? error)}`).toBeDefined();
  return blocked!.message;
}

describe('the guarded client refuses before connecting', () => {
  it('loopback by address, in IPv4, IPv6 and IPv4-mapped forms', async () => {
    const { port, seen } = await listen((_q, res) => res.end('secret'));
    const c = client();
    expect(await refusal(c.fetch(`http://127.0.0.1:${port}/`))).toMatch(/loopback address/);
    expect(await refusal(c.fetch(`http://[::ffff:127.0.0.1]:${port}/`))).toMatch(
      /loopback address \(IPv4-mapped 127\.0\.0\.1\)/,
    );
    expect(await refusal(c.fetch(`http://[::1]:${port}/`))).toMatch(/loopback/);
    expect(await refusal(c.fetch(`http://2130706433:${port}/`))).toMatch(/loopback/); // 127.0.0.1 as one number
    expect(seen).toHaveLength(0);
  });

  it('cloud metadata: IPv4-mapped, the ECS address, the trailing-dot name (never looked up)', async () => {
    const lookup = resolver({});
    const c = client({ lookup, allowPrivateNetwork: true });
    expect(await refusal(c.fetch('http://[::ffff:169.254.169.254]/latest/meta-data/'))).toMatch(
      /cloud metadata address \(IPv4-mapped 169\.254\.169\.254\)/,
    );
    expect(await refusal(c.fetch('http://169.254.170.2/v2/credentials'))).toMatch(/cloud metadata/);
    expect(await refusal(c.fetch('http://metadata.google.internal./computeMetadata/v1/'))).toMatch(
      /cloud metadata host/,
    );
    expect(await refusal(c.fetch('http://[fd00:ec2::254]/'))).toMatch(/cloud metadata/);
    expect(lookup.asked).toEqual([]);
  });

  it('link-local, NAT64, 6to4 and Teredo embeddings of blocked addresses', async () => {
    const c = client();
    expect(await refusal(c.fetch('http://[fe80::1]/'))).toMatch(/link-local/);
    expect(await refusal(c.fetch('http://[64:ff9b::a9fe:a9fe]/'))).toMatch(/NAT64 169\.254\.169\.254/);
    expect(await refusal(c.fetch('http://[2002:7f00:1::1]/'))).toMatch(/6to4 127\.0\.0\.1/);
    expect(await refusal(c.fetch('http://[2001:0:4136:e378:8000:63bf:80ff:fffe]/'))).toMatch(
      /Teredo 127\.0\.0\.1/,
    );
    expect(await refusal(c.fetch('http://10.0.0.1/'))).toMatch(/private/);
    expect(await refusal(c.fetch('http://100.64.0.1/'))).toMatch(/carrier-grade NAT/);
    expect(await refusal(c.fetch('http://0.0.0.0/'))).toMatch(/'0\.0\.0\.0' is an unspecified address/);
  });

  it('a name that resolves to a private or loopback address (checked on the resolved address)', async () => {
    const { port, seen } = await listen((_q, res) => res.end('internal'));
    const lookup = resolver({
      'wild.127.0.0.1.nip.test': ['127.0.0.1'],
      'intranet.test': ['10.20.30.40'],
      'mixed.test': ['93.184.216.34', '127.0.0.1'],
    });
    const c = client({ lookup });
    expect(await refusal(c.fetch(`http://wild.127.0.0.1.nip.test:${port}/`))).toMatch(
      /'wild\.127\.0\.0\.1\.nip\.test' \(127\.0\.0\.1\) is a loopback address/,
    );
    expect(await refusal(c.fetch('http://intranet.test/'))).toMatch(
      /\(10\.20\.30\.40\) is a private address/,
    );
    // One blocked address in an answer refuses the name (no attempt on the public one either).
    expect(await refusal(c.fetch(`http://mixed.test:${port}/`))).toMatch(/127\.0\.0\.1/);
    expect(lookup.asked).toEqual(['wild.127.0.0.1.nip.test', 'intranet.test', 'mixed.test']);
    expect(seen).toHaveLength(0);
  });

  it('checks every new connection, so a name that re-resolves to a blocked address is refused (DNS rebinding)', async () => {
    const { port, seen } = await listen((_q, res) => {
      res.setHeader('connection', 'close'); // the next request needs a new connection
      res.end('ok');
    });
    let answer = '127.0.0.1';
    const lookup: HostLookup = async () => [{ address: answer, family: 4 }];
    // Only 127.0.0.1 itself is opened; 127.0.0.2 is loopback too, but not listed.
    const c = client({ lookup, allowedHosts: ['127.0.0.1'] });
    const first = await c.fetch(`http://rebind.test:${port}/one`);
    expect(await first.text()).toBe('ok');
    answer = '127.0.0.2';
    expect(await refusal(c.fetch(`http://rebind.test:${port}/two`))).toMatch(
      /\(127\.0\.0\.2\) is a loopback/,
    );
    expect(seen.map((s) => s.url)).toEqual(['/one']);
  });

  it('re-checks every redirect hop: a redirect from an allowed loopback port to another is refused', async () => {
    const target = await listen((_q, res) => res.end('the other service'));
    const first = await listen((_q, res) => {
      res.writeHead(302, { location: `http://127.0.0.1:${target.port}/admin` });
      res.end();
    });
    // `localhost` is opened by name; the hop names 127.0.0.1, which is not listed.
    const c = client({ allowedHosts: ['localhost'], lookup: resolver({ localhost: ['127.0.0.1'] }) });
    expect(await refusal(c.fetch(`http://localhost:${first.port}/`))).toMatch(/'127\.0\.0\.1' is a loopback/);
    expect(first.seen).toHaveLength(1);
    expect(target.seen).toHaveLength(0);
  });

  it('refuses a redirect to a metadata address or a non-http scheme', async () => {
    const hop = await listen((q, res) => {
      res.writeHead(307, { location: q.url === '/meta' ? 'http://169.254.169.254/' : 'file:///etc/passwd' });
      res.end();
    });
    const c = client({ allowedHosts: ['127.0.0.1'] });
    expect(await refusal(c.fetch(`http://127.0.0.1:${hop.port}/meta`))).toMatch(/cloud metadata/);
    const error = (await c.fetch(`http://127.0.0.1:${hop.port}/file`).catch((e: unknown) => e)) as Error;
    expect(String((error.cause as Error).message)).toMatch(
      /only http and https URLs are fetched, not 'file'/,
    );
  });
});

describe('what the guard lets through, on purpose', () => {
  it('allowed_hosts by address, by name and by range; --allow-private-network', async () => {
    const { port, seen } = await listen((q, res) => res.end(`hello ${q.headers.host}`));
    const lookup = resolver({ 'svc.internal': ['127.0.0.1'], localhost: ['127.0.0.1'] });
    expect(
      await (await client({ allowedHosts: ['127.0.0.1'] }).fetch(`http://127.0.0.1:${port}/`)).text(),
    ).toBe(`hello 127.0.0.1:${port}`);
    expect(
      await (
        await client({ allowedHosts: ['svc.internal'], lookup }).fetch(`http://svc.internal:${port}/`)
      ).text(),
    ).toBe(`hello svc.internal:${port}`);
    expect(
      await (
        await client({ allowedHosts: ['127.0.0.0/8'], lookup }).fetch(`http://localhost:${port}/`)
      ).text(),
    ).toBe(`hello localhost:${port}`);
    expect(
      await (await client({ allowPrivateNetwork: true, lookup }).fetch(`http://localhost:${port}/`)).text(),
    ).toBe(`hello localhost:${port}`);
    expect(seen).toHaveLength(4);
  });

  it('follows redirects itself: 303 turns POST into GET, credentials are dropped across origins, hops are capped', async () => {
    const other = await listen((q, res) => res.end(`${q.method} auth=${q.headers.authorization ?? '-'}`));
    let loops = 0;
    const first = await listen((q, res) => {
      if (q.url === '/loop') {
        loops++;
        res.writeHead(302, { location: '/loop' });
        return res.end();
      }
      if (q.url === '/same') {
        res.writeHead(307, { location: '/echo' });
        return res.end();
      }
      if (q.url === '/echo') return res.end(`${q.method} ${q.body} auth=${q.headers.authorization ?? '-'}`);
      res.writeHead(303, { location: `http://localhost:${other.port}/done` });
      res.end();
    });
    const c = client({
      allowedHosts: ['127.0.0.1', 'localhost'],
      lookup: resolver({ localhost: ['127.0.0.1'] }),
      maxRedirects: 3,
    });
    const crossed = await c.fetch(`http://127.0.0.1:${first.port}/start`, {
      method: 'POST',
      body: 'payload',
      headers: { authorization: 'Bearer t', 'content-type': 'text/plain' },
    });
    expect(await crossed.text()).toBe('GET auth=-');
    expect(crossed.url).toBe(`http://localhost:${other.port}/done`);
    // 307 within the origin keeps the method, the body and the credentials.
    const kept = await c.fetch(`http://127.0.0.1:${first.port}/same`, {
      method: 'PUT',
      body: 'again',
      headers: { authorization: 'Bearer t' },
    });
    expect(await kept.text()).toBe('PUT again auth=Bearer t');
    const error = (await c.fetch(`http://127.0.0.1:${first.port}/loop`).catch((e: unknown) => e)) as Error;
    expect((error.cause as Error).message).toMatch(/more than 3 redirects/);
    expect(loops).toBe(4);
    // redirect: 'manual' hands the 3xx back untouched.
    const manual = await c.fetch(`http://127.0.0.1:${first.port}/loop`, { redirect: 'manual' });
    expect(manual.status).toBe(302);
    expect(manual.headers.get('location')).toBe('/loop');
  });
});
