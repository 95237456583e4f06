/**
 * Model prices, in US dollars per million tokens, for estimating each model call's cost.
 * Providers change prices; these are list prices for standard (non-batch, non-cached,
 * short-context) text tokens as published on the providers' pricing pages, taken on
 * PRICES_AS_OF. Override or extend them with `AGENTCRATE_PRICES` (a JSON file) or the
 * `prices` option. A model that is not in the table has an unknown cost: never a made-up 0.
 */
import { readFileSync } from 'node:fs';
import { providerFromModel } from '../config/known-providers.js';
import { AgentcrateError } from '../errors.js';

export const PRICES_AS_OF = '2025-10-01';

export interface ModelPrice {
  /** USD per 1M input (prompt) tokens. */
  input: number;
  /** USD per 1M output (completion) tokens. */
  output: number;
}

/**
 * Keys are `provider/model` (exact provider) or a bare model name (any provider serving it,
 * e.g. through openai-compatible gateways). `provider/*` prices every model of a provider.
 */
export type PriceTable = Readonly<Record<string, ModelPrice>>;

export const DEFAULT_PRICES: PriceTable = {
  // Google Gemini (≤200k-token prompts)
  'gemini-2.5-pro': { input: 1.25, output: 10 },
  'gemini-2.5-flash': { input: 0.3, output: 2.5 },
  'gemini-2.5-flash-lite': { input: 0.1, output: 0.4 },
  'gemini-2.0-flash': { input: 0.1, output: 0.4 },
  'gemini-2.0-flash-lite': { input: 0.075, output: 0.3 },
  'gemini-1.5-flash': { input: 0.075, output: 0.3 },
  'gemini-1.5-pro': { input: 1.25, output: 5 },
  // OpenAI
  'gpt-5': { input: 1.25, output: 10 },
  'gpt-5-mini': { input: 0.25, output: 2 },
  'gpt-5-nano': { input: 0.05, output: 0.4 },
  'gpt-4.1': { input: 2, output: 8 },
  'gpt-4.1-mini': { input: 0.4, output: 1.6 },
  'gpt-4.1-nano': { input: 0.1, output: 0.4 },
  'gpt-4o': { input: 2.5, output: 10 },
  'gpt-4o-mini': { input: 0.15, output: 0.6 },
  'gpt-4-turbo': { input: 10, output: 30 },
  'gpt-3.5-turbo': { input: 0.5, output: 1.5 },
  o1: { input: 15, output: 60 },
  'o1-mini': { input: 1.1, output: 4.4 },
  o3: { input: 2, output: 8 },
  'o3-mini': { input: 1.1, output: 4.4 },
  'o3-pro': { input: 20, output: 80 },
  'o4-mini': { input: 1.1, output: 4.4 },
  // Anthropic
  'claude-opus-4-1': { input: 15, output: 75 },
  'claude-opus-4-0': { input: 15, output: 75 },
  'claude-opus-4': { input: 15, output: 75 },
  'claude-sonnet-4-5': { input: 3, output: 15 },
  'claude-sonnet-4-0': { input: 3, output: 15 },
  'claude-sonnet-4': { input: 3, output: 15 },
  'claude-haiku-4-5': { input: 1, output: 5 },
  'claude-3-7-sonnet': { input: 3, output: 15 },
  'claude-3-5-sonnet': { input: 3, output: 15 },
  'claude-3-5-haiku': { input: 0.8, output: 4 },
  'claude-3-haiku': { input: 0.25, output: 1.25 },
  'claude-3-opus': { input: 15, output: 75 },
  // Local models have no per-token charge: a known zero, not a guess.
  'ollama/*': { input: 0, output: 0 },
};

export interface TokenUsage {
  inputTokens: number;
  outputTokens: number;
}

/** Date stamps (`-20250514`, `-2024-08-06`), `-latest` and `-preview-…` tails providers add. */
const VERSION_SUFFIX =
  /(?:-\d{4}-?\d{2}-?\d{2}|-\d{8}|-latest|-preview(?:-[\w-]+)?|-exp(?:-[\w-]+)?|@[\w.-]+)$/;

