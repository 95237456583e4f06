/**
 * A resolved `GatewayConfig` as plain JSON and back: what the configuration reader, run in a
 * short-lived process, hands to the serving process (src/gateway/lean/), which then never loads
 * the YAML readers or the schemas. The maps become entry lists; each upstream's environment
 * (the whole process environment, with the found key under the provider's own variable for SDK
 * upstreams) travels as the variables that differ from the serving process's, so the text
 * holds no more of the environment than it must.
 */
import type { GatewayConfig, UpstreamConfig } from './types.js';

type Env = Record<string, string | undefined>;

interface PlainUpstream extends Omit<UpstreamConfig, 'env'> {
  /** Variables that differ from the process environment (usually none); null: unset. */
  envChanges: Record<string, string | null>;
}

export interface PlainGatewayConfig extends Omit<GatewayConfig, 'upstreams' | 'routes'> {
  upstreams: PlainUpstream[];
  routes: [string, GatewayConfig['routes'] extends Map<string, infer R> ? R : never][];
}

function changes(from: Env, to: Env): Record<string, string | null> {
  const out: Record<string, string | null> = {};
  for (const name of new Set([...Object.keys(from), ...Object.keys(to)]))
    if (from[name] !== to[name]) out[name] = to[name] ?? null;
  return out;
}

export function toPlainConfig(config: GatewayConfig, env: Env): PlainGatewayConfig {
  return {
    ...config,
    upstreams: [...config.upstreams.values()].map(({ env: upstreamEnv, ...rest }) => ({
      ...rest,
      envChanges: upstreamEnv === env ? {} : changes(env, upstreamEnv),
    })),
    routes: [...config.routes.entries()],
  };
}

export function fromPlainConfig(plain: PlainGatewayConfig, env: Env): GatewayConfig {
  return {
    ...plain,
    upstreams: new Map(
      plain.upstreams.map(({ envChanges, ...rest }) => {
        const names = Object.keys(envChanges);
        const upstreamEnv: Env = names.length === 0 ? env : { ...env };
        for (const name of names) {
          const value = envChanges[name];
          if (value === undefined || value === null) delete upstreamEnv[name];
          else upstreamEnv[name] = value;
        }
        return [rest.name, { ...rest, env: upstreamEnv }];
      }),
    ),
    routes: new Map(plain.routes),
  };
}
