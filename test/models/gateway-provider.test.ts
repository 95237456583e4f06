/** Provider `gateway`: the model is an alias of agentcrate's gateway, reached at GATEWAY_URL; the override keeps each node's own provider in the model name. */
import { describe, expect, it } from 'vitest';
import type { LlmConfig } from '../../src/config/types.js';
import { providerSpec, readOverride, resolveLlm } from '../../src/models/index.js';

const resolve = (llm: LlmConfig | undefined, env: Record<string, string> = {}) =>
  resolveLlm(llm, {}, { env, override: readOverride(env), dryRun: false });

describe('provider gateway', () => {
  it('takes the model as an alias and the gateway URL from GATEWAY_URL, default 127.0.0.1:8585', () => {
    expect(resolve({ provider: 'gateway', model: 'fast' })).toEqual({
      provider: 'gateway',
      model: 'fast',
      baseURL: 'http://127.0.0.1:8585/v1',
    });
    expect(
      resolve({ provider: 'gateway', model: 'smart' }, { GATEWAY_URL: 'http://model-gateway:8585' }).baseURL,
    ).toBe('http://model-gateway:8585/v1');
    expect(resolve({ model: 'gateway/fast' }).provider).toBe('gateway');
  });

  it('needs no provider key: the gateway holds them', () => {
    expect(providerSpec('gateway').missingCredential({})).toBeUndefined();
  });

  it('under AGENTCRATE_LLM_PROVIDER=gateway, a node keeps its own provider in the model name', () => {
    const env = { AGENTCRATE_LLM_PROVIDER: 'gateway' };
    expect(resolve({ provider: 'anthropic', model: 'claude-sonnet-4-5' }, env)).toEqual({
      provider: 'gateway',
      model: 'anthropic/claude-sonnet-4-5',
      baseURL: 'http://127.0.0.1:8585/v1',
    });
    expect(resolve({ model: 'openai/gpt-4o', api_base: 'https://api.example/v1' }, env)).toMatchObject({
      model: 'openai/gpt-4o',
      baseURL: 'http://127.0.0.1:8585/v1',
    });
    // No provider and no model: the default provider's default model.
    expect(resolve(undefined, env).model).toBe('google/gemini-2.5-flash-lite');
    // A model named by the override is taken as it is (an alias).
    expect(
      resolve({ provider: 'anthropic', model: 'x' }, { ...env, AGENTCRATE_LLM_MODEL: 'fast' }).model,
    ).toBe('fast');
  });
});
