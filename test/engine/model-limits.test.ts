/**
 * What a failing or cut-off model answer costs, through the real model client against the
 * mock model: a run that fails after its retries reports the tokens of every call, and an
 * answer cut off by the token limit is asked again once with a raised limit, then fails at
 * once naming the limit, instead of being retried unchanged.
 */
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { type MockLlm, type MockRequest, startMockLlm } from '../support/mock-llm.js';
import { flow } from './helpers.js';
import { runAgainst } from './real-model.js';

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm();
});
afterAll(() => mock.close());
beforeEach(() => mock.reset());

const plan = (config: string) =>
  flow(
    'limits',
    '    topic: {type: str, default: "otters"}\n    answer: {type: str, default: ""}',
    '  - {id: write, prompt: "write about {state.topic}", outputs: [answer], output_schema: {type: str}}',
    '  - {from: START, to: write}\n  - {from: write, to: END}',
    config,
  );

/** A completion the token limit cut off, as OpenAI-compatible servers send it. */
const cut = (content: string, completionTokens: number) => ({
  rawBody: {
    id: 'chatcmpl-cut',
    object: 'chat.completion',
    created: 0,
    model: 'mock-1',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'length' }],
    usage: { prompt_tokens: 40, completion_tokens: completionTokens, total_tokens: 40 + completionTokens },
  },
});

const limitOf = (r: MockRequest | undefined) => {
  const body = r?.body as { max_tokens?: number; max_completion_tokens?: number } | undefined;
  return body?.max_tokens ?? body?.max_completion_tokens;
};

const server = () => ({ url: mock.url, model: 'mock-1' });

describe('usage of a failed run', () => {
  it('counts the tokens of every call of a node that fails after its retries', async () => {
    mock.script([{ json: { answer: 1 } }, { json: { answer: 2 } }, { json: { answer: 3 } }]);
    const { result, calls } = await runAgainst(plan('config:\n  execution: {max_retries: 2}'), server());
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('E_MODEL_OUTPUT');
    const sent = mock.chatRequests();
    expect(sent).toHaveLength(3);
    const input = sent
      .map((r) => Math.ceil(JSON.stringify(r.body.messages).length / 4))
      .reduce((a, b) => a + b);
    expect(result.usage.inputTokens).toBe(input);
    expect(result.usage.outputTokens).toBe(
      calls.reduce((n, c) => n + (c.type === 'model-call' ? c.outputTokens : 0), 0),
    );
    expect(result.usage.outputTokens).toBeGreaterThanOrEqual(3);
  });
});

describe('an answer cut off by the token limit', () => {
  it('is asked again once with the limit doubled, and the full answer is taken', async () => {
    mock.script([cut('{"answer": "Otters are', 50), { json: { answer: 'Otters are mustelids.' } }]);
    const { result } = await runAgainst(
      plan('config:\n  llm: {max_tokens: 50}\n  execution: {max_retries: 3}'),
      server(),
    );
    expect(result.status).toBe('success');
    expect(result.outputs.answer).toBe('Otters are mustelids.');
    const sent = mock.chatRequests();
    expect(sent.map(limitOf)).toEqual([50, 100]);
    // The same question, not a "your answer does not match" feedback turn.
    expect(sent[1]?.body.messages).toEqual(sent[0]?.body.messages);
    expect(result.usage.outputTokens).toBeGreaterThanOrEqual(50);
  });

  it('fails at once, naming the limit, when the raised limit cuts it again (not four tries)', async () => {
    mock.script([
      cut('{"answer": "Ott', 50),
      cut('{"answer": "Otters are', 100),
      { json: { answer: 'unused' } },
    ]);
    const { result } = await runAgainst(
      plan('config:\n  llm: {max_tokens: 50}\n  execution: {max_retries: 3}'),
      server(),
    );
    expect(result.status).toBe('failed');
    expect(mock.chatRequests()).toHaveLength(2);
    expect(result.error?.code).toBe('E_MODEL_OUTPUT');
    expect(result.error?.message).toContain('cut off by the token limit (finish_reason "length")');
    expect(result.error?.message).toContain('max_tokens was raised from 50 to 100');
    expect(result.error?.message).toContain('Raise llm.max_tokens');
    expect(result.usage.outputTokens).toBe(150);
  });

  it('fails at once when no retry is allowed, naming the limit', async () => {
    mock.script([cut('{"answer": "Ott', 20)]);
    const { result } = await runAgainst(
      plan('config:\n  llm: {max_tokens: 20}\n  execution: {max_retries: 0}'),
      server(),
    );
    expect(result.status).toBe('failed');
    expect(mock.chatRequests()).toHaveLength(1);
    expect(result.error?.message).toContain('(max_tokens 20) with no attempt left to raise it');
  });

  it("raises a limit nobody set from where the server's own limit stopped the answer", async () => {
    mock.script([cut('{"answer": "Ott', 60), { json: { answer: 'done' } }]);
    const { result } = await runAgainst(plan('config:\n  execution: {max_retries: 1}'), server());
    expect(result.status).toBe('success');
    expect(mock.chatRequests().map(limitOf)).toEqual([undefined, 120]);
  });
});
