/** `--provider/--model/--base-url`: one model for every node (run and serve). */
import { KNOWN_PROVIDERS } from '../../config/known-providers.js';
import type { LlmOverride } from '../../models/types.js';
import type { OptionsSpec } from '../options.js';

export const MODEL_OVERRIDE_OPTIONS = {
  provider: {
    type: 'enum',
    choices: KNOWN_PROVIDERS,
    placeholder: '<name>',
    description: 'the provider of every node (AGENTCRATE_LLM_PROVIDER does the same)',
  },
  model: {
    type: 'string',
    placeholder: '<name>',
    description: 'the model of every node (AGENTCRATE_LLM_MODEL)',
  },
  baseUrl: {
    type: 'string',
    placeholder: '<url>',
    description: 'the base URL of every node: a gateway or a local server (AGENTCRATE_LLM_BASE_URL)',
  },
} as const satisfies OptionsSpec;

export function modelOverride(o: { provider?: string; model?: string; baseUrl?: string }): LlmOverride {
  return {
    ...(o.provider !== undefined ? { provider: o.provider } : {}),
    ...(o.model !== undefined ? { model: o.model } : {}),
    ...(o.baseUrl !== undefined ? { baseURL: o.baseUrl } : {}),
  };
}
