import { describe, expect, it } from 'vitest';
import type { LlmConfig, LlmSettings, NodeDef, Workflow } from '../../src/config/types.js';
import { AgentcrateError } from '../../src/errors.js';
import { createModelClient } from '../../src/models/client.js';
import type { LlmOverride, ModelRequest, ResolvedLlm } from '../../src/models/types.js';

function workflow(llm: LlmConfig, nodes: Array<{ id: string; llm?: LlmSettings }>): Workflow {
  return {
    schemaVersion: '1.0',
    flow: { name: 'test' },
    state: [],
    nodes: nodes.map(
      (n, index): NodeDef => ({
        id: n.id,
        index,
        prompt: { source: 'hi', parts: [{ kind: 'text', text: 'hi' }] },
        inputs: [],
        outputs: ['x'],
        outputSchema: { kind: 'single', type: { kind: 'str' } },
        tools: [],
        toolConfig: {},
        llm: n.llm ?? {},
        unsupported: [],
        logPrompts: false,
      }),
    ),
    edges: [],
    config: {
      llm,
      execution: { timeoutSeconds: 120, maxRetries: 3, maxSteps: 100, maxToolSteps: 10, maxParallel: 8 },
      observability: { logPrompts: false },
      extra: {},
    },
    source: '',
  };
}

describe('missingCredentials', () => {
  const wf = workflow({ provider: 'google' }, [
    { id: 'a' },
    { id: 'b', llm: { provider: 'openai', model: 'gpt-4o' } },
    { id: 'c', llm: { model: 'anthropic/claude-3' } },
    { id: 'd', llm: { provider: 'ollama', model: 'llama3' } },
    { id: 'e', llm: { provider: 'bedrock', model: 'anthropic.claude-v2' } },
    { id: 'f', llm: { provider: 'openai-compatible', model: 'm', api_base: 'http://gw/v1' } },
    { id: 'g' },
  ]);

  it('lists every missing variable per provider with the nodes needing it', () => {
    const problems = createModelClient({ env: {} }).missingCredentials(wf);
    const byProvider = Object.fromEntries(problems.map((p) => [p.provider, p]));
    expect(Object.keys(byProvider).sort()).toEqual(['anthropic', 'bedrock', 'google', 'openai']);
    expect(byProvider.google).toMatchObject({
      nodes: ['a', 'g'],
      variables: ['GOOGLE_API_KEY', 'GOOGLE_GENERATIVE_AI_API_KEY'],
    });
    expect(byProvider.google?.message).toContain('GOOGLE_API_KEY');
    expect(byProvider.google?.message).toContain('a, g');
    expect(byProvider.openai).toMatchObject({ nodes: ['b'], variables: ['OPENAI_API_KEY'] });
    expect(byProvider.anthropic).toMatchObject({ nodes: ['c'], variables: ['ANTHROPIC_API_KEY'] });
    expect(byProvider.bedrock?.nodes).toEqual(['e']);
    expect(byProvider.bedrock?.message).toMatch(
      /AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE/,
    );
  });

  it('is satisfied by any one of the accepted variables', () => {
    const env = {
      GOOGLE_GENERATIVE_AI_API_KEY: 'g',
      OPENAI_API_KEY: 'o',
      ANTHROPIC_API_KEY: 'a',
      AWS_PROFILE: 'dev',
    };
    expect(createModelClient({ env }).missingCredentials(wf)).toEqual([]);
    for (const aws of [
      'AWS_ACCESS_KEY_ID',
      'AWS_WEB_IDENTITY_TOKEN_FILE',
      'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
    ]) {
      const problems = createModelClient({
        env: { ...env, AWS_PROFILE: undefined, [aws]: 'x' },
      }).missingCredentials(wf);
      expect(problems).toEqual([]);
    }
  });

  it('follows the whole-run override', () => {
    const env = { AGENTCRATE_LLM_PROVIDER: 'ollama', AGENTCRATE_LLM_MODEL: 'llama3' };
    expect(createModelClient({ env }).missingCredentials(wf)).toEqual([]);
    const problems = createModelClient({
      env: {},
      override: { provider: 'openai', model: 'gpt' },
    }).missingCredentials(wf);
    expect(problems).toHaveLength(1);
    expect(problems[0]?.nodes).toEqual(['a', 'b', 'c', 'd', 'e', 'f', 'g']);
  });

  it('reports nothing in a dry run', () => {
    expect(createModelClient({ env: {}, dryRun: true }).missingCredentials(wf)).toEqual([]);
  });
});

