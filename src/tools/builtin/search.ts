/**
 * `serper_search` and `web_search`. Both return the same compact shape (title, link,
 * snippet) so prompts do not depend on the provider; `web_search` picks Serper or Tavily
 * by which key is present (or `config.provider`). Base URLs come from env overrides so
 * tests and gateways can stand in for the real services.
 */
import { z } from 'zod';
import { AgentcrateError } from '../../errors.js';
import { createRedactor } from '../../secrets/index.js';
import { capText, configNumber, configString, parseArgs } from '../args.js';
import { fetchFailure, readBodyCapped, timeoutSignal } from '../http.js';
import type { ToolContext, ToolDefinition } from '../types.js';

const DEFAULT_SERPER_BASE_URL = 'https://google.serper.dev';
const DEFAULT_TAVILY_BASE_URL = 'https://api.tavily.com';
const MAX_RESULTS = 10;
const SNIPPET_CHARS = 500;

const searchInput = z.object({
  query: z.string().min(1).describe('What to search the web for.'),
  num_results: z
    .number()
    .int()
    .min(1)
    .max(MAX_RESULTS)
    .optional()
    .describe(`How many results to return (1-${MAX_RESULTS}, default 5).`),
});

export interface SearchResult {
  title: string;
  link: string;
  snippet: string;
}

export interface SearchOutput {
  query: string;
  provider: 'serper' | 'tavily';
  answer?: string;
  results: SearchResult[];
}

type Provider = 'serper' | 'tavily';

function present(env: Record<string, string | undefined>, name: string): string | undefined {
  const value = env[name];
  return value !== undefined && value.trim() !== '' ? value.trim() : undefined;
}

function wantedCount(args: { num_results?: number | undefined }, config: Record<string, unknown>): number {
  const cap = Math.min(configNumber(config, 'max_results', MAX_RESULTS), MAX_RESULTS);
  return Math.max(1, Math.min(args.num_results ?? configNumber(config, 'num_results', 5), cap));
}

function text(value: unknown): string {
  return typeof value === 'string' ? value : '';
}

function snippet(value: unknown): string {
  return capText(text(value).replace(/\s+/g, ' ').trim(), SNIPPET_CHARS).text;
}

async function postJson(
  tool: string,
  provider: Provider,
  url: string,
  headers: Record<string, string>,
  body: unknown,
  ctx: ToolContext,
  secret: string,
): Promise<unknown> {
  const timeoutMs = configNumber(ctx.config, 'timeout_seconds', 30) * 1000;
  let response: Response;
  try {
    // The endpoint is the operator's (the default service or a *_BASE_URL variable), not the
    // model's: like a model provider, it is not subject to the outbound guard.
    response = await fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/json', accept: 'application/json', ...headers },
      body: JSON.stringify(body),
      signal: timeoutSignal(ctx.signal, timeoutMs),
    });
  } catch (error) {
    throw fetchFailure(tool, `the ${provider} API`, error, timeoutMs);
  }
  const { text: raw } = await readBodyCapped(response, 2_000_000);
  if (!response.ok) {
    // The body may echo the request; never let the key reach an error message.
    const redact = createRedactor({ env: ctx.env, secrets: [secret] });
    const excerpt = capText(redact(raw).replace(/\s+/g, ' ').trim(), 200).text;
    throw new AgentcrateError(
      'E_TOOL',
      `${tool}: the ${provider} API answered HTTP ${response.status}${response.statusText ? ` ${response.statusText}` : ''}` +
        (response.status === 401 || response.status === 403 ? ' (check the API key)' : '') +
        (excerpt ? `: ${excerpt}` : ''),
      { details: { provider, status: response.status } },
    );
  }
  try {
    return JSON.parse(raw);
  } catch (error) {
    throw new AgentcrateError('E_TOOL', `${tool}: the ${provider} API answered with invalid JSON`, {
      cause: error,
    });
  }
}

