/**
 * The provider registry: for each provider name a workflow may use, its default model, where
 * its credentials and base URL come from, and how to build an AI SDK model for it. Every
 * model goes through an official AI SDK provider package (no hand-written HTTP clients), and
 * every factory receives the injected `fetch` so tests and proxies see all traffic.
 */
import type { LanguageModel } from 'ai';
import { AgentcrateError } from '../errors.js';
import { openAICompatibleChat } from './openai-compatible.js';
import type { ResolvedLlm } from './types.js';

export type Env = Record<string, string | undefined>;

export interface ProviderContext {
  env: Env;
  fetch?: typeof fetch;
}

export interface CredentialNeed {
  /** Env variables, any one of which satisfies the need. */
  variables: string[];
  message: string;
}

export interface ProviderSpec {
  name: string;
  defaultModel?: string;
  /** Base URL from the environment when the workflow gives none. */
  envBaseURL(env: Env): string | undefined;
  /** What is missing from `env`, or undefined when the provider can authenticate. */
  missingCredential(env: Env): CredentialNeed | undefined;
  /** The env values that are secrets, so error messages can be scrubbed of them. */
  secrets(env: Env): string[];
  /**
   * Provider packages are imported on first use: each takes a while to load (BENCHMARKS.md,
   * "Numbers behind settings in the code"), and a server needs one or two of six (cold start
   * matters for containers and the CLI).
   */
  create(llm: ResolvedLlm, ctx: ProviderContext): Promise<LanguageModel>;
}

export const DEFAULT_PROVIDER = 'google';
export const DEFAULT_OLLAMA_BASE_URL = 'http://localhost:11434';
/** agentcrate's model gateway (`agentcrate gateway`): model names are its aliases. */
export const GATEWAY_PROVIDER = 'gateway';
export const DEFAULT_GATEWAY_URL = 'http://127.0.0.1:8585';

/** The gateway's OpenAI-compatible base: `GATEWAY_URL` (or api_base) with `/v1`, as users write either. */
export function gatewayApiBase(url: string): string {
  const trimmed = url.replace(/\/+$/, '');
  return trimmed.endsWith('/v1') ? trimmed : `${trimmed}/v1`;
}

const set = (value: string | undefined): value is string => value !== undefined && value.trim() !== '';

function firstSet(env: Env, names: string[]): string | undefined {
  for (const name of names) {
    const value = env[name];
    if (set(value)) return value;
  }
  return undefined;
}

function keyNeed(provider: string, names: string[]): (env: Env) => CredentialNeed | undefined {
  return (env) =>
    firstSet(env, names) !== undefined
      ? undefined
      : {
          variables: names,
          message: `provider '${provider}' needs an API key: set ${names.join(' or ')}`,
        };
}

/**
 * ollama-ai-provider-v2 talks to Ollama's native API under `/api`, while users write the
 * server root (`http://localhost:11434`, the Ollama convention) or its OpenAI-style `/v1`.
 */
export function ollamaApiBase(baseURL: string): string {
  const trimmed = baseURL.replace(/\/+$/, '');
  if (trimmed.endsWith('/api')) return trimmed;
  if (trimmed.endsWith('/v1')) return `${trimmed.slice(0, -3)}/api`;
  return `${trimmed}/api`;
}

const AWS_CREDENTIAL_SOURCES = [
  'AWS_ACCESS_KEY_ID',
  'AWS_PROFILE',
  'AWS_WEB_IDENTITY_TOKEN_FILE',
  'AWS_CONTAINER_CREDENTIALS_RELATIVE_URI',
  'AWS_CONTAINER_CREDENTIALS_FULL_URI',
  'AWS_BEARER_TOKEN_BEDROCK',
];

