import { afterEach, describe, expect, it } from 'vitest';
import { AgentcrateError } from '../../src/errors.js';
import { createToolRegistry } from '../../src/tools/index.js';
import { loopbackServer, makeCtx } from './helpers.js';

const tools = createToolRegistry();
/** The web tools' tests talk to loopback servers, which the outbound guard opens only when listed. */
const LOCAL = { allowed_hosts: ['127.0.0.1'] };
const local = (config: Record<string, unknown> = {}) => makeCtx({ config: { ...LOCAL, ...config } });
const run = (name: string, args: unknown, ctx = local()) => tools.get(name)!.run(args, ctx);
const servers: Array<{ close: () => Promise<void> }> = [];
afterEach(async () => {
  while (servers.length > 0) await servers.pop()!.close();
});

async function serve(handler: Parameters<typeof loopbackServer>[0]) {
  const server = await loopbackServer(handler);
  servers.push(server);
  return server;
}

function json(res: import('node:http').ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(body));
}

describe('serper_search', () => {
  it('posts the query with the X-API-KEY header and returns compact results', async () => {
    const server = await serve((_req, res) =>
      json(res, 200, {
        answerBox: { answer: '42' },
        organic: Array.from({ length: 8 }, (_, i) => ({
          title: `T${i}`,
          link: `https://example.com/${i}`,
          snippet: `  snippet\n ${i} `,
          position: i,
          sitelinks: [{ title: 'x' }],
        })),
      }),
    );
    const result = (await run(
      'serper_search',
      { query: 'tidal energy', num_results: 3 },
      makeCtx({ env: { SERPER_API_KEY: 'serper-secret', SERPER_BASE_URL: server.url } }),
    )) as { results: unknown[]; answer: string; provider: string };
    const request = server.requests[0]!;
    expect(request.method).toBe('POST');
    expect(request.url).toBe('/search');
    expect(request.headers['x-api-key']).toBe('serper-secret');
    expect(JSON.parse(request.body)).toEqual({ q: 'tidal energy', num: 3 });
    expect(result.provider).toBe('serper');
    expect(result.answer).toBe('42');
    expect(result.results).toEqual([
      { title: 'T0', link: 'https://example.com/0', snippet: 'snippet 0' },
      { title: 'T1', link: 'https://example.com/1', snippet: 'snippet 1' },
      { title: 'T2', link: 'https://example.com/2', snippet: 'snippet 2' },
    ]);
  });

  it('turns an HTTP error into E_TOOL with the status and never the key', async () => {
    const server = await serve((_req, res) =>
      json(res, 403, { message: 'bad key serper-secret', seen: 'postgres://app:db-password@db/x' }),
    );
    const error = (await run(
      'serper_search',
      { query: 'x' },
      makeCtx({ env: { SERPER_API_KEY: 'serper-secret', SERPER_BASE_URL: server.url } }),
    ).catch((e: unknown) => e)) as AgentcrateError;
    expect(error).toBeInstanceOf(AgentcrateError);
    expect(error.code).toBe('E_TOOL');
    expect(error.message).toContain('403');
    // The one redactor's mark, and what else it hides (a URL password the service echoed).
    expect(error.message).toContain('bad key [REDACTED]');
    expect(error.message).toContain('postgres://app:[REDACTED]@db/x');
    expect(JSON.stringify(error.toJSON())).not.toContain('serper-secret');
  });

  it('fails clearly without a key', async () => {
    const error = (await run('serper_search', { query: 'x' }).catch((e: unknown) => e)) as AgentcrateError;
    expect(error.code).toBe('E_MISSING_CREDENTIALS');
    expect(error.message).toContain('SERPER_API_KEY');
  });
});

