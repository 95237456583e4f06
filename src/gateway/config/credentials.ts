/**
 * Where each upstream's key comes from. Keys live in the environment only: an upstream's own
 * `api_key_env`, else `GATEWAY_<NAME>_API_KEY`, `GATEWAY_<PROVIDER>_API_KEY`, then the
 * provider's usual variables (so a machine already set up for a provider needs nothing new).
 */
import type { UpstreamProvider } from './schema.js';

type Env = Record<string, string | undefined>;

/** The provider's usual variables, in the order the provider layer reads them. */
export const USUAL_KEY_VARIABLES: Record<UpstreamProvider, string[]> = {
  openai: ['OPENAI_API_KEY'],
  'openai-compatible': ['OPENAI_COMPATIBLE_API_KEY'],
  anthropic: ['ANTHROPIC_API_KEY'],
  google: ['GOOGLE_API_KEY', 'GOOGLE_GENERATIVE_AI_API_KEY'],
  bedrock: ['AWS_BEARER_TOKEN_BEDROCK'],
  ollama: [],
};

/** The variable the provider layer reads the key from, where the gateway puts the found key. */
export const PROVIDER_KEY_VARIABLE: Record<UpstreamProvider, string | undefined> = {
  openai: 'OPENAI_API_KEY',
  'openai-compatible': 'OPENAI_COMPATIBLE_API_KEY',
  anthropic: 'ANTHROPIC_API_KEY',
  google: 'GOOGLE_API_KEY',
  bedrock: 'AWS_BEARER_TOKEN_BEDROCK',
  ollama: undefined,
};

/** Providers that work without a key (local servers; Bedrock can use the AWS credential chain). */
const KEY_OPTIONAL = new Set<UpstreamProvider>(['ollama', 'openai-compatible']);

const AWS_CREDENTIAL_SOURCES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
];

/** `openai-compatible` → `OPENAI_COMPATIBLE`, `eu.claude` → `EU_CLAUDE`. */
export function envSegment(name: string): string {
  return name.toUpperCase().replace(/[^A-Z0-9]+/g, '_');
}

export function keyVariables(name: string, provider: UpstreamProvider, explicit?: string): string[] {
  if (explicit !== undefined) return [explicit];
  const own = `GATEWAY_${envSegment(name)}_API_KEY`;
  const byProvider = `GATEWAY_${envSegment(provider)}_API_KEY`;
  return [...new Set([own, byProvider, ...USUAL_KEY_VARIABLES[provider]])];
}

const set = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

export interface FoundKey {
  apiKey?: string;
  hasCredentials: boolean;
}

export function findKey(provider: UpstreamProvider, variables: string[], env: Env): FoundKey {
  for (const name of variables) {
    const value = env[name];
    if (set(value)) return { apiKey: value.trim(), hasCredentials: true };
  }
  if (KEY_OPTIONAL.has(provider)) return { hasCredentials: true };
  if (provider === 'bedrock' && AWS_CREDENTIAL_SOURCES.some((n) => set(env[n])))
    return { hasCredentials: true };
  return { hasCredentials: false };
}
