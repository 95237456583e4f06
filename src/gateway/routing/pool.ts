/**
 * The live upstreams: each one's client, circuit breaker and statistics, built once at start.
 * An upstream that cannot be built (no base URL) stays listed, unavailable, with the reason.
 */
import type { GatewayConfig, UpstreamConfig } from '../config/types.js';
import { UpstreamError } from '../upstream/errors.js';
import { createProxyUpstream } from '../upstream/proxy.js';
import { createSdkUpstream } from '../upstream/sdk.js';
import type { Upstream } from '../upstream/types.js';
import { CircuitBreaker } from './breaker.js';
import { UpstreamStats } from './stats.js';

export interface UpstreamRuntime {
  config: UpstreamConfig;
  /** Undefined when it could not be built; `unavailable` says why. */
  client: Upstream | undefined;
  unavailable: string | undefined;
  breaker: CircuitBreaker;
  stats: UpstreamStats;
}

export type UpstreamFactory = (config: UpstreamConfig) => Upstream;

export function defaultFactory(config: UpstreamConfig): Upstream {
  return config.kind === 'proxy' ? createProxyUpstream(config) : createSdkUpstream(config);
}

export class UpstreamPool {
  readonly #byName = new Map<string, UpstreamRuntime>();

  constructor(
    config: GatewayConfig,
    factory: UpstreamFactory = defaultFactory,
    now: () => number = Date.now,
  ) {
    for (const upstream of config.upstreams.values()) {
      let client: Upstream | undefined;
      let unavailable: string | undefined;
      if (!upstream.hasCredentials) {
        unavailable = `no key: set ${upstream.keyVariables.join(' or ')}`;
      } else {
        try {
          client = factory(upstream);
        } catch (error) {
          unavailable = (error as Error).message;
        }
      }
      this.#byName.set(upstream.name, {
        config: upstream,
        client,
        unavailable,
        breaker: new CircuitBreaker(upstream.breaker, now),
        stats: new UpstreamStats(),
      });
    }
  }

  get(name: string): UpstreamRuntime | undefined {
    return this.#byName.get(name);
  }

  all(): UpstreamRuntime[] {
    return [...this.#byName.values()];
  }

  /** The client of a usable upstream, or the UpstreamError that says why there is none. */
  clientOf(runtime: UpstreamRuntime): Upstream {
    if (runtime.client === undefined) {
      throw new UpstreamError(
        'unavailable',
        `upstream '${runtime.config.name}' is unavailable: ${runtime.unavailable ?? 'unknown reason'}`,
      );
    }
    return runtime.client;
  }

  async close(): Promise<void> {
    await Promise.all(this.all().map((r) => r.client?.close().catch(() => undefined)));
  }
}