export const PROVIDERS: ReadonlyMap<string, ProviderSpec> = new Map<string, ProviderSpec>([
  [
    'google',
    {
      name: 'google',
      defaultModel: 'gemini-2.5-flash-lite',
      envBaseURL: (env) => firstSet(env, ['GOOGLE_GENERATIVE_AI_BASE_URL']),
      missingCredential: keyNeed('google', ['GOOGLE_API_KEY', 'GOOGLE_GENERATIVE_AI_API_KEY']),
      secrets: (env) => values(env, ['GOOGLE_API_KEY', 'GOOGLE_GENERATIVE_AI_API_KEY']),
      create: async (llm, { env, fetch }) =>
        (await import('@ai-sdk/google')).createGoogleGenerativeAI({
          apiKey: firstSet(env, ['GOOGLE_API_KEY', 'GOOGLE_GENERATIVE_AI_API_KEY']),
          baseURL: llm.baseURL,
          fetch,
        })(llm.model),
    },
  ],
  [
    'openai',
    {
      name: 'openai',
      envBaseURL: (env) => firstSet(env, ['OPENAI_BASE_URL']),
      missingCredential: keyNeed('openai', ['OPENAI_API_KEY']),
      secrets: (env) => values(env, ['OPENAI_API_KEY']),
      // `.chat` speaks /chat/completions, which every OpenAI-compatible server implements.
      create: async (llm, { env, fetch }) =>
        (await import('@ai-sdk/openai'))
          .createOpenAI({ apiKey: firstSet(env, ['OPENAI_API_KEY']), baseURL: llm.baseURL, fetch })
          .chat(llm.model),
    },
  ],
  [
    'anthropic',
    {
      name: 'anthropic',
      envBaseURL: (env) => firstSet(env, ['ANTHROPIC_BASE_URL']),
      missingCredential: keyNeed('anthropic', ['ANTHROPIC_API_KEY']),
      secrets: (env) => values(env, ['ANTHROPIC_API_KEY']),
      create: async (llm, { env, fetch }) =>
        (await import('@ai-sdk/anthropic')).createAnthropic({
          apiKey: firstSet(env, ['ANTHROPIC_API_KEY']),
          baseURL: llm.baseURL,
          fetch,
        })(llm.model),
    },
  ],
  [
    'ollama',
    {
      name: 'ollama',
      envBaseURL: (env) => firstSet(env, ['OLLAMA_BASE_URL']) ?? DEFAULT_OLLAMA_BASE_URL,
      missingCredential: () => undefined,
      secrets: () => [],
      create: async (llm, { fetch }) =>
        (await import('ollama-ai-provider-v2')).createOllama({
          baseURL: ollamaApiBase(llm.baseURL ?? DEFAULT_OLLAMA_BASE_URL),
          fetch,
        })(llm.model),
    },
  ],
  [
    'bedrock',
    {
      name: 'bedrock',
      envBaseURL: () => undefined,
      missingCredential: (env) =>
        AWS_CREDENTIAL_SOURCES.some((name) => set(env[name]))
          ? undefined
          : {
              variables: ['AWS_ACCESS_KEY_ID+AWS_SECRET_ACCESS_KEY', 'AWS_PROFILE'],
              message:
                "provider 'bedrock' needs AWS credentials: set AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or AWS_PROFILE",
            },
      secrets: (env) =>
        values(env, ['AWS_SECRET_ACCESS_KEY', 'AWS_SESSION_TOKEN', 'AWS_BEARER_TOKEN_BEDROCK']),
      // Values come from our env map, not process.env, so a server's per-run env is honoured.
      create: async (llm, { env, fetch }) =>
        (await import('@ai-sdk/amazon-bedrock')).createAmazonBedrock({
          region: firstSet(env, ['AWS_REGION', 'AWS_DEFAULT_REGION']) ?? 'us-east-1',
          accessKeyId: firstSet(env, ['AWS_ACCESS_KEY_ID']),
          secretAccessKey: firstSet(env, ['AWS_SECRET_ACCESS_KEY']),
          sessionToken: firstSet(env, ['AWS_SESSION_TOKEN']),
          apiKey: firstSet(env, ['AWS_BEARER_TOKEN_BEDROCK']),
          baseURL: llm.baseURL,
          fetch,
        })(llm.model),
    },
  ],
  [
    'openai-compatible',
    {
      name: 'openai-compatible',
      envBaseURL: () => undefined,
      missingCredential: () => undefined,
      secrets: (env) => values(env, ['OPENAI_COMPATIBLE_API_KEY']),
      create: async (llm, { env, fetch }) => {
        if (llm.baseURL === undefined) {
          throw new AgentcrateError(
            'E_INVALID_WORKFLOW',
            "provider 'openai-compatible' needs a base URL: set llm.api_base (or AGENTCRATE_LLM_BASE_URL)",
          );
        }
        // Gateways (LiteLLM, vLLM, Ollama /v1, LM Studio) accept json_schema response formats.
        return openAICompatibleChat(llm.model, {
          name: 'openaiCompatible',
          baseURL: llm.baseURL,
          apiKey: firstSet(env, ['OPENAI_COMPATIBLE_API_KEY']),
          fetch,
        });
      },
    },
  ],
  [
    GATEWAY_PROVIDER,
    {
      name: GATEWAY_PROVIDER,
      envBaseURL: (env) => gatewayApiBase(firstSet(env, ['GATEWAY_URL']) ?? DEFAULT_GATEWAY_URL),
      // The gateway holds the provider keys; a virtual key is needed only when it requires one.
      missingCredential: () => undefined,
      secrets: (env) => values(env, ['GATEWAY_API_KEY']),
      // The gateway passes json_schema on, or translates it for the provider behind the alias.
      create: (llm, { env, fetch }) =>
        openAICompatibleChat(llm.model, {
          name: GATEWAY_PROVIDER,
          baseURL: gatewayApiBase(llm.baseURL ?? firstSet(env, ['GATEWAY_URL']) ?? DEFAULT_GATEWAY_URL),
          apiKey: firstSet(env, ['GATEWAY_API_KEY']),
          fetch,
        }),
    },
  ],
]);

function values(env: Env, names: string[]): string[] {
  return names.map((name) => env[name]).filter(set);
}

export function providerSpec(name: string): ProviderSpec {
  const spec = PROVIDERS.get(name);
  if (spec === undefined) {
    throw new AgentcrateError(
      'E_INVALID_WORKFLOW',
      `unknown model provider '${name}': use one of ${[...PROVIDERS.keys()].join(', ')}`,
      { details: { provider: name } },
    );
  }
  return spec;
}
