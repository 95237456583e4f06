/** Operations on a real socket: circuit breaker in action, /providers, /metrics, /ready, the one log line per request. */
import { Writable } from 'node:stream';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { createGatewayLogger } from '../../src/gateway/ops/log.js';
import type { RunningGateway } from '../../src/gateway/serve.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { chat, startTestGateway, streamChat } from './helpers.js';

const SECRET = 'sk-upstream-secret-0123456789abcdef';
let a: MockLlm;
let b: MockLlm;
let gateway: RunningGateway;
const logLines: Array<Record<string, unknown>> = [];

const ask = (model = 'main') => chat(gateway.url, { model, messages: [{ role: 'user', content: 'hi' }] });

beforeAll(async () => {
  [a, b] = await Promise.all([startMockLlm(), startMockLlm()]);
  const env = { GATEWAY_A_API_KEY: SECRET };
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') logLines.push(JSON.parse(line));
      done();
    },
  });
  gateway = await startTestGateway(
    `
upstreams:
  a: {provider: openai-compatible, base_url: ${a.url}}
  flaky: {provider: openai-compatible, base_url: ${a.url}, breaker: {failures: 2, cooldown_ms: 2000}, api_key_env: NONE}
  b: {provider: openai-compatible, base_url: ${b.url}}
  claude: {provider: anthropic}
routes:
  main: {targets: [a/m1, b/m2]}
  stream: {targets: [a/m1, b/m2]}
  breaker: {targets: [flaky/m1, b/m2]}
  lonely: {targets: [claude/claude-sonnet-4-5]}
retries: {attempts: 1}
prices:
  m1: {input: 1, output: 2}
  m2: {input: 1, output: 2}
`,
    { env, logger: createGatewayLogger({ env, secrets: [SECRET], destination }) },
  );
});
afterAll(async () => {
  await gateway?.close();
  await Promise.all([a?.close(), b?.close()]);
});
afterEach(() => {
  a.reset();
  b.reset();
  logLines.length = 0;
});

