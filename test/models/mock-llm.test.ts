import { spawn } from 'node:child_process';
import { createInterface } from 'node:readline';
import { createOpenAI } from '@ai-sdk/openai';
import { streamText } from 'ai';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';

/** The fields of OpenAI-style answers these tests read. */
interface Answer {
  data: Array<{ id: string }>;
  choices: Array<{
    message: { content: string; tool_calls: Array<{ function: { name: string; arguments: string } }> };
    delta?: { content?: string };
    finish_reason: string | null;
  }>;
  usage: { prompt_tokens: number; completion_tokens: number };
}
const json = async (res: Response): Promise<Answer> => (await res.json()) as Answer;

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm();
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => mock.reset());

const chat = (body: Record<string, unknown>, base = mock.url) =>
  fetch(`${base}/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', authorization: 'Bearer t' },
    body: JSON.stringify({ model: 'm', messages: [{ role: 'user', content: 'hello' }], ...body }),
  });

async function sse(res: Response): Promise<string[]> {
  const text = await res.text();
  return text
    .split('\n\n')
    .map((block) => block.trim())
    .filter((block) => block.startsWith('data: '))
    .map((block) => block.slice(6));
}

describe('mock-llm', () => {
  it('lists models and records every request', async () => {
    const res = await fetch(`${mock.url}/models`);
    expect((await json(res)).data[0]?.id).toBe('mock-model');
    await chat({});
    expect(mock.requests.map((r) => `${r.method} ${r.path}`)).toEqual([
      'GET /v1/models',
      'POST /v1/chat/completions',
    ]);
    expect(mock.chatRequests()[0]?.headers.authorization).toBe('Bearer t');
    expect(mock.chatRequests()[0]?.body.model).toBe('m');
  });

  it('answers json_schema requests with schema-valid JSON and counts usage', async () => {
    const res = await chat({
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'x',
          schema: {
            type: 'object',
            properties: {
              n: { type: 'number' },
              tags: { type: 'array', items: { type: 'string' } },
              kind: { enum: ['a', 'b'] },
              meta: { type: 'object', additionalProperties: { type: 'integer' } },
            },
          },
        },
      },
    });
    const body = await json(res);
    expect(JSON.parse(body.choices[0]?.message.content ?? '')).toEqual({
      n: 0.5,
      tags: ['mock tags 1', 'mock tags 2'],
      kind: 'a',
      meta: { key: 1 },
    });
    expect(body.usage.prompt_tokens).toBeGreaterThan(0);
  });

  it('finds a schema written in the messages for json_object requests, else answers text', async () => {
    const schemaText = JSON.stringify({ type: 'object', properties: { ok: { type: 'boolean' } } });
    const res = await chat({
      response_format: { type: 'json_object' },
      messages: [{ role: 'system', content: `Answer JSON matching ${schemaText}` }],
    });
    expect(JSON.parse((await json(res)).choices[0]?.message.content ?? '')).toEqual({ ok: true });
    const plain = await chat({});
    expect((await json(plain)).choices[0]?.message.content).toBe('mock answer');
  });

  it('plays scripted steps in order, with matchers and error statuses', async () => {
    mock.script([
      { match: 'second', text: 'for second' },
      { status: 429, headers: { 'retry-after': '1' } },
      { toolCalls: [{ name: 'search', args: { q: 'x' } }] },
    ]);
    const limited = await chat({});
    expect(limited.status).toBe(429);
    expect(limited.headers.get('retry-after')).toBe('1');
    const second = await chat({ messages: [{ role: 'user', content: 'the second one' }] });
    expect((await json(second)).choices[0]?.message.content).toBe('for second');
    const tools = await chat({});
    const choice = (await json(tools)).choices[0];
    expect(choice?.finish_reason).toBe('tool_calls');
    expect(choice?.message.tool_calls[0]?.function).toEqual({ name: 'search', arguments: '{"q":"x"}' });
    expect(mock.pending()).toBe(0);
  });

  it('streams SSE chunks with usage and [DONE]', async () => {
    mock.enqueue({ json: { a: 1 } });
    const lines = await sse(await chat({ stream: true, stream_options: { include_usage: true } }));
    expect(lines.at(-1)).toBe('[DONE]');
    const chunks = lines.slice(0, -1).map((l) => JSON.parse(l) as Answer);
    const content = chunks.map((c) => c.choices[0]?.delta?.content ?? '').join('');
    expect(content).toBe('{"a":1}');
    expect(chunks.at(-1)?.usage.completion_tokens).toBeGreaterThan(0);
    expect(chunks.some((c) => c.choices[0]?.finish_reason === 'stop')).toBe(true);
  });

  it('is consumable by the AI SDK streaming client', async () => {
    mock.enqueue({ text: 'streamed words here' });
    const model = createOpenAI({ apiKey: 'k', baseURL: mock.url }).chat('m');
    const result = streamText({ model, prompt: 'hi', maxRetries: 0 });
    expect(await result.text).toBe('streamed words here');
    expect((await result.usage).outputTokens).toBeGreaterThan(0);
    expect(mock.chatRequests()[0]?.body.stream).toBe(true);
  });

  it('truncates a stream mid-chunk without [DONE]', async () => {
    mock.enqueue({ text: 'a fairly long answer that spans several chunks', truncateStream: true });
    const res = await chat({ stream: true });
    const text = await res.text().catch(() => 'ERR');
    expect(text).not.toContain('[DONE]');
  });

  it('sends malformed bodies, resets sockets and hangs on request', async () => {
    mock.script([{ malformed: true }, { reset: true }, { hang: true, delayMs: 10 }]);
    const malformed = await chat({});
    await expect(malformed.json()).rejects.toThrow();
    await expect(chat({})).rejects.toThrow(/fetch failed/);
    await expect(
      fetch(`${mock.url}/chat/completions`, { method: 'POST', body: '{}', signal: AbortSignal.timeout(150) }),
    ).rejects.toThrow();
  });

  it('applies latency', async () => {
    const slow = await startMockLlm({ latencyMs: 120 });
    try {
      const started = Date.now();
      await chat({}, slow.url);
      expect(Date.now() - started).toBeGreaterThanOrEqual(110);
    } finally {
      await slow.close();
    }
  });

  it('runs standalone, prints its URL and is scriptable over HTTP', async () => {
    const child = spawn(
      'node_modules/.bin/node',
      ['test/support/mock-llm.ts', '--port', '0', '--latency', '5'],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
      },
    );
    try {
      const line = await new Promise<string>((resolve, reject) => {
        createInterface({ input: child.stdout }).once('line', resolve);
        child.once('exit', (code) => reject(new Error(`mock exited ${code}`)));
      });
      const { url } = JSON.parse(line) as { url: string };
      expect(url).toMatch(/^http:\/\/127\.0\.0\.1:\d+\/v1$/);
      const root = url.replace(/\/v1$/, '');
      await fetch(`${root}/__mock/script`, { method: 'POST', body: JSON.stringify([{ text: 'scripted' }]) });
      const res = await chat({}, url);
      expect((await json(res)).choices[0]?.message.content).toBe('scripted');
      const recorded = (await (await fetch(`${root}/__mock/requests`)).json()) as unknown[];
      expect(recorded).toHaveLength(1);
    } finally {
      child.kill('SIGTERM');
    }
  });
});
