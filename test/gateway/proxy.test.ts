/** The gateway on a real socket in front of the scripted OpenAI-compatible mock: plain and streaming answers, models, passthrough. */
import { request } from 'node:http';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/gateway/serve.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { chat, localUpstreamYaml, startTestGateway, streamChat } from './helpers.js';

let mock: MockLlm;
let gateway: RunningGateway;

beforeAll(async () => {
  mock = await startMockLlm({ models: ['mock-model'] });
  gateway = await startTestGateway(localUpstreamYaml(mock.url), { flags: { bodyLimitBytes: 1024 } });
});
afterAll(async () => {
  await gateway?.close();
  await mock?.close();
});
afterEach(() => mock.reset());

describe('gateway: OpenAI-compatible front door over a proxied upstream', () => {
  it('answers a plain request through an alias, with the upstream model and the usage', async () => {
    mock.enqueue({ text: 'hello there' });
    const r = await chat(gateway.url, { model: 'fast', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(200);
    expect((r.json.choices as Array<{ message: { content: string } }>)[0]?.message.content).toBe(
      'hello there',
    );
    expect(r.json.usage).toMatchObject({ completion_tokens: expect.any(Number) });
    expect(r.headers.get('x-request-id')).toMatch(/.+/);
    expect(r.headers.get('x-gateway-upstream')).toBe('local');
    const sent = mock.chatRequests()[0]!;
    expect(sent.body.model).toBe('mock-model');
    // The client's key never goes upstream.
    expect(sent.headers.authorization).toBeUndefined();
  });

  it('streams with the upstream chunks as sent and one usage chunk when asked', async () => {
    mock.enqueue({ text: 'one two three four' });
    const r = await streamChat(gateway.url, {
      model: 'fast',
      messages: [{ role: 'user', content: 'hi' }],
      stream_options: { include_usage: true },
    });
    expect(r.status).toBe(200);
    expect(r.headers.get('content-type')).toContain('text/event-stream');
    expect(r.text).toBe('one two three four');
    expect(r.events.at(-1)).toBe('[DONE]');
    const usage = r.events.filter((e) => e !== '[DONE]' && e.usage);
    expect(usage).toHaveLength(1);
    // Usage is always asked of the upstream (for limits), whatever the client asked.
    expect(mock.chatRequests()[0]!.body.stream_options).toEqual({ include_usage: true });
  });

  it('leaves the usage chunk out when the client did not ask for it', async () => {
    mock.enqueue({ text: 'abc' });
    const r = await streamChat(gateway.url, { model: 'fast', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.text).toBe('abc');
    expect(r.events.filter((e) => e !== '[DONE]' && e.usage)).toHaveLength(0);
  });

  it('reaches an upstream as upstream/model and a listed model by its name', async () => {
    mock.script([{ text: 'a' }, { text: 'b' }]);
    expect(
      (await chat(gateway.url, { model: 'local/other', messages: [{ role: 'user', content: 'x' }] })).status,
    ).toBe(200);
    expect(
      (await chat(gateway.url, { model: 'mock-model', messages: [{ role: 'user', content: 'x' }] })).status,
    ).toBe(200);
    expect(mock.chatRequests().map((r) => r.body.model)).toEqual(['other', 'mock-model']);
  });

  it('lists aliases and models at /v1/models', async () => {
    const response = await fetch(`${gateway.url}/v1/models`);
    const body = (await response.json()) as { data: Array<{ id: string }> };
    expect(body.data.map((m) => m.id)).toEqual(['fast', 'mock-model']);
  });

  it('answers an unknown model with 404 naming the known ones', async () => {
    const r = await chat(gateway.url, { model: 'nope', messages: [{ role: 'user', content: 'x' }] });
    expect(r.status).toBe(404);
    expect(r.json.error).toMatchObject({ code: 'model_not_found' });
    expect(String((r.json.error as { message: string }).message)).toContain('fast');
  });

  it('passes an upstream 400 back as it was, without retrying or falling back', async () => {
    mock.enqueue({
      status: 400,
      body: { error: { message: 'bad temperature', type: 'invalid_request_error' } },
    });
    const r = await chat(gateway.url, { model: 'fast', messages: [{ role: 'user', content: 'x' }] });
    expect(r.status).toBe(400);
    expect(r.json).toEqual({ error: { message: 'bad temperature', type: 'invalid_request_error' } });
    expect(mock.chatRequests()).toHaveLength(1);
  });

  it('refuses bodies that are not chat requests with 400 and what is wrong', async () => {
    const r = await chat(gateway.url, { model: 'fast' });
    expect(r.status).toBe(400);
    expect((r.json.error as { message: string }).message).toContain('messages');
    const bad = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: '{nope',
    });
    expect(bad.status).toBe(400);
    expect(((await bad.json()) as { error: { code: string } }).error.code).toBe('invalid_json');
  });

  it('guards Host, Origin and content type like every agentcrate server', async () => {
    const post = (headers: Record<string, string>) =>
      fetch(`${gateway.url}/v1/chat/completions`, {
        method: 'POST',
        headers,
        body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'x' }] }),
      });
    const text = await post({ 'content-type': 'text/plain' });
    expect(text.status).toBe(415);
    expect(((await text.json()) as { error: { type: string } }).error.type).toBe('invalid_request_error');
    expect((await post({ 'content-type': 'application/json', origin: 'https://evil.example' })).status).toBe(
      403,
    );
    // fetch will not send another Host: node:http does (a DNS-rebinding page's request).
    const withHost = (path: string, host: string) =>
      new Promise<{ status: number; body: string }>((resolve, reject) => {
        const req = request(`${gateway.url}${path}`, { method: 'GET', headers: { host } }, (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        });
        req.on('error', reject);
        req.end();
      });
    const refused = await withHost('/v1/models', 'attacker.example');
    expect(refused.status).toBe(403);
    // The refusal names the gateway's own way in, not the workflow server's.
    expect(JSON.parse(refused.body).error.message).toContain('GATEWAY_ALLOWED_HOSTS');
    // Probes answer whatever the Host.
    expect((await withHost('/health', 'model-gateway:8585')).status).toBe(200);
  });

  it("answers chat on the server's node:http path with the same guard, paths and limits", async () => {
    const send = (path: string, headers: Record<string, string>, body: string) =>
      new Promise<{ status: number; headers: Record<string, unknown>; body: string }>((resolve, reject) => {
        const req = request(`${gateway.url}${path}`, { method: 'POST', headers }, (res) => {
          let text = '';
          res.on('data', (d) => (text += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body: text }));
        });
        req.on('error', reject);
        req.end(body);
      });
    const json = { 'content-type': 'application/json' };
    const ask = JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'x' }] });
    // A DNS-rebinding page's chat request: refused in the gateway's error format, with an id.
    const rebinding = await send('/v1/chat/completions', { ...json, host: 'attacker.example' }, ask);
    expect(rebinding.status).toBe(403);
    expect(JSON.parse(rebinding.body).error).toMatchObject({ type: 'permission_error', code: 'forbidden' });
    expect(rebinding.headers['x-request-id']).toEqual(expect.any(String));
    expect(mock.chatRequests()).toHaveLength(0);
    // The short path and a query string reach the same route; the client's request id comes back.
    mock.script([{ text: 'one' }, { text: 'two' }]);
    const short = await send('/chat/completions?trace=1', { ...json, 'x-request-id': 'req-1' }, ask);
    expect(short.status, short.body).toBe(200);
    expect(short.headers['x-request-id']).toBe('req-1');
    expect(short.headers['content-length']).toBe(String(Buffer.byteLength(short.body)));
    expect(JSON.parse(short.body).choices[0].message.content).toBe('one');
    expect((await send('/v1/chat/completions?x', json, ask)).status).toBe(200);
    // Over the body limit, declared or not: 413 before any upstream is asked.
    const big = JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'y'.repeat(2048) }] });
    const declared = await send('/v1/chat/completions', json, big);
    expect(declared.status).toBe(413);
    expect(JSON.parse(declared.body).error.code).toBe('request_too_large');
    const chunked = await send('/v1/chat/completions', { ...json, 'transfer-encoding': 'chunked' }, big);
    expect(chunked.status).toBe(413);
    expect(mock.chatRequests()).toHaveLength(2);
    // Another method on the chat path is Hono's: 404 in the same error format.
    const get = await fetch(`${gateway.url}/v1/chat/completions`);
    expect(get.status).toBe(404);
    expect(((await get.json()) as { error: { code: string } }).error.code).toBe('not_found');
  });
});
