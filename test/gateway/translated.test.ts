/**
 * Translated upstreams: an Anthropic upstream reached through the AI SDK provider layer the
 * engine uses (@ai-sdk/anthropic), in front of a scripted Messages API server. The client
 * speaks OpenAI's format both ways; fallback and mid-stream failover work across the two kinds.
 */
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/gateway/serve.js';
import { type MockAnthropic, startMockAnthropic } from '../support/mock-anthropic.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { chat, startTestGateway, streamChat } from './helpers.js';

const KEY = 'sk-ant-test-key-0123456789';
const ANSWER = 'Anthropic answers arrive translated into OpenAI chunks.';
let claude: MockAnthropic;
let openai: MockLlm;
let gateway: RunningGateway;

beforeAll(async () => {
  [claude, openai] = await Promise.all([startMockAnthropic(), startMockLlm()]);
  gateway = await startTestGateway(
    `
upstreams:
  claude: {provider: anthropic, base_url: ${claude.url}}
  local: {provider: openai-compatible, base_url: ${openai.url}}
routes:
  smart: {targets: [claude/claude-sonnet-4-5, local/m]}
  local-first: {targets: [local/m, claude/claude-sonnet-4-5]}
`,
    { env: { GATEWAY_ANTHROPIC_API_KEY: KEY } },
  );
});
afterAll(async () => {
  await gateway?.close();
  await Promise.all([claude?.close(), openai?.close()]);
});
afterEach(() => {
  claude.reset();
  openai.reset();
});

const tools = [
  {
    type: 'function',
    function: {
      name: 'weather',
      description: 'Weather of a city',
      parameters: { type: 'object', properties: { city: { type: 'string' } } },
    },
  },
];

describe('gateway: an Anthropic upstream through the AI SDK provider layer', () => {
  it('translates the request (system, messages, tools, key) and the answer (text, usage, finish reason)', async () => {
    claude.script([{ text: 'Hello from Claude' }]);
    const r = await chat(gateway.url, {
      model: 'smart',
      max_tokens: 100,
      messages: [
        { role: 'system', content: 'Be brief.' },
        { role: 'user', content: 'hi' },
      ],
    });
    expect(r.status).toBe(200);
    expect(r.json).toMatchObject({
      object: 'chat.completion',
      model: 'claude-sonnet-4-5',
      choices: [
        { index: 0, message: { role: 'assistant', content: 'Hello from Claude' }, finish_reason: 'stop' },
      ],
      usage: { prompt_tokens: expect.any(Number), completion_tokens: expect.any(Number) },
    });
    const sent = claude.requests[0]!;
    expect(sent.headers['x-api-key']).toBe(KEY);
    expect(sent.body.model).toBe('claude-sonnet-4-5');
    expect(sent.body.max_tokens).toBe(100);
    expect(JSON.stringify(sent.body.system)).toContain('Be brief.');
    expect(sent.body.messages).toEqual([{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]);
  });

  it('turns tool use into OpenAI tool calls, and tool results back into tool_result blocks', async () => {
    claude.script([{ toolUse: { name: 'weather', input: { city: 'Oslo' } } }, { text: 'Cold.' }]);
    const first = await chat(gateway.url, {
      model: 'smart',
      tools,
      messages: [{ role: 'user', content: 'weather?' }],
    });
    const call = (
      first.json.choices as Array<{
        message: { tool_calls: Array<{ id: string; function: { name: string; arguments: string } }> };
        finish_reason: string;
      }>
    )[0]!;
    expect(call.finish_reason).toBe('tool_calls');
    expect(call.message.tool_calls[0]!.function).toEqual({ name: 'weather', arguments: '{"city":"Oslo"}' });
    const second = await chat(gateway.url, {
      model: 'smart',
      tools,
      messages: [
        { role: 'user', content: 'weather?' },
        { role: 'assistant', content: null, tool_calls: call.message.tool_calls },
        { role: 'tool', tool_call_id: call.message.tool_calls[0]!.id, content: '4 degrees' },
      ],
    });
    expect((second.json.choices as Array<{ message: { content: string } }>)[0]!.message.content).toBe(
      'Cold.',
    );
    const blocks = JSON.stringify(claude.requests[1]!.body.messages);
    expect(blocks).toContain('"type":"tool_use"');
    expect(blocks).toContain('"type":"tool_result"');
    expect(blocks).toContain('4 degrees');
  });

  it('streams text and tool-call deltas as OpenAI chunks', async () => {
    claude.script([{ text: ANSWER }, { toolUse: { name: 'weather', input: { city: 'Bergen' } } }]);
    const text = await streamChat(gateway.url, {
      model: 'smart',
      messages: [{ role: 'user', content: 'hi' }],
      stream_options: { include_usage: true },
    });
    expect(text.text).toBe(ANSWER);
    expect(text.events.at(-1)).toBe('[DONE]');
    expect(text.events.filter((e) => e !== '[DONE]' && e.usage)).toHaveLength(1);
    const call = await streamChat(gateway.url, {
      model: 'smart',
      tools,
      messages: [{ role: 'user', content: 'weather?' }],
    });
    const args = call.events
      .filter((e) => e !== '[DONE]')
      .flatMap(
        (e) =>
          (e as { choices: Array<{ delta: { tool_calls?: Array<{ function?: { arguments?: string } }> } }> })
            .choices[0]?.delta.tool_calls ?? [],
      )
      .map((t) => t.function?.arguments ?? '')
      .join('');
    expect(JSON.parse(args)).toEqual({ city: 'Bergen' });
  });

  it('falls back from an overloaded Anthropic upstream (529) to the next target', async () => {
    claude.script([{ status: 529 }, { status: 529 }]);
    openai.script([{ text: 'from the fallback' }]);
    const r = await chat(gateway.url, { model: 'smart', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(200);
    expect(r.headers.get('x-gateway-upstream')).toBe('local');
  });

  it('passes a 400 from Anthropic back without falling back', async () => {
    claude.script([{ status: 400 }]);
    const r = await chat(gateway.url, { model: 'smart', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.status).toBe(400);
    expect(openai.chatRequests()).toHaveLength(0);
  });

  it('continues a broken OpenAI-compatible stream on Anthropic, the partial text as assistant prefill', async () => {
    openai.script([{ text: ANSWER, pieces: 4, cutAfterChunks: 2 }]);
    const rest = ANSWER.slice(28);
    claude.script([{ text: rest }]);
    const r = await streamChat(gateway.url, {
      model: 'local-first',
      messages: [{ role: 'user', content: 'hi' }],
    });
    expect(r.text).toBe(ANSWER);
    const last = claude.requests[0]!.body.messages!.at(-1)!;
    expect(last.role).toBe('assistant');
    expect(JSON.stringify(last.content)).toContain(ANSWER.slice(0, 28).trimEnd());
  });

  it('continues a broken Anthropic stream on the OpenAI-compatible upstream', async () => {
    claude.script([{ text: ANSWER, pieces: 5, cutAfterDeltas: 2 }]);
    openai.script([{ text: ANSWER }]);
    const r = await streamChat(gateway.url, { model: 'smart', messages: [{ role: 'user', content: 'hi' }] });
    expect(r.text).toBe(ANSWER);
    expect(r.comments.some((c) => c.includes("failover from 'claude' to 'local'"))).toBe(true);
  });
});
