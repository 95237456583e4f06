/**
 * A checked configuration file → the runtime `GatewayConfig`: built-in defaults, inherited
 * settings (route < upstream < top level < built-in), keys from the environment, prices.
 * Also builds the configuration used when no file is given: one upstream per provider whose
 * key is in the environment, reached as `provider/model`.
 */
import { findPrice, loadPriceTable, type PriceTable } from '../../telemetry/prices.js';
import { envSegment, findKey, keyVariables, PROVIDER_KEY_VARIABLE } from './credentials.js';
import {
  type BreakerFile,
  type GatewayFile,
  type RetriesFile,
  TARGET_TEXT,
  type TargetFile,
  type TimeoutsFile,
  UPSTREAM_PROVIDERS,
  type UpstreamProvider,
} from './schema.js';
import type {
  BreakerSettings,
  GatewayConfig,
  Retries,
  RouteConfig,
  TargetConfig,
  Timeouts,
  UpstreamConfig,
} from './types.js';

export type Env = Record<string, string | undefined>;

export const DEFAULT_TIMEOUTS: Timeouts = {
  connectMs: 5_000,
  firstTokenMs: 60_000,
  idleMs: 30_000,
  totalMs: 600_000,
};

export const DEFAULT_RETRIES: Retries = {
  attempts: 2,
  baseDelayMs: 100,
  maxDelayMs: 2_000,
  maxRetryAfterMs: 10_000,
};

export const DEFAULT_BREAKER: BreakerSettings = { failures: 5, cooldownMs: 30_000 };
export const DEFAULT_MAX_CONNECTIONS = 128;
export const OPENAI_BASE_URL = 'https://api.openai.com/v1';

export function timeoutsFrom(file: TimeoutsFile | undefined, base: Timeouts): Timeouts {
  return {
    connectMs: file?.connect_ms ?? base.connectMs,
    firstTokenMs: file?.first_token_ms ?? base.firstTokenMs,
    idleMs: file?.idle_ms ?? base.idleMs,
    totalMs: file?.total_ms ?? base.totalMs,
  };
}

function timeoutOverrides(file: TimeoutsFile | undefined): Partial<Timeouts> {
  const out: Partial<Timeouts> = {};
  if (file?.connect_ms !== undefined) out.connectMs = file.connect_ms;
  if (file?.first_token_ms !== undefined) out.firstTokenMs = file.first_token_ms;
  if (file?.idle_ms !== undefined) out.idleMs = file.idle_ms;
  if (file?.total_ms !== undefined) out.totalMs = file.total_ms;
  return out;
}

export function retriesFrom(file: RetriesFile | undefined, base: Retries): Retries {
  return {
    attempts: file?.attempts ?? base.attempts,
    baseDelayMs: file?.base_delay_ms ?? base.baseDelayMs,
    maxDelayMs: file?.max_delay_ms ?? base.maxDelayMs,
    maxRetryAfterMs: file?.max_retry_after_ms ?? base.maxRetryAfterMs,
  };
}

function breakerFrom(file: BreakerFile | undefined, base: BreakerSettings): BreakerSettings {
  return { failures: file?.failures ?? base.failures, cooldownMs: file?.cooldown_ms ?? base.cooldownMs };
}

export function parseTarget(target: TargetFile): TargetConfig {
  if (typeof target === 'string') {
    const match = TARGET_TEXT.exec(target);
    return { upstream: match?.[1] ?? target, model: match?.[2] ?? '' };
  }
  return {
    upstream: target.upstream,
    model: target.model,
    ...(target.weight !== undefined ? { weight: target.weight } : {}),
  };
}

/** The base URL an upstream uses when the file gives none. */
export function defaultBaseURL(provider: UpstreamProvider, env: Env): string | undefined {
  const from = (name: string): string | undefined => {
    const value = env[name]?.trim();
    return value === undefined || value === '' ? undefined : value;
  };
  switch (provider) {
    case 'openai':
      return from('OPENAI_BASE_URL') ?? OPENAI_BASE_URL;
    case 'anthropic':
      return from('ANTHROPIC_BASE_URL');
    case 'google':
      return from('GOOGLE_GENERATIVE_AI_BASE_URL');
    case 'ollama':
      return from('OLLAMA_BASE_URL');
    default:
      return undefined;
  }
}

