/**
 * Which provider, model and settings one node runs with. Layers, weakest first:
 *
 *   built-in provider defaults < config.llm.providers.<provider> < config.llm < node llm
 *     < AGENTCRATE_LLM_* env override < CLI override (--provider/--model/--base-url)
 *
 * merged key by key. A LiteLLM-style prefix on the model name (`openai/gpt-4o`,
 * `ollama_chat/llama3`, `gemini/...`) selects its provider and is stripped; an unknown
 * prefix (`meta-llama/Llama-3` on a gateway) is part of the model name and left alone.
 *
 * When the override switches to another provider without naming a model, the workflow's
 * model name is kept (minus any provider prefix): "run this workflow through my gateway"
 * usually means "same model, other endpoint". The workflow's `api_base` is dropped in that
 * case, since it belonged to the old provider.
 */
import { providerFromModel } from '../config/known-providers.js';
import type { LlmConfig, LlmSettings } from '../config/types.js';
import { AgentcrateError } from '../errors.js';
import { DEFAULT_PROVIDER, type Env, GATEWAY_PROVIDER, PROVIDERS, providerSpec } from './providers.js';
import type { LlmOverride, ResolvedLlm } from './types.js';

/** The whole-run override from `AGENTCRATE_LLM_*`, with the CLI's flags winning key by key. */
export function readOverride(env: Env, cli: LlmOverride = {}): LlmOverride {
  const pick = (flag: string | undefined, name: string): string | undefined => {
    if (flag !== undefined && flag.trim() !== '') return flag.trim();
    const value = env[name];
    return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
  };
  const out: LlmOverride = {};
  const provider = pick(cli.provider, 'AGENTCRATE_LLM_PROVIDER');
  const model = pick(cli.model, 'AGENTCRATE_LLM_MODEL');
  const baseURL = pick(cli.baseURL, 'AGENTCRATE_LLM_BASE_URL');
  if (provider !== undefined) out.provider = provider;
  if (model !== undefined) out.model = model;
  if (baseURL !== undefined) out.baseURL = baseURL;
  return out;
}

/** Splits a known LiteLLM prefix off a model name. */
export function splitModelPrefix(model: string): { provider?: string; model: string } {
  const provider = providerFromModel(model);
  return provider === undefined ? { model } : { provider, model: model.slice(model.indexOf('/') + 1) };
}

export interface ResolveOptions {
  env: Env;
  override: LlmOverride;
  /** Dry runs never call the provider, so a missing model or base URL is not an error there. */
  dryRun: boolean;
}

export function resolveLlm(
  workflowLlm: LlmConfig | undefined,
  nodeLlm: LlmSettings | undefined,
  options: ResolveOptions,
): ResolvedLlm {
  const { providers, ...config } = workflowLlm ?? {};
  const node = nodeLlm ?? {};
  const { override } = options;

  let provider = node.provider ?? config.provider;
  let model = node.model ?? config.model;
  let baseURL = node.api_base ?? config.api_base;

  // Routed through the gateway by the override, a node keeps its own provider in the model
  // name (`google/gemini-2.5-flash`): the gateway routes by it.
  let throughGateway: string | undefined;
  if (override.provider !== undefined) {
    const workflowProvider = (model !== undefined ? providerFromModel(model) : undefined) ?? provider;
    if ((workflowProvider ?? DEFAULT_PROVIDER) !== override.provider) baseURL = undefined;
    provider = override.provider;
    if (model !== undefined) model = splitModelPrefix(model).model;
    const own = (workflowProvider ?? DEFAULT_PROVIDER).trim();
    if (override.provider === GATEWAY_PROVIDER && override.model === undefined && own !== GATEWAY_PROVIDER) {
      throughGateway = own;
      model ??= providers?.[own]?.model ?? PROVIDERS.get(own)?.defaultModel;
    }
  }
  if (override.model !== undefined) model = override.model;
  if (override.baseURL !== undefined) baseURL = override.baseURL;

  if (model !== undefined) {
    const split = splitModelPrefix(model);
    if (split.provider !== undefined) provider = split.provider;
    model = split.model;
  }
  provider = (provider ?? DEFAULT_PROVIDER).trim();
  if (throughGateway !== undefined && model !== undefined)
    model = `${throughGateway}/${splitModelPrefix(model).model}`;
  const spec = providerSpec(provider);
  const defaults = providers?.[provider] ?? {};

  if (model === undefined && defaults.model !== undefined) model = splitModelPrefix(defaults.model).model;
  model ??= spec.defaultModel;
  baseURL ??= defaults.api_base ?? spec.envBaseURL(options.env);

  if (model === undefined || model.trim() === '') {
    if (!options.dryRun) {
      throw new AgentcrateError(
        'E_INVALID_WORKFLOW',
        `no model set for provider '${provider}': set llm.model in the workflow (config.llm or the node), ` +
          'or AGENTCRATE_LLM_MODEL / --model',
        { details: { provider } },
      );
    }
    model = 'unspecified';
  }
  if (provider === 'openai-compatible' && baseURL === undefined && !options.dryRun) {
    throw new AgentcrateError(
      'E_INVALID_WORKFLOW',
      "provider 'openai-compatible' needs a base URL: set llm.api_base, or AGENTCRATE_LLM_BASE_URL / --base-url",
      { details: { provider } },
    );
  }

  const resolved: ResolvedLlm = { provider, model };
  const temperature = node.temperature ?? config.temperature ?? defaults.temperature;
  const maxTokens = node.max_tokens ?? config.max_tokens ?? defaults.max_tokens;
  if (temperature !== undefined) resolved.temperature = temperature;
  if (maxTokens !== undefined) resolved.maxTokens = maxTokens;
  if (baseURL !== undefined) resolved.baseURL = baseURL;
  return resolved;
}
