/** The gateway's configuration after defaults and the environment are applied. */
import type { PriceTable } from '../../telemetry/prices.js';
import type { ContinuationMode, UpstreamProvider } from './schema.js';

export interface Timeouts {
  connectMs: number;
  firstTokenMs: number;
  idleMs: number;
  totalMs: number;
}

export interface Retries {
  attempts: number;
  baseDelayMs: number;
  maxDelayMs: number;
  maxRetryAfterMs: number;
}

export interface BreakerSettings {
  failures: number;
  cooldownMs: number;
}

export interface UpstreamConfig {
  name: string;
  provider: UpstreamProvider;
  /** openai and openai-compatible are proxied; the others go through the AI SDK provider layer. */
  kind: 'proxy' | 'sdk';
  baseURL?: string;
  /** The key (from the environment); never logged, never shown. */
  apiKey?: string;
  /** Where the key was looked for, first match wins (for messages and /providers). */
  keyVariables: string[];
  /** False when the provider needs a key and none of `keyVariables` is set. */
  hasCredentials: boolean;
  models: string[];
  headers: Record<string, string>;
  continuation: ContinuationMode;
  maxConnections: number;
  timeouts: Timeouts;
  breaker: BreakerSettings;
  /** What the provider factory reads its key and settings from (SDK upstreams). */
  env: Record<string, string | undefined>;
}

export interface TargetConfig {
  upstream: string;
  model: string;
  /** Undefined: no weight given (list order). */
  weight?: number;
}

export interface RouteConfig {
  alias: string;
  targets: TargetConfig[];
  retries: Retries;
  /** Only what the route sets: it wins over each upstream's own timeouts for this route. */
  timeouts: Partial<Timeouts>;
}

export type KeyRequirement = 'auto' | 'always' | 'never';

export interface GatewayConfig {
  file?: string;
  upstreams: Map<string, UpstreamConfig>;
  routes: Map<string, RouteConfig>;
  retries: Retries;
  timeouts: Timeouts;
  midStreamFailover: boolean;
  keys: { require: KeyRequirement; db?: string };
  prices: PriceTable;
  server: { host?: string; port?: number; bodyLimitBytes?: number; allowedHosts: string[] };
}
