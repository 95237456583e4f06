import { createServer, type IncomingHttpHeaders, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createOpenAICompatible } from '@ai-sdk/openai-compatible';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createModelClient } from '../../src/models/client.js';
import type { LanguageModelV3 } from '../../src/models/dry-run-model.js';
import { nonStrictJsonSchema, openAICompatibleChat } from '../../src/models/openai-compatible.js';
import { providerSpec } from '../../src/models/providers.js';

interface Seen {
  method: string;
  url: string;
  headers: IncomingHttpHeaders;
  body: unknown;
}

const ANSWER = {
  id: 'chatcmpl-1',
  object: 'chat.completion',
  created: 1_700_000_000,
  model: 'm',
  choices: [{ index: 0, message: { role: 'assistant', content: '{"answer":"yes"}' }, finish_reason: 'stop' }],
  usage: { prompt_tokens: 3, completion_tokens: 2, total_tokens: 5 },
};

let server: Server;
let base: string;
const seen: Seen[] = [];

beforeAll(async () => {
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (chunk: Buffer) => {
      body += chunk.toString();
    });
    req.on('end', () => {
      seen.push({
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: JSON.parse(body),
      });
      res.setHeader('content-type', 'application/json');
      res.end(JSON.stringify(ANSWER));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1/`;
});
afterAll(async () => {
  await new Promise((resolve) => server.close(resolve));
});

const call = (model: LanguageModelV3) =>
  model.doGenerate({
    prompt: [
      { role: 'system', content: 'Be terse.' },
      { role: 'user', content: [{ type: 'text', text: 'Yes or no?' }] },
    ],
    responseFormat: {
      type: 'json',
      schema: { type: 'object', properties: { answer: { type: 'string' } }, required: ['answer'] },
    },
    temperature: 0.2,
    providerOptions: { openai: { strictJsonSchema: false } },
  });

/** What one call of `model` put on the wire. */
async function request(model: LanguageModelV3): Promise<Seen> {
  seen.length = 0;
  const result = await call(model);
  expect(result.content).toEqual([{ type: 'text', text: '{"answer":"yes"}' }]);
  expect(seen).toHaveLength(1);
  return seen[0]!;
}

describe('the OpenAI-compatible chat model built once', () => {
  for (const apiKey of ['ck-123', undefined]) {
    it(`sends what the factory's model sends, header for header (${apiKey ? 'with' : 'without'} a key)`, async () => {
      const ours = (await openAICompatibleChat('m', {
        name: 'openaiCompatible',
        baseURL: base,
        apiKey,
      })) as LanguageModelV3;
      const factory = createOpenAICompatible({
        name: 'openaiCompatible',
        baseURL: base,
        apiKey,
        supportsStructuredOutputs: true,
        includeUsage: true,
        transformRequestBody: nonStrictJsonSchema,
      }).chatModel('m') as LanguageModelV3;
      expect(ours.provider).toBe(factory.provider);
      const a = await request(ours);
      const b = await request(factory);
      expect(a.url).toBe('/v1/chat/completions');
      expect({ ...a, headers: { ...a.headers, host: '' } }).toEqual({
        ...b,
        headers: { ...b.headers, host: '' },
      });
      expect(a.headers.authorization).toBe(apiKey === undefined ? undefined : `Bearer ${apiKey}`);
      expect(a.headers['user-agent']).toMatch(/^ai-sdk\/openai-compatible\/\S+ ai-sdk\/provider-utils\//);
      expect(
        (a.body as { response_format: { json_schema: { strict: boolean } } }).response_format.json_schema
          .strict,
      ).toBe(false);
    });
  }

  it('makes its header record and chat URL once, not on every call', async () => {
    for (const provider of ['openai-compatible', 'gateway']) {
      const model = await providerSpec(provider).create(
        { provider, model: 'm', baseURL: base },
        { env: { OPENAI_COMPATIBLE_API_KEY: 'ck', GATEWAY_API_KEY: 'gk' } },
      );
      const config = (model as unknown as { config: { headers(): object; url(o: object): string } }).config;
      expect(config.headers()).toBe(config.headers());
      const url = config.url({ path: '/chat/completions', modelId: 'm' });
      expect(url).toBe(`${base.replace(/\/$/, '')}/chat/completions`);
      expect(config.url({ path: '/chat/completions', modelId: 'm' })).toBe(url);
    }
  });
});

describe('resolved settings', () => {
  const models = createModelClient({ env: {} });
  const workflowLlm = { provider: 'openai-compatible', model: 'm', api_base: 'http://127.0.0.1:9/v1' };

  it('are resolved once per settings objects and shared, frozen, by every call', () => {
    const node = { temperature: 0.5 };
    const first = models.resolve(workflowLlm, node);
    expect(models.resolve(workflowLlm, node)).toBe(first);
    expect(Object.isFrozen(first)).toBe(true);
    expect(first).toEqual({
      provider: 'openai-compatible',
      model: 'm',
      baseURL: 'http://127.0.0.1:9/v1',
      temperature: 0.5,
    });
    // Other settings objects (another node) get their own.
    const other = models.resolve(workflowLlm, { temperature: 0.9 });
    expect(other).not.toBe(first);
    expect(other.temperature).toBe(0.9);
    expect(models.resolve(workflowLlm, {})).toEqual({
      provider: 'openai-compatible',
      model: 'm',
      baseURL: 'http://127.0.0.1:9/v1',
    });
  });

  it('that fail are not kept: each call says why again', () => {
    const broken = { provider: 'openai-compatible', model: 'm' };
    expect(() => models.resolve(broken, {})).toThrow(/needs a base URL/);
    expect(() => models.resolve(broken, {})).toThrow(/needs a base URL/);
  });
});