async function serper(tool: string, query: string, count: number, ctx: ToolContext): Promise<SearchOutput> {
  const key = present(ctx.env, 'SERPER_API_KEY');
  if (!key) throw missingKey(tool, 'SERPER_API_KEY');
  const base = (present(ctx.env, 'SERPER_BASE_URL') ?? DEFAULT_SERPER_BASE_URL).replace(/\/+$/, '');
  const data = (await postJson(
    tool,
    'serper',
    `${base}/search`,
    { 'X-API-KEY': key },
    { q: query, num: count },
    ctx,
    key,
  )) as {
    organic?: Array<Record<string, unknown>>;
    answerBox?: Record<string, unknown>;
  };
  const results = (Array.isArray(data.organic) ? data.organic : []).slice(0, count).map((item) => ({
    title: text(item.title),
    link: text(item.link),
    snippet: snippet(item.snippet),
  }));
  const answer = data.answerBox ? text(data.answerBox.answer) || text(data.answerBox.snippet) : '';
  return answer
    ? { query, provider: 'serper', answer: snippet(answer), results }
    : { query, provider: 'serper', results };
}

async function tavily(tool: string, query: string, count: number, ctx: ToolContext): Promise<SearchOutput> {
  const key = present(ctx.env, 'TAVILY_API_KEY');
  if (!key) throw missingKey(tool, 'TAVILY_API_KEY');
  const base = (present(ctx.env, 'TAVILY_BASE_URL') ?? DEFAULT_TAVILY_BASE_URL).replace(/\/+$/, '');
  const data = (await postJson(
    tool,
    'tavily',
    `${base}/search`,
    { Authorization: `Bearer ${key}` },
    { query, max_results: count, search_depth: configString(ctx.config, 'search_depth') ?? 'basic' },
    ctx,
    key,
  )) as { results?: Array<Record<string, unknown>>; answer?: unknown };
  const results = (Array.isArray(data.results) ? data.results : []).slice(0, count).map((item) => ({
    title: text(item.title),
    link: text(item.url),
    snippet: snippet(item.content),
  }));
  const answer = text(data.answer);
  return answer
    ? { query, provider: 'tavily', answer: snippet(answer), results }
    : { query, provider: 'tavily', results };
}

function missingKey(tool: string, variables: string): AgentcrateError {
  return new AgentcrateError(
    'E_MISSING_CREDENTIALS',
    `${tool} needs ${variables}; set it in the environment`,
    {
      details: { tool, variables: variables.split(' or ') },
    },
  );
}

/** The provider `web_search` uses: `config.provider` when set, else whichever key is present. */
export function webSearchProvider(
  config: Record<string, unknown>,
  env: Record<string, string | undefined>,
): Provider | undefined {
  const chosen = configString(config, 'provider')?.toLowerCase();
  if (chosen === 'serper' || chosen === 'tavily') return chosen;
  if (chosen !== undefined) {
    throw new AgentcrateError(
      'E_TOOL',
      `web_search: unknown provider '${chosen}' in tool config (use serper or tavily)`,
    );
  }
  if (present(env, 'SERPER_API_KEY')) return 'serper';
  if (present(env, 'TAVILY_API_KEY')) return 'tavily';
  return undefined;
}

export const serperSearchTool: ToolDefinition = {
  name: 'serper_search',
  aliases: [],
  description: 'Search the web with Google (via Serper). Returns the top results as title, link and snippet.',
  inputSchema: searchInput,
  requiredEnv: () => [['SERPER_API_KEY']],
  async run(args, ctx) {
    const input = parseArgs('serper_search', searchInput, args);
    return serper('serper_search', input.query, wantedCount(input, ctx.config), ctx);
  },
};

export const webSearchTool: ToolDefinition = {
  name: 'web_search',
  aliases: [],
  description:
    'Search the web. Returns the top results as title, link and snippet (and a short answer when available).',
  inputSchema: searchInput,
  requiredEnv(config) {
    const chosen = typeof config.provider === 'string' ? config.provider.toLowerCase() : undefined;
    if (chosen === 'serper') return [['SERPER_API_KEY']];
    if (chosen === 'tavily') return [['TAVILY_API_KEY']];
    return [['SERPER_API_KEY', 'TAVILY_API_KEY']];
  },
  async run(args, ctx) {
    const input = parseArgs('web_search', searchInput, args);
    const provider = webSearchProvider(ctx.config, ctx.env);
    if (!provider) throw missingKey('web_search', 'SERPER_API_KEY or TAVILY_API_KEY');
    const count = wantedCount(input, ctx.config);
    return provider === 'serper'
      ? serper('web_search', input.query, count, ctx)
      : tavily('web_search', input.query, count, ctx);
  },
};
