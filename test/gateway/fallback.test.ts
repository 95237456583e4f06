/**
 * Retries, fallback and timeouts on real sockets: two scripted upstreams (a, b), a route that
 * tries a then b. Waits between retries are recorded, not slept.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/gateway/serve.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { chat, freePort, startTestGateway } from './helpers.js';

let a: MockLlm;
let b: MockLlm;
let gateway: RunningGateway;
let closedPort: number;
const waits: number[] = [];

const ask = (model = 'main') => chat(gateway.url, { model, messages: [{ role: 'user', content: 'hi' }] });

beforeAll(async () => {
  [a, b] = await Promise.all([startMockLlm(), startMockLlm()]);
  // A port that refuses connections: bound, then closed.
  closedPort = await freePort();
  gateway = await startTestGateway(
    `
upstreams:
  a: {provider: openai-compatible, base_url: ${a.url}, timeouts: {first_token_ms: 300}}
  b: {provider: openai-compatible, base_url: ${b.url}}
  dead: {provider: openai-compatible, base_url: http://127.0.0.1:${closedPort}/v1}
routes:
  main: {targets: [a/m1, b/m2]}
  only-a: {targets: [a/m1]}
  via-dead: {targets: [dead/m0, b/m2]}
  short: {targets: [a/m1, b/m2], timeouts: {total_ms: 400}}
retries: {attempts: 2, base_delay_ms: 100, max_retry_after_ms: 5000}
breaker: {failures: 100}
`,
    {
      app: {
        sleep: async (ms) => {
          waits.push(ms);
        },
      },
    },
  );
});
afterAll(async () => {
  await gateway?.close();
  await Promise.all([a?.close(), b?.close()]);
});
afterEach(() => {
  a.reset();
  b.reset();
  waits.length = 0;
});

describe('gateway: retries and fallback', () => {
  it('retries a 500 on the same target, then falls back to the next one', async () => {
    a.script([{ status: 500 }, { status: 503 }]);
    b.enqueue({ text: 'from b' });
    const r = await ask();
    expect(r.status).toBe(200);
    expect(r.headers.get('x-gateway-upstream')).toBe('b');
    expect(r.headers.get('x-gateway-attempts')).toBe('3');
    expect(a.chatRequests()).toHaveLength(2);
    expect(b.chatRequests()[0]!.body.model).toBe('m2');
    // One jittered backoff between a's two attempts, below the first ceiling.
    expect(waits).toHaveLength(1);
    expect(waits[0]).toBeGreaterThanOrEqual(0);
    expect(waits[0]).toBeLessThan(100);
  });

  it('honours Retry-After on a 429 within the ceiling', async () => {
    a.script([{ status: 429, headers: { 'retry-after': '2' } }, { text: 'second try' }]);
    const r = await ask();
    expect(r.status).toBe(200);
    expect(r.headers.get('x-gateway-upstream')).toBe('a');
    expect(waits).toEqual([2000]);
    expect(b.chatRequests()).toHaveLength(0);
  });

  it('moves on at once when Retry-After is longer than max_retry_after_ms', async () => {
    a.enqueue({ status: 429, headers: { 'retry-after': '120' } });
    b.enqueue({ text: 'b' });
    const r = await ask();
    expect(r.status).toBe(200);
    expect(a.chatRequests()).toHaveLength(1);
    expect(waits).toEqual([]);
  });

  it('falls back on a refused connection', async () => {
    b.enqueue({ text: 'b' });
    const r = await ask('via-dead');
    expect(r.status).toBe(200);
    expect(r.headers.get('x-gateway-upstream')).toBe('b');
  });

  it('falls back when the first token does not come within first_token_ms, without waiting twice', async () => {
    a.enqueue({ hang: true });
    b.enqueue({ text: 'b' });
    const started = Date.now();
    const r = await ask();
    expect(r.status).toBe(200);
    expect(r.headers.get('x-gateway-upstream')).toBe('b');
    expect(a.chatRequests()).toHaveLength(1); // a timeout is not retried on the same target while others remain
    expect(Date.now() - started).toBeGreaterThanOrEqual(290);
  });

  it('falls back on a malformed body and on choices: []', async () => {
    a.script([{ malformed: true }, { rawBody: { id: 'x', object: 'chat.completion', choices: [] } }]);
    b.enqueue({ text: 'b' });
    expect((await ask()).headers.get('x-gateway-upstream')).toBe('b');
  });

  it('says which targets failed and how when every one did', async () => {
    a.script([{ status: 500 }, { status: 500 }]);
    b.script([{ status: 502 }, { status: 502 }]);
    const r = await ask();
    expect(r.status).toBe(502);
    expect(r.json.error).toMatchObject({ code: 'upstream_failed', type: 'api_error' });
    expect((r.json.error as { attempts: unknown[] }).attempts).toEqual([
      { upstream: 'a', outcome: 'status', status: 500 },
      { upstream: 'a', outcome: 'status', status: 500 },
      { upstream: 'b', outcome: 'status', status: 502 },
      { upstream: 'b', outcome: 'status', status: 502 },
    ]);
  });

  it('answers 429 with Retry-After when every target is rate limited', async () => {
    a.script([{ status: 429, headers: { 'retry-after': '30' } }]);
    b.script([
      { status: 429, headers: { 'retry-after': '7' } },
      { status: 429, headers: { 'retry-after': '7' } },
    ]);
    const r = await ask();
    expect(r.status).toBe(429);
    expect(r.headers.get('retry-after')).toBe('7');
  });

  it('answers 504 when the whole request runs out of total_ms', async () => {
    a.enqueue({ hang: true });
    b.enqueue({ delayMs: 1000, text: 'later' });
    const r = await chat(gateway.url, { model: 'short', messages: [{ role: 'user', content: 'x' }] });
    expect(r.status).toBe(504);
    expect(r.json.error).toMatchObject({ code: 'upstream_timeout' });
  });
});