describe('web_search', () => {
  it('uses Tavily with a Bearer token when only TAVILY_API_KEY is set', async () => {
    const server = await serve((_req, res) =>
      json(res, 200, {
        answer: 'Tides.',
        results: [{ title: 'Tidal', url: 'https://t.example', content: 'About tides', score: 0.9 }],
      }),
    );
    const result = (await run(
      'web_search',
      { query: 'tides' },
      makeCtx({ env: { TAVILY_API_KEY: 'tvly-secret', TAVILY_BASE_URL: `${server.url}/` } }),
    )) as { provider: string; results: unknown[]; answer: string };
    const request = server.requests[0]!;
    expect(request.url).toBe('/search');
    expect(request.headers.authorization).toBe('Bearer tvly-secret');
    expect(JSON.parse(request.body)).toMatchObject({ query: 'tides', max_results: 5 });
    expect(result).toEqual({
      query: 'tides',
      provider: 'tavily',
      answer: 'Tides.',
      results: [{ title: 'Tidal', link: 'https://t.example', snippet: 'About tides' }],
    });
  });

  it('prefers Serper when both keys are set, and obeys config.provider', async () => {
    const serper = await serve((_req, res) => json(res, 200, { organic: [] }));
    const tavily = await serve((_req, res) => json(res, 200, { results: [] }));
    const env = {
      SERPER_API_KEY: 's',
      TAVILY_API_KEY: 't',
      SERPER_BASE_URL: serper.url,
      TAVILY_BASE_URL: tavily.url,
    };
    expect(await run('web_search', { query: 'q' }, makeCtx({ env }))).toMatchObject({ provider: 'serper' });
    expect(
      await run('web_search', { query: 'q' }, makeCtx({ env, config: { provider: 'tavily' } })),
    ).toMatchObject({
      provider: 'tavily',
    });
    expect(serper.requests).toHaveLength(1);
    expect(tavily.requests).toHaveLength(1);
  });

  it('caps the result count at the tool config max', async () => {
    const server = await serve((_req, res) => json(res, 200, { organic: [] }));
    await run(
      'web_search',
      { query: 'q', num_results: 10 },
      makeCtx({ env: { SERPER_API_KEY: 's', SERPER_BASE_URL: server.url }, config: { max_results: 4 } }),
    );
    expect(JSON.parse(server.requests[0]!.body).num).toBe(4);
  });

  it('names both variables when neither key is set', async () => {
    const error = (await run('web_search', { query: 'x' }).catch((e: unknown) => e)) as AgentcrateError;
    expect(error.message).toContain('SERPER_API_KEY or TAVILY_API_KEY');
  });
});

describe('web_scrape', () => {
  it('returns readable text without scripts, styles or tags', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/html; charset=utf-8' });
      res.end(`<!doctype html><html><head><title>Tide &amp; Time</title><style>body{color:red}</style>
        <script>var secret = "do not show";</script></head>
        <body><h1>Tidal power</h1><p>Moon&#39;s pull &mdash; twice a day.</p><!-- hidden comment -->
        <ul><li>One</li><li>Two</li></ul><noscript>enable js</noscript></body></html>`);
    });
    const result = (await run('web_scrape', { url: `${server.url}/page` })) as {
      title: string;
      content: string;
      status: number;
    };
    expect(result.status).toBe(200);
    expect(result.title).toBe('Tide & Time');
    expect(result.content).toContain('Tidal power');
    expect(result.content).toContain("Moon's pull — twice a day.");
    expect(result.content).toMatch(/One\s*\n\s*Two/);
    for (const hidden of ['do not show', 'color:red', 'hidden comment', 'enable js', '<p>']) {
      expect(result.content).not.toContain(hidden);
    }
  });

  it('caps the text size', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'text/plain' });
      res.end('word '.repeat(20_000));
    });
    const result = (await run('web_scrape', { url: server.url }, local({ max_chars: 500 }))) as {
      content: string;
      truncated: boolean;
    };
    expect(result.truncated).toBe(true);
    expect(result.content.length).toBeLessThan(600);
  });

  it('refuses non-http URLs and reports HTTP errors and timeouts', async () => {
    const fileUrl = (await run('web_scrape', { url: 'file:///etc/passwd' }).catch(
      (e: unknown) => e,
    )) as AgentcrateError;
    expect(fileUrl.code).toBe('E_TOOL_DENIED');
    const meta = (await run('web_scrape', { url: 'http://169.254.169.254/latest' }, makeCtx()).catch(
      (e: unknown) => e,
    )) as AgentcrateError;
    expect(meta.code).toBe('E_TOOL_DENIED');
    const server = await serve((req, res) => {
      if (req.url === '/slow') return; // never answers
      res.writeHead(404);
      res.end('nope');
    });
    const notFound = (await run('web_scrape', { url: `${server.url}/missing` }).catch(
      (e: unknown) => e,
    )) as AgentcrateError;
    expect(notFound.code).toBe('E_TOOL');
    expect(notFound.message).toContain('404');
    const slow = (await run(
      'web_scrape',
      { url: `${server.url}/slow` },
      local({ timeout_seconds: 0.3 }),
    ).catch((e: unknown) => e)) as AgentcrateError;
    expect(slow.code).toBe('E_TOOL');
    expect(slow.message).toMatch(/did not answer within 0.3s/);
  });

  it('refuses binary content', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, { 'content-type': 'image/png' });
      res.end(Buffer.from([0x89, 0x50, 0x4e, 0x47]));
    });
    const error = (await run('web_scrape', { url: server.url }).catch((e: unknown) => e)) as AgentcrateError;
    expect(error.message).toContain('image/png');
  });
});

