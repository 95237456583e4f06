/**
 * A real inference server as an upstream: llama.cpp's server (../shared/tools/llama-server,
 * random weights: the text is word salad, the wire format is real). Plain, streaming,
 * json_schema, and a mid-stream failover that llama.cpp continues from an assistant prefill.
 * Skips, saying why, where the server cannot start.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { RunningGateway } from '../../src/gateway/serve.js';
import { type LlamaServer, startLlamaServer } from '../support/llama-server.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { chat, startTestGateway, streamChat } from './helpers.js';

const started = await startLlamaServer();
const skip = 'skip' in started ? started.skip : undefined;
const llama = started as LlamaServer;
if (skip !== undefined) console.warn(`gateway llama.cpp tests skipped: ${skip}`);

describe.skipIf(skip !== undefined)('gateway in front of a real llama.cpp server', () => {
  let mock: MockLlm;
  let gateway: RunningGateway;

  beforeAll(async () => {
    mock = await startMockLlm();
    gateway = await startTestGateway(`
upstreams:
  llama: {provider: openai-compatible, base_url: ${llama.url}, models: [local]}
  mock: {provider: openai-compatible, base_url: ${mock.url}}
routes:
  local: {targets: [llama/local]}
  failover: {targets: [mock/m, llama/local]}
`);
  });
  afterAll(async () => {
    await gateway?.close();
    await mock?.close();
    llama.stop();
  });

  it('answers a plain request with usage', async () => {
    const r = await chat(gateway.url, {
      model: 'local',
      max_tokens: 16,
      // The random-weight model may end its answer at once; llama.cpp's ignore_eos keeps it going.
      ignore_eos: true,
      messages: [{ role: 'user', content: 'Say hello.' }],
    });
    expect(r.status).toBe(200);
    const choice = (r.json.choices as Array<{ message: { content: string }; finish_reason: string }>)[0]!;
    expect(choice.message.content.length).toBeGreaterThan(0);
    // ignore_eos reached llama.cpp through the gateway: the answer ran to its token limit.
    expect(choice.finish_reason).toBe('length');
    expect((r.json.usage as { completion_tokens: number }).completion_tokens).toBeGreaterThan(0);
  });

  it('streams one well-formed answer with one usage chunk', async () => {
    const r = await streamChat(gateway.url, {
      model: 'local',
      max_tokens: 16,
      ignore_eos: true,
      messages: [{ role: 'user', content: 'Count to five.' }],
      stream_options: { include_usage: true },
    });
    expect(r.status).toBe(200);
    expect(r.text.length).toBeGreaterThan(0);
    expect(r.events.at(-1)).toBe('[DONE]');
    const chunks = r.events.filter((e) => e !== '[DONE]') as Array<{
      usage?: unknown;
      choices: Array<{ finish_reason: string | null }>;
    }>;
    expect(chunks.filter((c) => c.usage)).toHaveLength(1);
    expect(chunks.flatMap((c) => c.choices).filter((c) => c.finish_reason !== null)).toHaveLength(1);
  });

  it('streams a json_schema answer that parses', async () => {
    const r = await streamChat(gateway.url, {
      model: 'local',
      max_tokens: 200,
      messages: [{ role: 'user', content: 'Give a name.' }],
      response_format: {
        type: 'json_schema',
        json_schema: {
          name: 'n',
          schema: {
            type: 'object',
            properties: { name: { type: 'string', maxLength: 12 } },
            required: ['name'],
          },
        },
      },
    });
    expect(typeof (JSON.parse(r.text) as { name: unknown }).name).toBe('string');
  });

  it('continues a stream the first upstream broke, llama.cpp completing the assistant prefill', async () => {
    const partial = 'Once upon a time, in a quiet village by the sea, there lived';
    mock.enqueue({ text: `${partial} an old fisherman.`, pieces: 4, cutAfterChunks: 3 });
    const r = await streamChat(gateway.url, {
      model: 'failover',
      max_tokens: 16,
      // llama.cpp's own field, passed through: the random-weight model may otherwise end the
      // continuation at once, which would leave nothing to check.
      ignore_eos: true,
      messages: [{ role: 'user', content: 'Tell a story.' }],
    });
    expect(r.status).toBe(200);
    const sent = partial.slice(0, 3 * Math.ceil(`${partial} an old fisherman.`.length / 4));
    expect(r.text.startsWith(sent)).toBe(true);
    expect(r.text.length).toBeGreaterThan(sent.length);
    expect(r.comments.some((c) => c.includes("failover from 'mock' to 'llama'"))).toBe(true);
    expect(r.events.at(-1)).toBe('[DONE]');
  });
});
