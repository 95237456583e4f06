/**
 * What a model's answer may cost the server: its size is capped (configurable), its body is
 * read under the run's deadline, and a well-formed answer with nothing in it (`choices: []`)
 * is retried like any malformed one. The real model client against loopback servers.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { compile, execute } from '../../src/engine/index.js';
import { AgentcrateError } from '../../src/errors.js';
import { createModelClient } from '../../src/models/client.js';
import type { ModelRequest } from '../../src/models/types.js';
import { createToolRegistry } from '../../src/tools/index.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { workflowFrom } from '../support/workflows.js';

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm();
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => mock.reset());

const schema = { type: 'object', properties: { title: { type: 'string' } }, required: ['title'] };

function client(env: Record<string, string> = {}, baseURL = mock.url) {
  return createModelClient({
    env: { OPENAI_API_KEY: 'k', ...env },
    override: { provider: 'openai', model: 'mock-model', baseURL },
    sleep: async () => {},
  });
}

function request(models: ReturnType<typeof client>, maxRetries = 2): ModelRequest {
  return {
    nodeId: 'n1',
    llm: models.resolve({}, {}),
    messages: [{ role: 'user', content: 'Write a title.' }],
    outputSchema: schema,
    tools: {},
    maxToolSteps: 1,
    maxRetries,
    signal: new AbortController().signal,
  };
}

function completion(content: string) {
  return {
    id: 'chatcmpl-big',
    object: 'chat.completion',
    created: 1,
    model: 'mock-model',
    choices: [{ index: 0, message: { role: 'assistant', content }, finish_reason: 'stop' }],
    usage: { prompt_tokens: 1, completion_tokens: 1, total_tokens: 2 },
  };
}

describe('the size of a model answer', () => {
  it('refuses a 20 MB answer under the default cap (8 MiB), without retrying it', async () => {
    const models = client();
    mock.enqueue({ body: completion(JSON.stringify({ title: 'x'.repeat(20 * 1024 * 1024) })) });
    const started = performance.now();
    const error = (await models.generate(request(models)).catch((e: unknown) => e)) as AgentcrateError;
    expect(error).toBeInstanceOf(AgentcrateError);
    expect(error.code).toBe('E_MODEL');
    expect(error.message).toMatch(/larger than 8388608 bytes/);
    expect(error.message).toMatch(/AGENTCRATE_MAX_MODEL_ANSWER_BYTES/);
    expect(mock.chatRequests()).toHaveLength(1);
    expect(performance.now() - started).toBeLessThan(5000);
  });

  it('is configurable with AGENTCRATE_MAX_MODEL_ANSWER_BYTES, and refuses a malformed value', async () => {
    const small = client({ AGENTCRATE_MAX_MODEL_ANSWER_BYTES: '200' });
    mock.enqueue({ json: { title: 'a title long enough to push the whole completion past 200 bytes' } });
    const error = (await small.generate(request(small)).catch((e: unknown) => e)) as AgentcrateError;
    expect(error.message).toMatch(/larger than 200 bytes/);
    const roomy = client({ AGENTCRATE_MAX_MODEL_ANSWER_BYTES: '100000' });
    mock.enqueue({ json: { title: 'fits' } });
    expect((await roomy.generate(request(roomy))).output).toEqual({ title: 'fits' });
    expect(() => client({ AGENTCRATE_MAX_MODEL_ANSWER_BYTES: '8MB' })).toThrow(
      /AGENTCRATE_MAX_MODEL_ANSWER_BYTES must be a whole number of bytes/,
    );
  });
});

describe('an empty answer', () => {
  it('retries choices: [] like a malformed answer, then takes the next one', async () => {
    const models = client();
    mock.script([{ body: { ...completion(''), choices: [] } }, { json: { title: 'second time lucky' } }]);
    const res = await models.generate(request(models));
    expect(res.output).toEqual({ title: 'second time lucky' });
    expect(res.attempts).toBe(2);
    expect(mock.chatRequests()).toHaveLength(2);
  });

  it('fails with E_MODEL naming the reason once the retries are spent', async () => {
    const models = client();
    mock.script([{ body: { ...completion(''), choices: [] } }, { body: { ...completion(''), choices: [] } }]);
    const error = (await models.generate(request(models, 1)).catch((e: unknown) => e)) as AgentcrateError;
    expect(error.code).toBe('E_MODEL');
    expect(error.message).toMatch(/did not contain any choices/);
    expect(mock.chatRequests()).toHaveLength(2);
  });
});

describe('the run timeout and a slow answer', () => {
  it('ends the run at its timeout while the answer is still trickling in', async () => {
    // Headers at once, then one byte every 20 ms, forever: the body never completes.
    const server = createServer((req, res) => {
      req.resume();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.write('{"id": "x", "choices": [');
      const drip = setInterval(() => res.write(' '), 20);
      req.socket.on('close', () => clearInterval(drip));
    });
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    try {
      const models = client({}, `http://127.0.0.1:${(server.address() as AddressInfo).port}/v1`);
      const plan = compile(
        workflowFrom(`schema_version: "1.0"
flow: {name: slow}
state:
  fields:
    title: {type: str, default: ""}
nodes:
  - {id: n1, prompt: "title", outputs: [title], output_schema: {type: str}}
edges:
  - {from: START, to: n1}
  - {from: n1, to: END}
`),
      );
      const started = performance.now();
      const result = await execute(
        plan,
        {},
        { models, tools: createToolRegistry(), env: {}, cwd: process.cwd() },
        { timeoutMs: 500 },
      );
      expect(result.status).toBe('failed');
      expect(result.error?.code).toBe('E_TIMEOUT');
      expect(performance.now() - started).toBeLessThan(3000);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
    }
  });
});