export function upstreamConfig(
  name: string,
  file: GatewayFile['upstreams'][string],
  top: { timeouts: Timeouts; breaker: BreakerSettings },
  env: Env,
): UpstreamConfig {
  const provider = file.provider;
  const keyVars = keyVariables(name, provider, file.api_key_env);
  const key = findKey(provider, keyVars, env);
  const baseURL = file.base_url ?? defaultBaseURL(provider, env);
  const providerVar = PROVIDER_KEY_VARIABLE[provider];
  const kind = provider === 'openai' || provider === 'openai-compatible' ? 'proxy' : 'sdk';
  return {
    name,
    provider,
    kind,
    ...(baseURL !== undefined ? { baseURL: baseURL.replace(/\/+$/, '') } : {}),
    ...(key.apiKey !== undefined ? { apiKey: key.apiKey } : {}),
    keyVariables: keyVars,
    hasCredentials: key.hasCredentials,
    models: file.models ?? [],
    headers: file.headers ?? {},
    continuation: file.continuation ?? 'prefill',
    maxConnections: file.max_connections ?? DEFAULT_MAX_CONNECTIONS,
    timeouts: timeoutsFrom(file.timeouts, top.timeouts),
    breaker: breakerFrom(file.breaker, top.breaker),
    // SDK providers read their key from their usual variable: that is where the found key goes.
    env:
      kind === 'sdk' && providerVar !== undefined && key.apiKey !== undefined
        ? { ...env, [providerVar]: key.apiKey }
        : env,
  };
}

export function resolveConfig(file: GatewayFile, env: Env, path?: string): GatewayConfig {
  const timeouts = timeoutsFrom(file.timeouts, DEFAULT_TIMEOUTS);
  const retries = retriesFrom(file.retries, DEFAULT_RETRIES);
  const breaker = breakerFrom(file.breaker, DEFAULT_BREAKER);
  const upstreams = new Map<string, UpstreamConfig>();
  for (const [name, upstream] of Object.entries(file.upstreams)) {
    upstreams.set(name, upstreamConfig(name, upstream, { timeouts, breaker }, env));
  }
  const routes = new Map<string, RouteConfig>();
  for (const [alias, route] of Object.entries(file.routes ?? {})) {
    routes.set(alias, {
      alias,
      targets: route.targets.map(parseTarget),
      retries: retriesFrom(route.retries, retries),
      timeouts: timeoutOverrides(route.timeouts),
    });
  }
  return {
    ...(path !== undefined ? { file: path } : {}),
    upstreams,
    routes,
    retries,
    timeouts,
    midStreamFailover: file.failover?.mid_stream ?? true,
    keys: {
      require: file.keys?.require ?? 'auto',
      ...(file.keys?.db !== undefined ? { db: file.keys.db } : {}),
    },
    prices: pricesFrom(file, env),
    server: {
      ...(file.server?.host !== undefined ? { host: file.server.host } : {}),
      ...(file.server?.port !== undefined ? { port: file.server.port } : {}),
      ...(file.server?.body_limit_bytes !== undefined
        ? { bodyLimitBytes: file.server.body_limit_bytes }
        : {}),
      allowedHosts: file.server?.allowed_hosts ?? [],
    },
  };
}

export function pricesFrom(file: Pick<GatewayFile, 'prices'>, env: Env): PriceTable {
  return loadPriceTable({ env, ...(file.prices !== undefined ? { overrides: file.prices } : {}) });
}

/** True when the cost table prices this target (else its calls are not counted in budgets). */
export function isPriced(provider: string, model: string, prices: PriceTable): boolean {
  return findPrice(provider, model, prices) !== undefined;
}

/**
 * No file: an upstream per provider whose key (or, for local servers, base URL) is in the
 * environment, named after the provider; clients ask for `provider/model`.
 */
export function configFromEnvironment(env: Env): GatewayConfig {
  const file: GatewayFile = { upstreams: {} };
  for (const provider of UPSTREAM_PROVIDERS) {
    if (provider === 'openai-compatible') {
      const baseURL = env.GATEWAY_OPENAI_COMPATIBLE_BASE_URL?.trim();
      if (baseURL) file.upstreams[provider] = { provider, base_url: baseURL };
      continue;
    }
    if (provider === 'ollama') {
      if (env.OLLAMA_BASE_URL?.trim()) file.upstreams[provider] = { provider };
      continue;
    }
    const probe = upstreamConfig(
      provider,
      { provider },
      { timeouts: DEFAULT_TIMEOUTS, breaker: DEFAULT_BREAKER },
      env,
    );
    if (probe.apiKey !== undefined) file.upstreams[provider] = { provider };
  }
  return resolveConfig(file, env);
}

export { envSegment };
