import { tool } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { z } from 'zod';
import { AgentcrateError } from '../../src/errors.js';
import { createModelClient } from '../../src/models/client.js';
import type { ModelRequest, ResolvedLlm } from '../../src/models/types.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';

const API_KEY = 'sk-test-secret-key-123456';

const schema = {
  type: 'object',
  properties: { title: { type: 'string' }, score: { type: 'integer' } },
  required: ['title', 'score'],
  additionalProperties: false,
};

let mock: MockLlm;

beforeAll(async () => {
  mock = await startMockLlm();
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => {
  mock.reset();
});

function client(extra: { callTimeoutMs?: number; provider?: 'openai' | 'openai-compatible' } = {}) {
  const sleeps: number[] = [];
  const models = createModelClient({
    env: { OPENAI_API_KEY: API_KEY, OPENAI_COMPATIBLE_API_KEY: API_KEY },
    override: { provider: extra.provider ?? 'openai', model: 'mock-model', baseURL: mock.url },
    sleep: async (ms) => {
      sleeps.push(ms);
    },
    random: () => 0.5,
    callTimeoutMs: extra.callTimeoutMs,
  });
  return { models, sleeps };
}

function request(llm: ResolvedLlm, extra: Partial<ModelRequest> = {}): ModelRequest {
  return {
    nodeId: 'n1',
    llm,
    system: 'You are terse.',
    messages: [{ role: 'user', content: 'Write a title.' }],
    outputSchema: schema,
    tools: {},
    maxToolSteps: 5,
    maxRetries: 3,
    signal: new AbortController().signal,
    ...extra,
  };
}

describe('ModelClient against the mock server', () => {
  it('parses a structured answer and sends model, key and response_format', async () => {
    const { models } = client();
    const llm = models.resolve({}, {});
    expect(llm).toMatchObject({ provider: 'openai', model: 'mock-model', baseURL: mock.url });
    mock.enqueue({ json: { title: 'Hello', score: 7 } });
    const res = await models.generate(request(llm));
    expect(res.output).toEqual({ title: 'Hello', score: 7 });
    expect(res.attempts).toBe(1);
    expect(res.provider).toBe('openai');
    expect(res.model).toBe('mock-model');
    expect(res.usage.inputTokens).toBeGreaterThan(0);
    expect(res.usage.outputTokens).toBeGreaterThan(0);
    expect(res.finishReason).toBe('stop');
    const sent = mock.chatRequests();
    expect(sent).toHaveLength(1);
    expect(sent[0]?.headers.authorization).toBe(`Bearer ${API_KEY}`);
    expect(sent[0]?.body.model).toBe('mock-model');
    expect(sent[0]?.body.response_format?.type).toBe('json_schema');
    expect(sent[0]?.body.response_format?.json_schema?.schema).toMatchObject({
      properties: schema.properties,
    });
    expect(sent[0]?.body.messages?.[0]).toMatchObject({ role: 'system', content: 'You are terse.' });
  });

  it('answers schema-valid JSON by default (no script) through openai-compatible', async () => {
    const { models } = client({ provider: 'openai-compatible' });
    const llm = models.resolve({}, {});
    const res = await models.generate(request(llm));
    expect(res.output).toEqual({ title: 'mock title', score: 1 });
    expect(mock.chatRequests()[0]?.body.response_format?.type).toBe('json_schema');
  });

  it('asks OpenAI and OpenAI-compatible models for a non-strict JSON schema, with and without tools', async () => {
    // Strict mode would refuse open objects (dict fields); the engine checks answers itself.
    const tools = {
      lookup: tool({ inputSchema: z.object({ q: z.string() }), execute: async () => ({ found: 1 }) }),
    };
    for (const provider of ['openai', 'openai-compatible'] as const) {
      mock.reset();
      const { models } = client({ provider });
      const llm = models.resolve({}, {});
      // Straight to the provider; through generateText (a message in parts); the tool loop's
      // last allowed step, which asks for the answer.
      await models.generate(request(llm));
      await models.generate(
        request(llm, { messages: [{ role: 'user', content: [{ type: 'text', text: 'Hi.' }] }] }),
      );
      await models.generate(request(llm, { tools, maxToolSteps: 1 }));
      const formats = mock.chatRequests().map((r) => r.body.response_format);
      expect(formats.filter((f) => f?.type === 'json_schema').length, provider).toBe(3);
      for (const format of formats.filter((f) => f !== undefined)) {
        expect(format.type, provider).toBe('json_schema');
        expect(format.json_schema?.strict, provider).toBe(false);
      }
    }
  });

  it('runs the tool loop and returns the tool result to the model', async () => {
    const { models } = client();
    const llm = models.resolve({}, {});
    const calls: unknown[] = [];
    const tools = {
      lookup: tool({
        description: 'Look something up',
        inputSchema: z.object({ query: z.string() }),
        execute: async (args) => {
          calls.push(args);
          return { found: `facts about ${args.query}` };
        },
      }),
    };
    mock.script([
      { toolCalls: [{ name: 'lookup', args: { query: 'otters' } }] },
      { json: { title: 'Otters', score: 9 } },
    ]);
    const res = await models.generate(request(llm, { tools }));
    expect(res.output).toEqual({ title: 'Otters', score: 9 });
    expect(calls).toEqual([{ query: 'otters' }]);
    const sent = mock.chatRequests();
    expect(sent).toHaveLength(2);
    expect(sent[0]?.body.tools?.[0]?.function.name).toBe('lookup');
    const toolMessage = sent[1]?.body.messages?.find((m) => m.role === 'tool');
    expect(toolMessage).toBeDefined();
    expect(JSON.stringify(toolMessage?.content)).toContain('facts about otters');
    expect(res.attempts).toBe(1);
  });

  it('asks for the schema on the last allowed step, without tools, after the tool results', async () => {
    const { models } = client();
    const llm = models.resolve({}, {});
    const tools = {
      ping: tool({ inputSchema: z.object({}), execute: async () => 'pong' }),
    };
    mock.script([{ toolCalls: [{ name: 'ping', args: {} }] }, { json: { title: 'done', score: 1 } }]);
    const res = await models.generate(request(llm, { tools, maxToolSteps: 2 }));
    expect(res.output).toEqual({ title: 'done', score: 1 });
    const [first, last] = mock.chatRequests();
    expect(first?.body.tools).toHaveLength(1);
    expect(first?.body.response_format).toBeUndefined();
    expect(last?.body.tools).toBeUndefined();
    expect(last?.body.response_format?.type).toBe('json_schema');
    expect(JSON.stringify(last?.body.messages)).toContain('pong');
  });

  it('never sends tools and a JSON-schema response format in one request', async () => {
    const { models } = client();
    const llm = models.resolve({}, {});
    const tools = { ping: tool({ inputSchema: z.object({}), execute: async () => 'pong' }) };
    // The model calls a tool, then stops calling tools with prose: the schema is asked for
    // on its own step, in a user turn after the prose.
    mock.script([
      { toolCalls: [{ name: 'ping', args: {} }] },
      { text: 'The ping said pong.' },
      { json: { title: 'pong', score: 2 } },
    ]);
    const res = await models.generate(request(llm, { tools, maxToolSteps: 5 }));
    expect(res.output).toEqual({ title: 'pong', score: 2 });
    const sent = mock.chatRequests();
    expect(sent).toHaveLength(3);
    for (const r of sent)
      expect(r.body.tools !== undefined && r.body.response_format !== undefined).toBe(false);
    expect(sent[2]?.body.response_format?.type).toBe('json_schema');
    expect(sent[2]?.body.messages?.at(-1)?.role).toBe('user');
    // Usage counts every step of the node.
    const promptTokens = sent.map((r) => Math.ceil(JSON.stringify(r.body.messages).length / 4));
    expect(res.usage.inputTokens).toBe(promptTokens.reduce((a, b) => a + b, 0));
  });

  it('takes a JSON answer the model gave when it stopped calling tools, without another call', async () => {
    const { models } = client();
    const llm = models.resolve({}, {});
    const tools = { ping: tool({ inputSchema: z.object({}), execute: async () => 'pong' }) };
    mock.script([
      { toolCalls: [{ name: 'ping', args: {} }] },
      { text: '```json\n{"title": "t", "score": 3}\n```' },
    ]);
    const res = await models.generate(request(llm, { tools, maxToolSteps: 5 }));
    expect(res.output).toEqual({ title: 't', score: 3 });
    expect(mock.chatRequests()).toHaveLength(2);
  });

  it('retries a 500 and succeeds on the second attempt', async () => {
    const { models, sleeps } = client();
    const llm = models.resolve({}, {});
    mock.script([{ status: 500 }, { json: { title: 'ok', score: 2 } }]);
    const res = await models.generate(request(llm));
    expect(res.output).toEqual({ title: 'ok', score: 2 });
    expect(res.attempts).toBe(2);
    expect(mock.chatRequests()).toHaveLength(2);
    // full jitter with random 0.5 on a 500 ms first ceiling
    expect(sleeps).toEqual([250]);
  });

  it('honours retry-after on a 429', async () => {
    const { models, sleeps } = client();
    const llm = models.resolve({}, {});
    mock.script([{ status: 429, headers: { 'retry-after': '1' } }, { json: { title: 'ok', score: 3 } }]);
    const res = await models.generate(request(llm));
    expect(res.attempts).toBe(2);
    expect(sleeps).toEqual([1000]);
  });

  it('fails at once on a 400 naming the status and the provider message, never the key', async () => {
    const { models, sleeps } = client();
    const llm = models.resolve({}, {});
    mock.enqueue({
      status: 400,
      body: { error: { message: `Invalid schema for key ${API_KEY}`, type: 'invalid_request_error' } },
    });
    const error = await models.generate(request(llm)).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentcrateError);
    const e = error as AgentcrateError;
    expect(e.code).toBe('E_MODEL');
    expect(e.message).toContain('HTTP 400');
    expect(e.message).toContain('Invalid schema for key');
    expect(e.message).toContain("provider 'openai'");
    expect(e.message).toContain("model 'mock-model'");
    expect(e.message).not.toContain(API_KEY);
    expect(JSON.stringify(e.toJSON())).not.toContain(API_KEY);
    expect(e.details).toMatchObject({ attempts: 1, status: 400, nodeId: 'n1' });
    expect(sleeps).toEqual([]);
    expect(mock.chatRequests()).toHaveLength(1);
  });

  it('gives up after max retries on repeated 503 with the attempt count', async () => {
    const { models, sleeps } = client();
    const llm = models.resolve({}, {});
    mock.script([{ status: 503 }, { status: 503 }, { status: 503 }]);
    const error = (await models
      .generate(request(llm, { maxRetries: 2 }))
      .catch((e: unknown) => e)) as AgentcrateError;
    expect(error.code).toBe('E_MODEL');
    expect(error.details?.attempts).toBe(3);
    expect(error.message).toContain('HTTP 503');
    expect(error.message).toContain('3 attempts');
    expect(sleeps).toEqual([250, 500]);
  });

  it('turns a hanging server into a retried timeout, then a clear failure', async () => {
    const { models } = client({ callTimeoutMs: 150 });
    const llm = models.resolve({}, {});
    mock.script([{ hang: true }, { json: { title: 'late', score: 4 } }]);
    const ok = await models.generate(request(llm));
    expect(ok.output).toEqual({ title: 'late', score: 4 });
    expect(ok.attempts).toBe(2);

    mock.script([{ hang: true }, { hang: true }]);
    const error = (await models
      .generate(request(llm, { maxRetries: 1 }))
      .catch((e: unknown) => e)) as AgentcrateError;
    expect(error.code).toBe('E_MODEL');
    expect(error.message).toContain('timed out');
    expect(error.details?.attempts).toBe(2);
  });

  it('retries a malformed JSON body, a reset socket and a truncated body', async () => {
    const { models } = client();
    const llm = models.resolve({}, {});
    mock.script([
      { malformed: true },
      { reset: true },
      { truncateStream: true },
      { json: { title: 'x', score: 5 } },
    ]);
    const res = await models.generate(request(llm));
    expect(res.output).toEqual({ title: 'x', score: 5 });
    expect(res.attempts).toBe(4);
  });

  it('returns a content failure (not an error) when the answer is not JSON', async () => {
    const { models } = client();
    const llm = models.resolve({}, {});
    mock.enqueue({ text: 'Sure! Here is your title: Hello' });
    const res = await models.generate(request(llm));
    expect(res.output).toBeUndefined();
    expect(res.parseError).toMatch(/could not parse/i);
    expect(res.text).toBe('Sure! Here is your title: Hello');
    expect(res.attempts).toBe(1);
    expect(mock.chatRequests()).toHaveLength(1);
  });

  it('stops at once when the run signal is aborted', async () => {
    const { models } = client();
    const llm = models.resolve({}, {});
    const controller = new AbortController();
    mock.enqueue({ hang: true });
    setTimeout(() => controller.abort(new AgentcrateError('E_TIMEOUT', 'run timed out')), 100);
    const error = (await models
      .generate(request(llm, { signal: controller.signal }))
      .catch((e: unknown) => e)) as AgentcrateError;
    expect(error.code).toBe('E_TIMEOUT');
    expect(mock.chatRequests()).toHaveLength(1);
  });

  it('names an unreachable server clearly', async () => {
    const closed = await startMockLlm();
    const url = closed.url;
    await closed.close();
    const models = createModelClient({
      env: { OPENAI_API_KEY: API_KEY },
      override: { provider: 'openai', model: 'm', baseURL: url },
      sleep: async () => {},
    });
    const error = (await models
      .generate(request(models.resolve({}, {}), { maxRetries: 1 }))
      .catch((e: unknown) => e)) as AgentcrateError;
    expect(error.code).toBe('E_MODEL');
    expect(error.details?.attempts).toBe(2);
    expect(error.message).toMatch(/connect|ECONNREFUSED|fetch failed/i);
  });
});
