/**
 * A plain (non-streaming) attempt on undici's dispatcher with the attempt's cancellation: what
 * it must keep from the response-stream path it replaced — a client that leaves stops the
 * upstream call (499), an error page is kept only in part, the usage and accounting of a
 * request are there for the next request — and the cancellation itself.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { Canceller } from '../../src/gateway/routing/attempt.js';
import type { RunningGateway } from '../../src/gateway/serve.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { chat, localUpstreamYaml, startTestGateway } from './helpers.js';

let mock: MockLlm;
let gateway: RunningGateway;

beforeAll(async () => {
  mock = await startMockLlm({ models: ['mock-model'] });
  gateway = await startTestGateway(localUpstreamYaml(mock.url));
});
afterAll(async () => {
  await gateway?.close();
  await mock?.close();
});
afterEach(() => mock.reset());

const metricsText = async (): Promise<string> => (await fetch(`${gateway.url}/metrics`)).text();

describe('gateway: a plain attempt', () => {
  it('is called off when the client leaves while the upstream is slow, counted as 499', async () => {
    mock.enqueue({ text: 'late', delayMs: 5000 });
    const controller = new AbortController();
    const started = Date.now();
    const pending = fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
      signal: controller.signal,
    }).catch(() => undefined);
    while (mock.chatRequests().length === 0) await new Promise((r) => setTimeout(r, 10));
    controller.abort();
    await pending;
    let metrics = '';
    while (Date.now() - started < 4000) {
      metrics = await metricsText();
      if (metrics.includes('status="499"')) break;
      await new Promise((r) => setTimeout(r, 20));
    }
    expect(metrics).toContain('status="499"');
    expect(Date.now() - started).toBeLessThan(4000);
  });

  it('keeps at most 64 KB of an upstream error page', async () => {
    const page = `{"error":{"message":"${'x'.repeat(200 * 1024)}"}}`;
    mock.enqueue({ status: 400, body: page });
    const response = await fetch(`${gateway.url}/v1/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'x' }] }),
    });
    const text = await response.text();
    expect(response.status).toBe(400);
    expect(text.startsWith('{"error":{"message":"xxx')).toBe(true);
    expect(text.length).toBeLessThanOrEqual(64 * 1024);
    expect(text.length).toBeGreaterThan(32 * 1024);
    expect(mock.chatRequests()).toHaveLength(1);
  });

  it('has its tokens in /metrics when the client reads the answer (accounting after the write)', async () => {
    const before = await metricsText();
    const count = (text: string): number =>
      Number(/gateway_requests_total\{[^}]*status="200"[^}]*\} (\d+)/.exec(text)?.[1] ?? 0);
    const r = await chat(gateway.url, { model: 'fast', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(200);
    expect(count(await metricsText())).toBe(count(before) + 1);
  });
});

describe('Canceller', () => {
  it('calls each listener once with the reason, and not one that unsubscribed', () => {
    const cancel = new Canceller();
    const seen: unknown[] = [];
    cancel.onAbort((reason) => seen.push(['a', reason]));
    const off = cancel.onAbort((reason) => seen.push(['b', reason]));
    off();
    const reason = new Error('why');
    cancel.abort(reason);
    cancel.abort(new Error('again'));
    expect(seen).toEqual([['a', reason]]);
    expect(cancel.aborted).toBe(true);
    expect(cancel.reason).toBe(reason);
    // Subscribing after the fact is told at once.
    cancel.onAbort((r) => seen.push(['late', r]));
    expect(seen.at(-1)).toEqual(['late', reason]);
  });

  it('makes its web signal only when asked, following it before and after the abort', () => {
    const early = new Canceller();
    const signal = early.signal;
    expect(signal.aborted).toBe(false);
    early.abort(new Error('first'));
    expect(signal.aborted).toBe(true);
    expect((signal.reason as Error).message).toBe('first');
    const late = new Canceller();
    late.abort(new Error('second'));
    expect(late.signal.aborted).toBe(true);
    expect((late.signal.reason as Error).message).toBe('second');
  });
});
