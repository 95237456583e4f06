/**
 * The direct path (one step, no tools: the provider's doGenerate) must be indistinguishable
 * from generateText + Output.object: same request on the wire, same response to the engine,
 * same errors. Each case runs both ways against the mock server; a message given as parts
 * (not a plain string) still takes the generateText path, which is how the peer is forced.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { createModelClient } from '../../src/models/client.js';
import { parseJsonSecurely, toV3Prompt } from '../../src/models/direct-call.js';
import type { ModelRequest, ModelResponse } from '../../src/models/types.js';
import { type MockLlm, type MockStep, startMockLlm } from '../support/mock-llm.js';

const schema = {
  type: 'object',
  properties: { title: { type: 'string' }, score: { type: 'integer' } },
  required: ['title', 'score'],
};

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm();
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => mock.reset());

async function both(step: MockStep, provider: 'openai' | 'openai-compatible') {
  const models = createModelClient({
    env: { OPENAI_API_KEY: 'sk-test', OPENAI_COMPATIBLE_API_KEY: 'sk-test' },
    override: { provider, model: 'mock-model', baseURL: mock.url },
    sleep: async () => {},
  });
  const llm = models.resolve({}, {});
  const base: ModelRequest = {
    nodeId: 'n1',
    llm,
    system: 'You are terse.',
    messages: [
      { role: 'user', content: 'Write a title.' },
      { role: 'assistant', content: '{"title": 1}' },
      { role: 'user', content: 'score must be an integer; try again.' },
    ],
    outputSchema: schema,
    tools: {},
    maxToolSteps: 5,
    maxRetries: 0,
    signal: new AbortController().signal,
  };
  const asParts: ModelRequest = {
    ...base,
    messages: base.messages.map((m) =>
      m.role === 'user'
        ? { role: 'user', content: [{ type: 'text', text: m.content as string }] }
        : { role: 'assistant', content: [{ type: 'text', text: m.content as string }] },
    ),
  };
  const outcome = async (req: ModelRequest) => {
    mock.reset();
    mock.enqueue(step);
    let response: Omit<ModelResponse, 'latencyMs'> | undefined;
    let error: unknown;
    try {
      const { latencyMs: _, ...rest } = await models.generate(req);
      response = rest;
    } catch (e) {
      error = e;
    }
    const request = mock.chatRequests()[0];
    return {
      response,
      error: error === undefined ? undefined : String(error),
      sent: request?.body,
      userAgent: String(request?.headers['user-agent']),
    };
  };
  return { direct: await outcome(base), generateText: await outcome(asParts) };
}

describe('direct call vs generateText', () => {
  const cases: Array<[string, MockStep]> = [
    ['a valid answer', { json: { title: 'Hello', score: 7 } }],
    ['an answer that is not JSON', { text: 'Sure! Here is a title: Hello' }],
    ['an answer with a poisoned prototype', { text: '{"title":"x","score":1,"__proto__":{"admin":true}}' }],
    [
      'an answer with constructor.prototype',
      { text: '{"title":"x","score":1,"constructor":{"prototype":{}}}' },
    ],
    ['an empty answer', { text: '' }],
    ['a transport failure', { status: 500, body: { error: { message: 'upstream exploded' } } }],
  ];
  for (const provider of ['openai', 'openai-compatible'] as const) {
    for (const [name, step] of cases) {
      it(`${provider}: ${name}`, async () => {
        const { direct, generateText } = await both(step, provider);
        // generateText names itself in the user agent (`ai/<version>`); the direct path does not,
        // which shows each case really took the path it is meant to.
        expect(generateText.userAgent).toMatch(/\bai\/\d/);
        expect(direct.userAgent).not.toMatch(/\bai\/\d/);
        expect(direct.sent).toEqual(generateText.sent);
        expect(direct.error).toEqual(generateText.error);
        expect(direct.response).toEqual(generateText.response);
        // Each case reached the outcome it is named for.
        if (name === 'a valid answer') expect(direct.response?.output).toEqual({ title: 'Hello', score: 7 });
        else if (name === 'a transport failure') expect(direct.error).toMatch(/upstream exploded|500/);
        else expect(direct.response?.output).toBeUndefined();
        if (name.includes('prototype'))
          expect(direct.response?.parseError).toMatch(/forbidden prototype property/);
      });
    }
  }
});

describe('parseJsonSecurely', () => {
  it('parses JSON and refuses prototype poisoning anywhere in the value, like secure-json-parse', () => {
    expect(parseJsonSecurely('{"a":[1,{"b":"__proto__"}]}')).toEqual({
      ok: true,
      value: { a: [1, { b: '__proto__' }] },
    });
    expect(parseJsonSecurely('{"a":{"constructor":"fine"}}')).toMatchObject({ ok: true });
    expect(parseJsonSecurely('{"a":[{"__proto__":{}}]}')).toMatchObject({ ok: false });
    expect(parseJsonSecurely('{"a":{"\\u005f_proto__":{}}}')).toMatchObject({ ok: false });
    expect(parseJsonSecurely('{"x":{"constructor":{"prototype":{"p":1}}}}')).toMatchObject({ ok: false });
    expect(parseJsonSecurely('not json')).toMatchObject({ ok: false });
    expect(parseJsonSecurely('"just a string"')).toEqual({ ok: true, value: 'just a string' });
  });
});

describe('toV3Prompt', () => {
  it('converts text messages and leaves anything else to generateText', () => {
    expect(toV3Prompt('sys', [{ role: 'user', content: 'hi' }])).toEqual([
      { role: 'system', content: 'sys' },
      { role: 'user', content: [{ type: 'text', text: 'hi' }] },
    ]);
    expect(
      toV3Prompt(undefined, [{ role: 'user', content: [{ type: 'text', text: 'hi' }] }]),
    ).toBeUndefined();
    expect(toV3Prompt(undefined, [{ role: 'system', content: 'second system' }])).toBeUndefined();
  });
});
