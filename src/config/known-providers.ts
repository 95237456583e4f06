/**
 * Model providers a workflow may name, and the LiteLLM-style model-name prefixes that select
 * one, shared by the validator and the models room.
 */

export const KNOWN_PROVIDERS: readonly string[] = [
  'google',
  'openai',
  'anthropic',
  'ollama',
  'bedrock',
  'openai-compatible',
  'gateway',
];

/**
 * LiteLLM-style model prefixes (`openai/gpt-4o`) and the provider each selects. Model names
 * with other slashes (`meta-llama/...` on a gateway) are left alone.
 */
export const MODEL_PREFIXES: ReadonlyMap<string, string> = new Map([
  ['openai', 'openai'],
  ['ollama', 'ollama'],
  ['ollama_chat', 'ollama'],
  ['gemini', 'google'],
  ['google', 'google'],
  ['anthropic', 'anthropic'],
  ['bedrock', 'bedrock'],
  ['gateway', 'gateway'],
]);

/** The provider a LiteLLM-prefixed model name selects, if it has a known prefix. */
export function providerFromModel(model: string): string | undefined {
  const slash = model.indexOf('/');
  return slash > 0 ? MODEL_PREFIXES.get(model.slice(0, slash)) : undefined;
}
