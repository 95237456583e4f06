/**
 * Real clients of the gateway: the `openai` npm package, the AI SDK's OpenAI-compatible
 * provider (streamText, generateText with tools, structured output), agentcrate's own model
 * client through provider `gateway`, and a workflow routed through the gateway by
 * AGENTCRATE_LLM_PROVIDER=gateway. The upstreams are the scripted mock on loopback.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { generateText, jsonSchema, Output, streamText, tool } from 'ai';
import OpenAI from 'openai';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { KeyStore } from '../../src/gateway/keys/store.js';
import type { RunningGateway } from '../../src/gateway/serve.js';
import { createModelClient } from '../../src/models/index.js';
import { CLEAN_ENV, runCli } from '../support/cli.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { startTestGateway } from './helpers.js';

const ANSWER = 'Streams that break are finished by the next target, word for word.';
let a: MockLlm;
let b: MockLlm;
let gateway: RunningGateway;
let keyed: RunningGateway;
let secret: string;
let dir: string;

beforeAll(async () => {
  [a, b] = await Promise.all([startMockLlm(), startMockLlm()]);
  const yaml = `
upstreams:
  a: {provider: openai-compatible, base_url: ${a.url}}
  b: {provider: openai-compatible, base_url: ${b.url}}
  openai: {provider: openai, base_url: ${b.url}}
routes:
  fast: {targets: [a/m1, b/m2]}
`;
  gateway = await startTestGateway(yaml, { env: { GATEWAY_OPENAI_API_KEY: 'test-key-for-the-mock' } });
  dir = mkdtempSync(join(tmpdir(), 'agentcrate-gw-clients-'));
  const store = KeyStore.open(join(dir, 'keys.db'));
  secret = store.create('client', { rpm: 1 }).secret;
  store.close();
  keyed = await startTestGateway(yaml, { flags: { keysDb: join(dir, 'keys.db') } });
});
afterAll(async () => {
  await Promise.all([gateway?.close(), keyed?.close()]);
  await Promise.all([a?.close(), b?.close()]);
  rmSync(dir, { recursive: true, force: true });
});
afterEach(() => {
  a.reset();
  b.reset();
});

describe('the openai npm client', () => {
  const client = () => new OpenAI({ baseURL: `${gateway.url}/v1`, apiKey: 'unused', maxRetries: 0 });

  it('gets a plain answer, tool calls and a json_schema answer', async () => {
    a.script([
      { text: 'hello' },
      { toolCalls: [{ name: 'weather', args: { city: 'Oslo' } }] },
      { json: { city: 'Oslo', celsius: 4 } },
    ]);
    const plain = await client().chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(plain.choices[0]?.message.content).toBe('hello');
    const tools = await client().chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'weather?' }],
      tools: [
        {
          type: 'function',
          function: {
            name: 'weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
    });
    expect(tools.choices[0]?.message.tool_calls?.[0]).toMatchObject({
      type: 'function',
      function: { name: 'weather', arguments: '{"city":"Oslo"}' },
    });
    const structured = await client().chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'json' }],
      response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' } } },
    });
    expect(JSON.parse(structured.choices[0]?.message.content ?? '')).toEqual({ city: 'Oslo', celsius: 4 });
    expect(a.chatRequests()[2]!.body.response_format).toMatchObject({ type: 'json_schema' });
  });

  it('reads a stream that failed over mid-way as one answer', async () => {
    a.enqueue({ text: ANSWER, pieces: 5, cutAfterChunks: 2 });
    b.enqueue({ text: ANSWER });
    const stream = await client().chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      stream_options: { include_usage: true },
    });
    let text = '';
    let usage: unknown;
    for await (const chunk of stream) {
      text += chunk.choices[0]?.delta.content ?? '';
      if (chunk.usage) usage = chunk.usage;
    }
    expect(text).toBe(ANSWER);
    expect(usage).toMatchObject({ completion_tokens: expect.any(Number) });
  });

  it('streams tool calls (arguments in deltas) and a json_schema answer', async () => {
    a.script([
      { toolCalls: [{ name: 'weather', args: { city: 'Oslo', days: 3 } }] },
      { json: { city: 'Oslo', celsius: 4 } },
    ]);
    const toolStream = await client().chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'weather?' }],
      stream: true,
      tools: [
        {
          type: 'function',
          function: {
            name: 'weather',
            parameters: { type: 'object', properties: { city: { type: 'string' } } },
          },
        },
      ],
    });
    const calls = new Map<number, { name: string; args: string }>();
    let finish: string | null | undefined;
    for await (const chunk of toolStream) {
      for (const call of chunk.choices[0]?.delta.tool_calls ?? []) {
        const seen = calls.get(call.index) ?? { name: '', args: '' };
        seen.name += call.function?.name ?? '';
        seen.args += call.function?.arguments ?? '';
        calls.set(call.index, seen);
      }
      finish = chunk.choices[0]?.finish_reason ?? finish;
    }
    expect([...calls.values()].map((c) => ({ name: c.name, args: JSON.parse(c.args) }))).toEqual([
      { name: 'weather', args: { city: 'Oslo', days: 3 } },
    ]);
    expect(finish).toBe('tool_calls');

    const jsonStream = await client().chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'json' }],
      stream: true,
      response_format: { type: 'json_schema', json_schema: { name: 'w', schema: { type: 'object' } } },
    });
    let text = '';
    for await (const chunk of jsonStream) text += chunk.choices[0]?.delta.content ?? '';
    expect(JSON.parse(text)).toEqual({ city: 'Oslo', celsius: 4 });
    expect(a.chatRequests()[1]!.body).toMatchObject({
      stream: true,
      response_format: { type: 'json_schema' },
    });
  });

  it('raises its own error classes: a stream that cannot continue, an unknown model', async () => {
    a.enqueue({
      toolCalls: [
        { name: 'f', args: {} },
        { name: 'g', args: {} },
      ],
      cutAfterChunks: 1,
    });
    const stream = await client().chat.completions.create({
      model: 'fast',
      messages: [{ role: 'user', content: 'hi' }],
      stream: true,
      tools: [{ type: 'function', function: { name: 'f', parameters: { type: 'object' } } }],
    });
    await expect(async () => {
      for await (const _ of stream) {
        // read until the error event
      }
    }).rejects.toThrow(/could not be continued/);
    await expect(
      client().chat.completions.create({ model: 'nope', messages: [{ role: 'user', content: 'x' }] }),
    ).rejects.toBeInstanceOf(OpenAI.NotFoundError);
  });

  it('raises AuthenticationError without a virtual key and RateLimitError past its limit', async () => {
    const as = (apiKey: string) => new OpenAI({ baseURL: `${keyed.url}/v1`, apiKey, maxRetries: 0 });
    const ask = (apiKey: string) =>
      as(apiKey).chat.completions.create({ model: 'fast', messages: [{ role: 'user', content: 'x' }] });
    await expect(ask('sk-gw-wrong')).rejects.toBeInstanceOf(OpenAI.AuthenticationError);
    expect((await ask(secret)).choices).toHaveLength(1);
    const limited = await ask(secret).catch((error: unknown) => error);
    expect(limited).toBeInstanceOf(OpenAI.RateLimitError);
    expect((limited as InstanceType<typeof OpenAI.RateLimitError>).headers?.get('retry-after')).toMatch(
      /^\d+$/,
    );
  });
});

const addTool = tool({
  inputSchema: jsonSchema<{ x: number; y: number }>({
    type: 'object',
    properties: { x: { type: 'number' }, y: { type: 'number' } },
  }),
  execute: async ({ x, y }) => x + y,
});
const sumOutput = Output.object({
  schema: jsonSchema<{ sum: number }>({ type: 'object', properties: { sum: { type: 'number' } } }),
});

describe('the AI SDK', () => {
  const provider = () =>
    createOpenAICompatible({
      name: 'gw',
      baseURL: `${gateway.url}/v1`,
      supportsStructuredOutputs: true,
      includeUsage: true,
    });

  it('streams text through a mid-stream failover', async () => {
    a.enqueue({ text: ANSWER, pieces: 6, stallAfterChunks: 3 });
    b.enqueue({ text: ANSWER });
    const slow = await startTestGateway(`
upstreams:
  a: {provider: openai-compatible, base_url: ${a.url}, timeouts: {idle_ms: 200}}
  b: {provider: openai-compatible, base_url: ${b.url}}
routes:
  fast: {targets: [a/m1, b/m2]}
`);
    try {
      const result = streamText({
        model: createOpenAICompatible({ name: 'gw', baseURL: `${slow.url}/v1`, includeUsage: true })('fast'),
        prompt: 'hi',
        maxRetries: 0,
      });
      let text = '';
      for await (const piece of result.textStream) text += piece;
      expect(text).toBe(ANSWER);
      expect((await result.usage).outputTokens).toBeGreaterThan(0);
    } finally {
      await slow.close();
    }
  });

  it('runs a tool loop and a structured answer', async () => {
    a.script([{ toolCalls: [{ name: 'add', args: { x: 2, y: 3 } }] }, { json: { sum: 5 } }]);
    const result = await generateText({
      model: provider()('fast'),
      prompt: 'add 2 and 3',
      tools: { add: addTool },
      stopWhen: ({ steps }) => steps.length >= 2,
      output: sumOutput,
      maxRetries: 0,
    });
    expect(result.output).toEqual({ sum: 5 });
    // The second request carried the tool's result back.
    const second = a.chatRequests()[1]!.body.messages!;
    expect(second.at(-1)).toMatchObject({ role: 'tool', content: '5' });
  });
});

describe('the AI SDK, streaming', () => {
  it('streams a tool loop into a structured answer', async () => {
    a.script([{ toolCalls: [{ name: 'add', args: { x: 2, y: 3 } }] }, { json: { sum: 5 } }]);
    const result = streamText({
      model: createOpenAICompatible({
        name: 'gw',
        baseURL: `${gateway.url}/v1`,
        supportsStructuredOutputs: true,
        includeUsage: true,
      })('fast'),
      prompt: 'add 2 and 3',
      tools: { add: addTool },
      stopWhen: ({ steps }) => steps.length >= 2,
      output: sumOutput,
      maxRetries: 0,
    });
    const partials: unknown[] = [];
    for await (const partial of result.partialOutputStream) partials.push(partial);
    expect(await result.output).toEqual({ sum: 5 });
    expect(partials.at(-1)).toEqual({ sum: 5 });
    const steps = await result.steps;
    expect(steps[0]?.toolResults[0]).toMatchObject({ toolName: 'add', output: 5 });
    // Both requests streamed; the second carried the tool's result back.
    expect(a.chatRequests().map((r) => r.body.stream)).toEqual([true, true]);
    expect(a.chatRequests()[1]!.body.messages!.at(-1)).toMatchObject({ role: 'tool', content: '5' });
  });
});

describe('agentcrate workflows through the gateway', () => {
  it('provider gateway: the model client reaches an alias at GATEWAY_URL with no provider key', async () => {
    a.enqueue({ json: { answer: 'yes' } });
    const models = createModelClient({ env: { GATEWAY_URL: gateway.url } });
    const llm = models.resolve({ provider: 'gateway', model: 'fast' }, {});
    const response = await models.generate({
      nodeId: 'n',
      llm,
      messages: [{ role: 'user', content: 'q' }],
      outputSchema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] },
      tools: {},
      maxToolSteps: 1,
      maxRetries: 0,
      signal: new AbortController().signal,
    });
    expect(response.output).toEqual({ answer: 'yes' });
    expect(a.chatRequests()[0]!.body.model).toBe('m1');
  });

  it('AGENTCRATE_LLM_PROVIDER=gateway: a workflow keeps its provider and is routed by it', async () => {
    b.enqueue({ json: { summary: 'routed' } });
    const result = await runCli(
      ['run', 'test/gateway/fixtures/openai-flow.yaml', '-i', 'topic=x', '--json'],
      {
        env: { ...CLEAN_ENV, AGENTCRATE_LLM_PROVIDER: 'gateway', GATEWAY_URL: gateway.url },
      },
    );
    expect(result.code, result.stdout + result.stderr).toBe(0);
    expect(JSON.parse(result.stdout).outputs).toMatchObject({ summary: 'routed' });
    // The workflow's openai/gpt-4o-mini went to the upstream named openai, as gpt-4o-mini.
    expect(b.chatRequests()[0]!.body.model).toBe('gpt-4o-mini');
  });
});
