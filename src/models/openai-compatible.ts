/**
 * The chat model of an OpenAI-compatible server (and of agentcrate's gateway), built once per
 * model with what is the same on every call made once.
 *
 * `createOpenAICompatible(…).chatModel(id)` gives the provider a config whose `headers()` and
 * `url()` rebuild their answers on every call: the headers through a fetch `Headers` (to add
 * the SDK's user agent, a validated, sorted copy of each header), the URL by parsing and
 * printing it again. Neither changes between calls, so the model here is the package's own
 * `OpenAICompatibleChatLanguageModel` given the same settings the factory would give it, its
 * header record and chat URL computed once. The request the provider sends is the same, header
 * for header (test/models/openai-compatible.test.ts compares it with the factory's).
 */
import type { LanguageModel } from 'ai';

export interface OpenAICompatibleChatSettings {
  /** The provider's name: its models report `${name}.chat`, as the factory names them. */
  name: string;
  baseURL: string;
  apiKey?: string | undefined;
  fetch?: typeof fetch | undefined;
}

export async function openAICompatibleChat(
  modelId: string,
  settings: OpenAICompatibleChatSettings,
): Promise<LanguageModel> {
  const { OpenAICompatibleChatLanguageModel, VERSION } = await import('@ai-sdk/openai-compatible');
  const base = settings.baseURL.replace(/\/$/, '');
  // What the factory's `headers()` returns: names lower-cased, the SDK's user agent added.
  const headers: Record<string, string> = {};
  if (settings.apiKey) headers.authorization = `Bearer ${settings.apiKey}`;
  headers['user-agent'] = `ai-sdk/openai-compatible/${VERSION}`;
  const urls = new Map<string, string>();
  return new OpenAICompatibleChatLanguageModel(modelId, {
    provider: `${settings.name}.chat`,
    url: ({ path }) => {
      let url = urls.get(path);
      if (url === undefined) {
        url = new URL(`${base}${path}`).toString();
        urls.set(path, url);
      }
      return url;
    },
    headers: () => headers,
    fetch: settings.fetch,
    includeUsage: true,
    supportsStructuredOutputs: true,
    transformRequestBody: nonStrictJsonSchema,
  });
}

/**
 * OpenAI-compatible models are asked for a non-strict JSON schema: strict mode rejects open
 * objects (`dict` fields), and the engine checks every answer against the state types anyway.
 * Set in the request body (the provider's `transformRequestBody`) rather than through
 * `providerOptions`, which the provider validates with zod three times on every call.
 */
export function nonStrictJsonSchema(body: Record<string, unknown>): Record<string, unknown> {
  const format = body.response_format as { type?: string; json_schema?: { strict?: boolean } } | undefined;
  if (format?.type === 'json_schema' && format.json_schema !== undefined) format.json_schema.strict = false;
  return body;
}
