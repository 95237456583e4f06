import { describe, expect, it } from 'vitest';
import type { LlmConfig, LlmSettings } from '../../src/config/types.js';
import { AgentcrateError } from '../../src/errors.js';
import { ollamaApiBase } from '../../src/models/providers.js';
import { readOverride, resolveLlm } from '../../src/models/resolve.js';
import type { LlmOverride, ResolvedLlm } from '../../src/models/types.js';

interface Row {
  name: string;
  config?: LlmConfig;
  node?: LlmSettings;
  override?: LlmOverride;
  env?: Record<string, string>;
  want: ResolvedLlm;
}

const rows: Row[] = [
  { name: 'built-in default', want: { provider: 'google', model: 'gemini-2.5-flash-lite' } },
  {
    name: 'config.llm applies',
    config: { provider: 'openai', model: 'gpt-4o', temperature: 0.2 },
    want: { provider: 'openai', model: 'gpt-4o', temperature: 0.2 },
  },
  {
    name: 'node overrides key by key',
    config: { provider: 'openai', model: 'gpt-4o', temperature: 0.2, max_tokens: 100 },
    node: { model: 'gpt-4o-mini', max_tokens: 50 },
    want: { provider: 'openai', model: 'gpt-4o-mini', temperature: 0.2, maxTokens: 50 },
  },
  {
    name: 'per-provider defaults sit under config.llm',
    config: {
      provider: 'anthropic',
      temperature: 0.1,
      providers: {
        anthropic: { model: 'claude-x', temperature: 0.9, max_tokens: 700, api_base: 'http://a/v1' },
      },
    },
    want: {
      provider: 'anthropic',
      model: 'claude-x',
      temperature: 0.1,
      maxTokens: 700,
      baseURL: 'http://a/v1',
    },
  },
  {
    name: 'per-provider defaults follow the node provider',
    config: { providers: { ollama: { model: 'llama3' }, google: { model: 'gemini-pro' } } },
    node: { provider: 'ollama' },
    want: { provider: 'ollama', model: 'llama3', baseURL: 'http://localhost:11434' },
  },
  {
    name: 'litellm prefix selects the provider and is stripped',
    config: { model: 'openai/gpt-4o' },
    want: { provider: 'openai', model: 'gpt-4o' },
  },
  {
    name: 'ollama_chat prefix',
    node: { model: 'ollama_chat/llama3' },
    env: { OLLAMA_BASE_URL: 'http://box:11434' },
    want: { provider: 'ollama', model: 'llama3', baseURL: 'http://box:11434' },
  },
  {
    name: 'gemini prefix → google',
    node: { model: 'gemini/gemini-2.0' },
    want: { provider: 'google', model: 'gemini-2.0' },
  },
  {
    name: 'known prefix wins over an explicit provider',
    config: { provider: 'anthropic', model: 'bedrock/anthropic.claude-v2' },
    want: { provider: 'bedrock', model: 'anthropic.claude-v2' },
  },
  {
    name: 'unknown prefix is part of the model name',
    config: { provider: 'openai-compatible', model: 'meta-llama/Llama-3-8b', api_base: 'http://gw/v1' },
    want: { provider: 'openai-compatible', model: 'meta-llama/Llama-3-8b', baseURL: 'http://gw/v1' },
  },
  {
    name: 'env base URL when the workflow gives none',
    config: { provider: 'openai', model: 'gpt-4o' },
    env: { OPENAI_BASE_URL: 'http://proxy/v1' },
    want: { provider: 'openai', model: 'gpt-4o', baseURL: 'http://proxy/v1' },
  },
  {
    name: 'api_base beats the env base URL',
    config: { provider: 'openai', model: 'gpt-4o', api_base: 'http://mine/v1' },
    env: { OPENAI_BASE_URL: 'http://proxy/v1' },
    want: { provider: 'openai', model: 'gpt-4o', baseURL: 'http://mine/v1' },
  },
  {
    name: 'env override replaces provider, model and base URL',
    config: { provider: 'google', model: 'gemini-2.5-flash', api_base: 'http://g' },
    env: {
      AGENTCRATE_LLM_PROVIDER: 'openai-compatible',
      AGENTCRATE_LLM_MODEL: 'local',
      AGENTCRATE_LLM_BASE_URL: 'http://127.0.0.1:9/v1',
    },
    want: { provider: 'openai-compatible', model: 'local', baseURL: 'http://127.0.0.1:9/v1' },
  },
  {
    name: 'CLI override wins over env override',
    env: { AGENTCRATE_LLM_PROVIDER: 'anthropic', AGENTCRATE_LLM_MODEL: 'claude' },
    override: { provider: 'openai', model: 'gpt-4o' },
    want: { provider: 'openai', model: 'gpt-4o' },
  },
  {
    name: 'override switching provider keeps the workflow model (prefix stripped), drops its api_base',
    config: { model: 'gemini/gemini-2.5-pro', api_base: 'http://google-proxy' },
    override: { provider: 'ollama' },
    want: { provider: 'ollama', model: 'gemini-2.5-pro', baseURL: 'http://localhost:11434' },
  },
  {
    name: 'override with only a model keeps provider and api_base',
    config: { provider: 'openai', model: 'gpt-4o', api_base: 'http://p/v1' },
    override: { model: 'gpt-4o-mini' },
    want: { provider: 'openai', model: 'gpt-4o-mini', baseURL: 'http://p/v1' },
  },
  {
    name: 'override model prefix selects the provider',
    config: { provider: 'google' },
    override: { model: 'anthropic/claude-3' },
    want: { provider: 'anthropic', model: 'claude-3' },
  },
];