/** Each provider goes through its AI SDK package and the injected fetch. */
describe('provider registry uses the injected fetch', () => {
  interface Seen {
    url: string;
    headers: Headers;
  }

  async function callThrough(env: Record<string, string>, override: LlmOverride) {
    const seen: Seen[] = [];
    const fakeFetch = (async (input: string | URL | Request, init?: RequestInit) => {
      seen.push({
        url: String(input instanceof Request ? input.url : input),
        headers: new Headers(init?.headers),
      });
      return new Response(JSON.stringify({ error: { message: 'nope' } }), {
        status: 400,
        headers: { 'content-type': 'application/json' },
      });
    }) as typeof fetch;
    const models = createModelClient({ env, override, fetch: fakeFetch });
    const llm: ResolvedLlm = models.resolve({}, {});
    const req: ModelRequest = {
      nodeId: 'n',
      llm,
      messages: [{ role: 'user', content: 'hi' }],
      outputSchema: { type: 'object', properties: { a: { type: 'string' } } },
      tools: {},
      maxToolSteps: 1,
      maxRetries: 0,
      signal: new AbortController().signal,
    };
    const error = await models.generate(req).catch((e: unknown) => e);
    expect(error).toBeInstanceOf(AgentcrateError);
    expect((error as AgentcrateError).code).toBe('E_MODEL');
    return { seen, llm };
  }

  it('google (default) with its key header and default model', async () => {
    const { seen, llm } = await callThrough(
      { GOOGLE_API_KEY: 'gk', GOOGLE_GENERATIVE_AI_BASE_URL: 'http://g.test/v1beta' },
      {},
    );
    expect(llm.model).toBe('gemini-2.5-flash-lite');
    expect(seen[0]?.url).toBe('http://g.test/v1beta/models/gemini-2.5-flash-lite:generateContent');
    expect(seen[0]?.headers.get('x-goog-api-key')).toBe('gk');
  });

  it('anthropic', async () => {
    const { seen } = await callThrough(
      { ANTHROPIC_API_KEY: 'ak', ANTHROPIC_BASE_URL: 'http://a.test/v1' },
      { model: 'anthropic/claude-x' },
    );
    expect(seen[0]?.url).toBe('http://a.test/v1/messages');
    expect(seen[0]?.headers.get('x-api-key')).toBe('ak');
  });

  it('ollama on its native /api', async () => {
    const { seen } = await callThrough(
      { OLLAMA_BASE_URL: 'http://o.test:11434' },
      { model: 'ollama_chat/llama3' },
    );
    expect(seen[0]?.url).toBe('http://o.test:11434/api/chat');
  });

  it('bedrock in the configured region', async () => {
    const { seen } = await callThrough(
      { AWS_ACCESS_KEY_ID: 'AKIDEXAMPLE', AWS_SECRET_ACCESS_KEY: 'secret', AWS_REGION: 'eu-west-1' },
      { model: 'bedrock/anthropic.claude-v2' },
    );
    expect(seen[0]?.url).toBe(
      'https://bedrock-runtime.eu-west-1.amazonaws.com/model/anthropic.claude-v2/converse',
    );
    expect(seen[0]?.headers.get('authorization')).toMatch(/^AWS4-HMAC-SHA256/);
  });

  it('openai-compatible with its optional key', async () => {
    const { seen } = await callThrough(
      { OPENAI_COMPATIBLE_API_KEY: 'ck' },
      { provider: 'openai-compatible', model: 'm', baseURL: 'http://c.test/v1' },
    );
    expect(seen[0]?.url).toBe('http://c.test/v1/chat/completions');
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer ck');
  });

  it('openai chat completions', async () => {
    const { seen } = await callThrough(
      { OPENAI_API_KEY: 'ok', OPENAI_BASE_URL: 'http://oa.test/v1' },
      { model: 'openai/gpt-4o' },
    );
    expect(seen[0]?.url).toBe('http://oa.test/v1/chat/completions');
    expect(seen[0]?.headers.get('authorization')).toBe('Bearer ok');
  });
});