describe('http_client', () => {
  it('GETs by default and returns status, selected headers and body', async () => {
    const server = await serve((_req, res) => {
      res.writeHead(200, {
        'content-type': 'text/plain',
        'content-length': '4',
        'x-internal': 'hidden',
        etag: '"v1"',
      });
      res.end('pong');
    });
    const result = await run('http_get', { url: `${server.url}/ping?x=1`, headers: { 'X-Trace': 'abc' } });
    expect(result).toEqual({
      status: 200,
      ok: true,
      headers: {
        'content-type': 'text/plain',
        'content-length': '4',
        etag: '"v1"',
        date: expect.any(String),
      },
      body: 'pong',
      truncated: false,
    });
    expect(server.requests[0]).toMatchObject({ method: 'GET', url: '/ping?x=1' });
    expect(server.requests[0]!.headers['x-trace']).toBe('abc');
  });

  it('sends an object body as JSON with POST, and config headers', async () => {
    const server = await serve((req, res) => json(res, 201, { got: JSON.parse(req.body) }));
    const result = (await run(
      'http_post',
      { url: server.url, body: { a: 1 } },
      local({ headers: { Authorization: 'Bearer internal' } }),
    )) as { status: number; body: string };
    expect(result.status).toBe(201);
    expect(JSON.parse(result.body)).toEqual({ got: { a: 1 } });
    expect(server.requests[0]!.method).toBe('POST');
    expect(server.requests[0]!.headers['content-type']).toBe('application/json');
    expect(server.requests[0]!.headers.authorization).toBe('Bearer internal');
  });

  it('returns non-2xx answers as results and supports other methods', async () => {
    const server = await serve((req, res) => {
      res.writeHead(req.method === 'DELETE' ? 404 : 200);
      res.end(req.method);
    });
    const result = (await run('http_client', { url: server.url, method: 'DELETE' })) as {
      status: number;
      ok: boolean;
    };
    expect(result).toMatchObject({ status: 404, ok: false, body: 'DELETE' });
    expect(await run('http_client', { url: server.url, method: 'PUT', body: 'raw text' })).toMatchObject({
      body: 'PUT',
    });
    expect(server.requests[1]!.body).toBe('raw text');
  });

  it('caps the body and reports a refused connection', async () => {
    const server = await serve((_req, res) => res.end('z'.repeat(10_000)));
    const capped = (await run('http_client', { url: server.url }, local({ max_chars: 100 }))) as {
      body: string;
      truncated: boolean;
    };
    expect(capped.truncated).toBe(true);
    expect(capped.body.startsWith('z'.repeat(100))).toBe(true);
    const url = server.url;
    await servers.pop()!.close();
    const error = (await run('http_client', { url }).catch((e: unknown) => e)) as AgentcrateError;
    expect(error.code).toBe('E_TOOL');
    expect(error.message).toContain('failed');
  });
});