describe('resolveLlm', () => {
  for (const row of rows) {
    it(row.name, () => {
      const env = row.env ?? {};
      const got = resolveLlm(row.config, row.node, {
        env,
        override: readOverride(env, row.override),
        dryRun: false,
      });
      expect(got).toEqual(row.want);
    });
  }

  it('rejects an unknown provider with E_INVALID_WORKFLOW listing the known ones', () => {
    const error = (() => {
      try {
        resolveLlm({ provider: 'mistral' }, {}, { env: {}, override: {}, dryRun: false });
      } catch (e) {
        return e;
      }
    })() as AgentcrateError;
    expect(error).toBeInstanceOf(AgentcrateError);
    expect(error.code).toBe('E_INVALID_WORKFLOW');
    expect(error.message).toContain("'mistral'");
    expect(error.message).toContain('openai-compatible');
  });

  it('requires a model for providers without a default, except in dry runs', () => {
    expect(() => resolveLlm({ provider: 'openai' }, {}, { env: {}, override: {}, dryRun: false })).toThrow(
      /no model set for provider 'openai'/,
    );
    expect(resolveLlm({ provider: 'openai' }, {}, { env: {}, override: {}, dryRun: true }).provider).toBe(
      'openai',
    );
  });

  it('requires a base URL for openai-compatible', () => {
    expect(() =>
      resolveLlm({ provider: 'openai-compatible', model: 'x' }, {}, { env: {}, override: {}, dryRun: false }),
    ).toThrow(/needs a base URL/);
  });

  it('ignores blank override variables', () => {
    expect(readOverride({ AGENTCRATE_LLM_PROVIDER: ' ', AGENTCRATE_LLM_MODEL: '' })).toEqual({});
  });
});

describe('ollamaApiBase', () => {
  it('points the provider at the native /api whatever form the user wrote', () => {
    expect(ollamaApiBase('http://localhost:11434')).toBe('http://localhost:11434/api');
    expect(ollamaApiBase('http://localhost:11434/')).toBe('http://localhost:11434/api');
    expect(ollamaApiBase('http://localhost:11434/api')).toBe('http://localhost:11434/api');
    expect(ollamaApiBase('http://localhost:11434/v1')).toBe('http://localhost:11434/api');
  });
});