function candidates(provider: string, model: string): string[] {
  let name = model.trim().toLowerCase();
  // LiteLLM prefixes (`openai/gpt-4o`), Google's `models/…` and Bedrock ids
  // (`anthropic.claude-…-v1:0`, `us.anthropic.…`).
  const prefixed = providerFromModel(name);
  if (prefixed !== undefined) name = name.slice(name.indexOf('/') + 1);
  name = name
    .replace(/^models\//, '')
    .replace(/^(?:[a-z]{2}\.)?anthropic\./, '')
    .replace(/-v\d+(?::\d+)?$/, '');
  const names = [name];
  let stripped = name;
  while (VERSION_SUFFIX.test(stripped)) {
    stripped = stripped.replace(VERSION_SUFFIX, '');
    names.push(stripped);
  }
  // Anthropic spells versions both `claude-sonnet-4-5` and `claude-sonnet-4.5`.
  for (const n of [...names])
    if (n.includes('.') && n.startsWith('claude')) names.push(n.replaceAll('.', '-'));
  const p = (prefixed ?? provider).toLowerCase();
  return [...names.map((n) => `${p}/${n}`), ...names, `${p}/*`];
}

/**
 * Lookups per table, by provider then model: name normalisation costs more than the span it
 * prices, and a key joined from the two would be a new string to hash on every call.
 */
interface Lookups {
  byProvider: Map<string, Map<string, ModelPrice | null>>;
  /** Models looked up, over all providers; bounded: a gateway could report many names. */
  size: number;
}
const lookups = new WeakMap<PriceTable, Lookups>();
const MAX_LOOKUPS = 1000;

/** The price of a model, or undefined when unknown. */
export function findPrice(
  provider: string,
  model: string,
  table: PriceTable = DEFAULT_PRICES,
): ModelPrice | undefined {
  let cache = lookups.get(table);
  if (cache === undefined) {
    cache = { byProvider: new Map(), size: 0 };
    lookups.set(table, cache);
  }
  let byModel = cache.byProvider.get(provider);
  const hit = byModel?.get(model);
  if (hit !== undefined) return hit ?? undefined;
  let found: ModelPrice | null = null;
  for (const key of candidates(provider, model)) {
    const price = table[key];
    if (price !== undefined) {
      found = price;
      break;
    }
  }
  if (cache.size >= MAX_LOOKUPS) {
    cache.byProvider.clear();
    cache.size = 0;
    byModel = undefined;
  }
  if (byModel === undefined) {
    byModel = new Map();
    cache.byProvider.set(provider, byModel);
  }
  byModel.set(model, found);
  cache.size += 1;
  return found ?? undefined;
}

/** Estimated USD cost of one call; undefined when the model's price is unknown. */
export function estimateCost(
  provider: string,
  model: string,
  usage: TokenUsage,
  table: PriceTable = DEFAULT_PRICES,
): number | undefined {
  const price = findPrice(provider, model, table);
  if (price === undefined) return undefined;
  const usd = (usage.inputTokens * price.input + usage.outputTokens * price.output) / 1_000_000;
  // Rounded to a millionth of a cent so sums stay stable and readable.
  return Math.round(usd * 1e8) / 1e8;
}

/** Checks a user price table, naming the bad entry and how to fix it. */
export function parsePriceTable(raw: unknown, where: string): Record<string, ModelPrice> {
  if (raw === null || typeof raw !== 'object' || Array.isArray(raw)) {
    throw new AgentcrateError(
      'E_USAGE',
      `${where}: the price table must be a JSON object like {"openai/gpt-4o": {"input": 2.5, "output": 10}} (USD per million tokens).`,
    );
  }
  const out: Record<string, ModelPrice> = {};
  for (const [key, value] of Object.entries(raw)) {
    const v = value as Partial<ModelPrice> | null;
    const ok =
      v !== null &&
      typeof v === 'object' &&
      typeof v.input === 'number' &&
      typeof v.output === 'number' &&
      Number.isFinite(v.input) &&
      Number.isFinite(v.output) &&
      v.input >= 0 &&
      v.output >= 0;
    if (!ok) {
      throw new AgentcrateError(
        'E_USAGE',
        `${where}: price '${key}' must be {"input": <USD per 1M input tokens>, "output": <USD per 1M output tokens>} with numbers ≥ 0.`,
        { details: { key } },
      );
    }
    out[key.toLowerCase()] = { input: v.input as number, output: v.output as number };
  }
  return out;
}

export interface LoadPriceTableOptions {
  env?: Record<string, string | undefined>;
  /** Highest precedence, e.g. `config.observability.prices`. */
  overrides?: Record<string, ModelPrice>;
}

/** Defaults, then the `AGENTCRATE_PRICES` JSON file, then explicit overrides. */
export function loadPriceTable(options: LoadPriceTableOptions = {}): PriceTable {
  const file = options.env?.AGENTCRATE_PRICES;
  let fromFile: Record<string, ModelPrice> = {};
  if (file !== undefined && file.trim() !== '') {
    let text: string;
    try {
      text = readFileSync(file, 'utf8');
    } catch (error) {
      throw new AgentcrateError(
        'E_IO',
        `AGENTCRATE_PRICES points at ${file}, which cannot be read: ${(error as Error).message}.`,
        {
          cause: error,
        },
      );
    }
    let raw: unknown;
    try {
      raw = JSON.parse(text);
    } catch (error) {
      throw new AgentcrateError(
        'E_USAGE',
        `AGENTCRATE_PRICES file ${file} is not valid JSON: ${(error as Error).message}.`,
        {
          cause: error,
        },
      );
    }
    fromFile = parsePriceTable(raw, `AGENTCRATE_PRICES file ${file}`);
  }
  const overrides = options.overrides
    ? parsePriceTable(options.overrides, 'config.observability.prices')
    : {};
  return { ...DEFAULT_PRICES, ...fromFile, ...overrides };
}
