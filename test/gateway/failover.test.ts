/**
 * Mid-stream failover on real sockets: the first upstream cuts, stalls or corrupts a stream
 * after N chunks reached the client, and the gateway finishes the same stream from the next
 * target — one well-formed stream, no repeated or missing text — or, when tool calls or a
 * JSON answer had begun, ends it with a well-formed error event.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/gateway/serve.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { startTestGateway, streamChat } from './helpers.js';

const ANSWER = 'The quick brown fox jumps over the lazy dog, then rests by the quiet river bank.';
let a: MockLlm;
let b: MockLlm;
let gateway: RunningGateway;
let noFailover: RunningGateway;

const events = (r: Awaited<ReturnType<typeof streamChat>>) =>
  r.events.filter((e) => e !== '[DONE]') as Array<Record<string, unknown>>;
const ask = (extra: Record<string, unknown> = {}, url = gateway.url) =>
  streamChat(url, { model: 'main', messages: [{ role: 'user', content: 'tell me' }], ...extra });

beforeAll(async () => {
  [a, b] = await Promise.all([startMockLlm(), startMockLlm()]);
  const config = (midStream: boolean) => `
upstreams:
  a: {provider: openai-compatible, base_url: ${a.url}, timeouts: {idle_ms: 300}}
  b: {provider: openai-compatible, base_url: ${b.url}}
routes:
  main: {targets: [a/m1, b/m2]}
failover: {mid_stream: ${midStream}}
breaker: {failures: 100}
`;
  gateway = await startTestGateway(config(true));
  noFailover = await startTestGateway(config(false));
});
afterAll(async () => {
  await Promise.all([gateway?.close(), noFailover?.close()]);
  await Promise.all([a?.close(), b?.close()]);
});
afterEach(() => {
  a.reset();
  b.reset();
});

describe('gateway: mid-stream failover', () => {
  for (const [how, step] of [
    ['cuts the connection', { cutAfterChunks: 2 }],
    ['stalls', { stallAfterChunks: 2 }],
    ['sends a malformed chunk', { malformedAfterChunks: 2 }],
  ] as const) {
    it(`continues the answer on the next target when the upstream ${how} after 2 chunks`, async () => {
      a.enqueue({ text: ANSWER, pieces: 6, ...step });
      b.enqueue({ text: ANSWER });
      const r = await ask({ stream_options: { include_usage: true } });
      expect(r.status).toBe(200);
      // Exactly the answer: nothing repeated, nothing missing.
      expect(r.text).toBe(ANSWER);
      expect(r.events.at(-1)).toBe('[DONE]');
      expect(r.events.filter((e) => e === '[DONE]')).toHaveLength(1);
      const chunks = events(r);
      // One stream: one id, one role, one finish, one usage chunk.
      expect(new Set(chunks.map((c) => c.id)).size).toBe(1);
      const deltas = chunks.flatMap(
        (c) => (c.choices as Array<{ delta: { role?: string }; finish_reason: string | null }>) ?? [],
      );
      expect(deltas.filter((d) => d.delta.role !== undefined)).toHaveLength(1);
      expect(deltas.filter((d) => d.finish_reason !== null)).toHaveLength(1);
      expect(chunks.filter((c) => c.usage)).toHaveLength(1);
      // Marked in the stream.
      expect(r.comments.some((c) => c.includes("failover from 'a' to 'b'"))).toBe(true);
      const marker = chunks.find((c) => c.x_gateway !== undefined) as {
        x_gateway: { failover: Record<string, unknown> };
      };
      expect(marker.x_gateway.failover).toMatchObject({ from: 'a', to: 'b', after_chars: 28 });
      // b was asked to continue the partial answer as an assistant prefix.
      const continued = b.chatRequests()[0]!.body;
      expect(continued.model).toBe('m2');
      expect(continued.messages?.at(-1)).toEqual({
        role: 'assistant',
        content: ANSWER.slice(0, 28).trimEnd(),
      });
    });
  }

  it('drops a restart when the next model starts the answer over instead of continuing it', async () => {
    a.enqueue({ text: ANSWER, pieces: 6, cutAfterChunks: 3 });
    b.enqueue({ text: ANSWER, ignorePrefill: true });
    const r = await ask();
    expect(r.text).toBe(ANSWER);
  });

  it('restarts from the beginning when only the role chunk was sent', async () => {
    a.enqueue({ text: ANSWER, cutAfterChunks: 0 });
    b.enqueue({ text: ANSWER });
    const r = await ask();
    expect(r.text).toBe(ANSWER);
    expect(b.chatRequests()[0]!.body.messages?.at(-1)).toEqual({ role: 'user', content: 'tell me' });
  });

  it('ends with a well-formed error event when tool calls had begun', async () => {
    a.enqueue({
      toolCalls: [
        { name: 'lookup', args: { q: 'x' } },
        { name: 'lookup', args: { q: 'y' } },
      ],
      cutAfterChunks: 1,
    });
    b.enqueue({ text: 'never asked' });
    const r = await ask({
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
    });
    expect(r.status).toBe(200);
    const last = r.events.at(-1) as { error: { code: string; message: string } };
    expect(last.error.code).toBe('stream_interrupted');
    expect(last.error.message).toContain('tool calls had begun');
    expect(r.events).not.toContain('[DONE]');
    expect(b.chatRequests()).toHaveLength(0);
  });

  it('fails a tool-call stream over from the start when nothing of it was sent', async () => {
    a.enqueue({ toolCalls: [{ name: 'lookup', args: { q: 'x' } }], cutAfterChunks: 0 });
    b.enqueue({ toolCalls: [{ name: 'lookup', args: { q: 'x' } }] });
    const r = await ask({
      tools: [{ type: 'function', function: { name: 'lookup', parameters: { type: 'object' } } }],
    });
    const calls = events(r).flatMap(
      (c) =>
        (
          c.choices as Array<{
            delta: { tool_calls?: Array<{ function: { name?: string; arguments?: string } }> };
          }>
        )?.[0]?.delta.tool_calls ?? [],
    );
    expect(calls).toHaveLength(1);
    expect(calls[0]!.function).toEqual({ name: 'lookup', arguments: '{"q":"x"}' });
    expect(r.events.at(-1)).toBe('[DONE]');
  });

  it('ends a json_schema answer that had begun with an error event, and restarts one that had not', async () => {
    const format = {
      type: 'json_schema',
      json_schema: { name: 'x', schema: { type: 'object', properties: { a: { type: 'string' } } } },
    };
    a.enqueue({ json: { a: 'a long enough value to split' }, pieces: 4, cutAfterChunks: 2 });
    const begun = await ask({ response_format: format });
    expect((begun.events.at(-1) as { error: { code: string } }).error.code).toBe('stream_interrupted');
    expect(b.chatRequests()).toHaveLength(0);

    a.enqueue({ json: { a: 'v' }, cutAfterChunks: 0 });
    b.enqueue({ json: { a: 'v' } });
    const fresh = await ask({ response_format: format });
    expect(JSON.parse(fresh.text)).toEqual({ a: 'v' });
  });

  it('falls back before the first byte like a plain request (no failover mark)', async () => {
    a.enqueue({ status: 503 });
    a.enqueue({ status: 503 });
    b.enqueue({ text: ANSWER });
    const r = await ask();
    expect(r.text).toBe(ANSWER);
    expect(r.comments).toEqual([]);
  });

  it('answers an HTTP error, not a stream, when every target fails before the first byte', async () => {
    a.script([{ status: 500 }, { status: 500 }]);
    b.script([{ status: 500 }, { status: 500 }]);
    const r = await ask();
    expect(r.status).toBe(502);
    expect(r.headers.get('content-type')).toContain('application/json');
  });

  it('with mid_stream failover off, ends a broken stream with an error event', async () => {
    a.enqueue({ text: ANSWER, pieces: 6, cutAfterChunks: 2 });
    const r = await ask({}, noFailover.url);
    expect((r.events.at(-1) as { error: { code: string } }).error.code).toBe('stream_interrupted');
    expect(b.chatRequests()).toHaveLength(0);
  });

  it('closes the stream properly when the upstream breaks after its finish chunk', async () => {
    // 6 pieces + finish = 7 chunks after the role chunk; cut before usage and [DONE].
    a.enqueue({ text: ANSWER, pieces: 6, cutAfterChunks: 7 });
    const r = await ask();
    expect(r.text).toBe(ANSWER);
    expect(r.events.at(-1)).toBe('[DONE]');
    expect(b.chatRequests()).toHaveLength(0);
  });

  it('stops the upstream when the client leaves mid-stream, and counts it as 499', async () => {
    a.enqueue({ text: ANSWER, pieces: 6, stallAfterChunks: 2 });
    const controller = new AbortController();
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'main', stream: true, messages: [{ role: 'user', content: 'hi' }] }),
      signal: controller.signal,
    });
    const reader = response.body!.getReader();
    await reader.read();
    controller.abort();
    const deadline = Date.now() + 3000;
    let metrics = '';
    while (Date.now() < deadline) {
      metrics = await (await fetch(`${gateway.url}/metrics`)).text();
      if (metrics.includes('status="499"')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(metrics).toMatch(/agentcrate_gateway_requests_total\{route="main",status="499"\} 1/);
    expect(metrics).toMatch(/agentcrate_gateway_attempts_total\{upstream="a",outcome="client-gone"\} 1/);
    // The stream was not failed over: nobody was there to read it.
    expect(b.chatRequests()).toHaveLength(0);
  });
});