describe('gateway: operations', () => {
  it('sends the upstream key, and never shows it in /providers, logs or errors', async () => {
    a.enqueue({ status: 500, body: { error: { message: `upstream broke, key was ${SECRET}` } } });
    b.enqueue({ text: 'ok' });
    await ask();
    expect(a.chatRequests()[0]!.headers.authorization).toBe(`Bearer ${SECRET}`);
    const providers = await (await fetch(`${gateway.url}/providers`)).text();
    const all = `${providers}\n${JSON.stringify(logLines)}`;
    expect(all).not.toContain(SECRET);
    const view = JSON.parse(providers) as { upstreams: Array<Record<string, unknown>> };
    const up = view.upstreams.find((u) => u.name === 'a')!;
    expect(up).toMatchObject({
      provider: 'openai-compatible',
      mode: 'proxied',
      key_from: 'GATEWAY_A_API_KEY',
      available: true,
    });
    expect((up.last_error as { status: number; message: string }).status).toBe(500);
    expect((up.last_error as { message: string }).message).toContain('[REDACTED]');
    expect(view.upstreams.find((u) => u.name === 'claude')).toMatchObject({
      available: false,
      key_from: null,
    });
  });

  it('opens the circuit after repeated failures, skips the upstream, and probes it again after the cooldown', async () => {
    a.script([{ status: 500 }, { status: 500 }]);
    b.script([{ text: '1' }, { text: '2' }, { text: '3' }]);
    await ask('breaker');
    await ask('breaker');
    const third = await ask('breaker');
    expect(third.status).toBe(200);
    expect(a.chatRequests()).toHaveLength(2); // the third request did not go to a
    const view = (await (await fetch(`${gateway.url}/providers`)).json()) as {
      upstreams: Array<{ name: string; circuit: { state: string } }>;
    };
    expect(view.upstreams.find((u) => u.name === 'flaky')!.circuit.state).toBe('open');
    expect(await (await fetch(`${gateway.url}/metrics`)).text()).toContain(
      'agentcrate_gateway_circuit_state{upstream="flaky"} 2',
    );
    // The cooldown leaves a loaded machine's slow requests room to see the circuit open first.
    await new Promise((r) => setTimeout(r, 2050));
    a.enqueue({ text: 'probe ok' });
    const probe = await ask('breaker');
    expect(probe.headers.get('x-gateway-upstream')).toBe('flaky');
    const after = (await (await fetch(`${gateway.url}/providers`)).json()) as {
      upstreams: Array<{ name: string; circuit: { state: string } }>;
    };
    expect(after.upstreams.find((u) => u.name === 'flaky')!.circuit.state).toBe('closed');
  });

  it('writes one log line per request with upstream, attempts, fallbacks, tokens and cost', async () => {
    a.enqueue({ status: 503 });
    b.enqueue({ text: 'hello' });
    await ask();
    const lines = logLines.filter((l) => l.msg === 'chat');
    expect(lines).toHaveLength(1);
    expect(lines[0]).toMatchObject({
      route: 'main',
      upstream: 'b',
      model: 'm2',
      attempts: 2,
      fallbacks: 1,
      status: 200,
      inputTokens: expect.any(Number),
      outputTokens: expect.any(Number),
      costUsd: expect.any(Number),
      reqId: expect.any(String),
    });
    expect(
      (lines[0]!.tried as Array<{ upstream: string; outcome: string }>).map(
        (t) => `${t.upstream}:${t.outcome}`,
      ),
    ).toEqual(['a:status', 'b:ok']);
  });

  it('counts requests, attempts, fallbacks, failovers, tokens and cost in /metrics', async () => {
    a.enqueue({ text: 'The quick brown fox jumps over the lazy dog.', pieces: 4, cutAfterChunks: 1 });
    b.enqueue({ text: 'The quick brown fox jumps over the lazy dog.' });
    const r = await streamChat(gateway.url, { model: 'stream', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.text).toBe('The quick brown fox jumps over the lazy dog.');
    const metrics = await (await fetch(`${gateway.url}/metrics`)).text();
    expect(metrics).toMatch(/agentcrate_gateway_failovers_total\{from="a",to="b"\} 1/);
    expect(metrics).toMatch(/agentcrate_gateway_requests_total\{route="stream",status="200"\} 1/);
    expect(metrics).toMatch(/agentcrate_gateway_tokens_total\{upstream="b",direction="output"\} \d+/);
    expect(metrics).toMatch(/agentcrate_gateway_cost_usd_total\{upstream="b"\} [0-9.e-]+/);
    expect(metrics).toMatch(/agentcrate_gateway_time_to_first_token_seconds_count\{upstream="b"\} \d+/);
    const line = logLines.find((l) => l.msg === 'chat')!;
    expect(line.failovers).toEqual([
      { from: 'a', to: 'b', afterChars: 11, reason: 'closed', gapMs: expect.any(Number) },
    ]);
    expect(line.level).toBe(40); // a failover is logged as a warning
  });

  it('is not ready while a route has no usable upstream, and says which', async () => {
    const response = await fetch(`${gateway.url}/ready`);
    expect(response.status).toBe(503);
    const body = (await response.json()) as { reasons: string[] };
    expect(body.reasons).toEqual([expect.stringContaining("route 'lonely' has no usable upstream")]);
    const lonely = await ask('lonely');
    expect(lonely.status).toBe(503);
    expect(lonely.json.error).toMatchObject({ code: 'upstream_unavailable' });
  });
});

/** A log destination that keeps every JSON line written to it. */
function capturedLog(): { lines: Array<Record<string, unknown>>; destination: Writable } {
  const lines: Array<Record<string, unknown>> = [];
  const destination = new Writable({
    write(chunk, _enc, done) {
      for (const line of String(chunk).split('\n')) if (line.trim() !== '') lines.push(JSON.parse(line));
      done();
    },
  });
  return { lines, destination };
}

describe('gateway: memory', () => {
  it('gives start-up memory back once quiet (a memory-reducing GC), and says so in the log', async () => {
    const { lines, destination } = capturedLog();
    const quiet = await startTestGateway(
      `upstreams:\n  a: {provider: openai-compatible, base_url: ${a.url}}\n`,
      {
        flags: { idleTrimMs: 100 },
        logger: createGatewayLogger({ env: {}, secrets: [], destination }),
      },
    );
    try {
      const deadline = Date.now() + 5000;
      while (!lines.some((l) => l.msg === 'idle: memory trimmed') && Date.now() < deadline) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(lines.find((l) => l.msg === 'idle: memory trimmed')).toMatchObject({
        rssBeforeMb: expect.any(Number),
        rssAfterMb: expect.any(Number),
      });
    } finally {
      await quiet.close();
    }
  });

  it('gives start-up memory back half a second after start even with the longer quiet time between bursts', async () => {
    const { lines, destination } = capturedLog();
    const started = Date.now();
    const gateway = await startTestGateway(
      `upstreams:\n  a: {provider: openai-compatible, base_url: ${a.url}}\n`,
      { logger: createGatewayLogger({ env: {}, secrets: [], destination }) },
    );
    try {
      expect(gateway.settings.idleTrimMs).toBe(10_000);
      while (!lines.some((l) => l.msg === 'idle: memory trimmed') && Date.now() - started < 5000) {
        await new Promise((r) => setTimeout(r, 20));
      }
      expect(lines.some((l) => l.msg === 'idle: memory trimmed')).toBe(true);
      expect(Date.now() - started).toBeLessThan(5000);
    } finally {
      await gateway.close();
    }
  });
});
