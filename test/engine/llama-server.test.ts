/**
 * Nodes against a real inference server: llama.cpp's server from ../shared/tools/llama-server
 * (random weights: word salad, but the real wire format, grammars, tool-call parsing and token
 * limits). Skips, saying why, where the server cannot start.
 *
 * Tools: a node with tools must get its tool calls. This server enforces `response_format:
 * json_schema` with a grammar that leaves no room for a tool call, so the tool steps must go
 * without it. Whether this model calls a tool is a sampling matter (about one request in
 * three), so a loopback proxy fixes the sampling seed of each request — it changes nothing
 * else — and the test walks seeds until a run calls the tool: with a fixed build, model and
 * prompt each seed's outcome is fixed, so the walk is deterministic. What it proves: the
 * request that carried the tools carried no response format, the server answered it with a
 * parsed tool call, the engine ran the tool, and the typed answer came from a later request
 * with the schema and without tools; and, as a control, the same first request with the
 * schema added (what was sent before) gets no tool call from the same seed.
 */
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type LlamaServer, startLlamaServer } from '../support/llama-server.js';
import { flow } from './helpers.js';
import { runAgainst } from './real-model.js';

const [plain, short] = await Promise.all([startLlamaServer(), startLlamaServer({ NPREDICT: '3' })]);
const skip = 'skip' in plain ? plain.skip : 'skip' in short ? short.skip : undefined;
if (skip !== undefined) console.warn(`llama.cpp server tests skipped: ${skip}`);

type Body = Record<string, unknown> & {
  tools?: unknown[];
  response_format?: { type: string };
  messages?: unknown[];
};

/** Forwards chat requests to llama.cpp with `seed` set; records what agentcrate sent. */
async function seedingProxy(target: string) {
  const sent: Body[] = [];
  let seed = 0;
  const server: Server = createServer((req, res) => {
    let data = '';
    req.on('data', (chunk) => {
      data += chunk;
    });
    req.on('end', async () => {
      const body = JSON.parse(data) as Body;
      sent.push(body);
      const upstream = await fetch(`${target}${req.url?.replace(/^\/v1/, '')}`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ ...body, seed }),
      });
      res.writeHead(upstream.status, { 'content-type': 'application/json' });
      res.end(await upstream.text());
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`,
    sent,
    setSeed: (s: number) => {
      seed = s;
      sent.length = 0;
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

describe.skipIf(skip !== undefined)('nodes against a real llama.cpp server', () => {
  const llama = plain as LlamaServer;
  const capped = short as LlamaServer;
  let proxy: Awaited<ReturnType<typeof seedingProxy>>;
  beforeAll(async () => {
    proxy = await seedingProxy(llama.url);
  });
  afterAll(async () => {
    await proxy?.close();
    llama.stop();
    capped.stop();
  });

  it('calls the tool, then gets the typed answer with the schema on its own step', async () => {
    const plan = flow(
      'lookup',
      '    topic: {type: str, default: "otters"}\n    answer: {type: str, default: ""}',
      `  - id: research
    prompt: "Use the json_parse tool on a JSON text about {state.topic}, then answer."
    tools: [{name: json_parse, on_error: continue}]
    outputs: [answer]
    output_schema: {type: str}`,
      '  - {from: START, to: research}\n  - {from: research, to: END}',
      'config:\n  execution: {max_tool_steps: 3}',
    );
    let found: { seed: number; run: Awaited<ReturnType<typeof runAgainst>>; sent: Body[] } | undefined;
    for (let seed = 0; seed < 16 && found === undefined; seed++) {
      proxy.setSeed(seed);
      const run = await runAgainst(plan, { url: proxy.url, model: llama.model });
      // Whatever the model chose, tools and a JSON-schema format never share a request.
      for (const body of proxy.sent)
        expect(body.tools !== undefined && body.response_format !== undefined).toBe(false);
      expect(run.result.status, JSON.stringify(run.result.error)).toBe('success');
      expect(typeof run.result.outputs.answer).toBe('string');
      if (run.events.some((e) => e.type === 'tool-call')) found = { seed, run, sent: [...proxy.sent] };
    }
    expect(found, 'no seed in 0..15 made the model call the tool').toBeDefined();
    const { run, sent, seed } = found!;
    console.info(`llama.cpp tool call at seed ${seed}`);
    const toolCall = run.events.find((e) => e.type === 'tool-call');
    expect(toolCall).toMatchObject({ nodeId: 'research', tool: 'json_parse' });
    const first = sent[0]!;
    expect(first.tools).toHaveLength(1);
    expect(first.response_format).toBeUndefined();
    const last = sent.at(-1)!;
    expect(last.tools).toBeUndefined();
    expect(last.response_format?.type).toBe('json_schema');
    expect(JSON.stringify(last.messages)).toContain('"role":"tool"');

    // The control: the first request with the schema added, as it used to be sent.
    const old = await fetch(`${llama.url}/chat/completions`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ ...first, response_format: last.response_format, seed }),
    }).then((r) => r.json() as Promise<{ choices: Array<{ message: { tool_calls?: unknown[] } }> }>);
    expect(old.choices[0]?.message.tool_calls ?? []).toHaveLength(0);
  }, 180_000);

  it("does not retry an answer cut off by the server's token limit unchanged: raised once, then a clear error", async () => {
    const plan = flow(
      'capped',
      '    answer: {type: str, default: ""}',
      '  - {id: write, prompt: "Write a long answer.", outputs: [answer], output_schema: {type: str}}',
      '  - {from: START, to: write}\n  - {from: write, to: END}',
      'config:\n  execution: {max_retries: 3}',
    );
    const { result, calls } = await runAgainst(plan, { url: capped.url, model: capped.model });
    expect(result.status).toBe('failed');
    // Two calls (the second with max_tokens doubled from where the server stopped), not four.
    expect(calls).toHaveLength(2);
    expect(calls.map((c) => (c.type === 'model-call' ? c.finishReason : ''))).toEqual(['length', 'length']);
    expect(result.error?.code).toBe('E_MODEL_OUTPUT');
    expect(result.error?.message).toContain('max_tokens was raised from none (cut at 3 tokens) to 6');
    expect(result.error?.message).toContain('--n-predict');
    // The failed run reports what its calls used.
    expect(result.usage.outputTokens).toBe(9);
    expect(result.usage.inputTokens).toBeGreaterThan(0);
  });
});
