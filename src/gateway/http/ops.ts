/**
 * Operations routes: `/health` (the process answers), `/ready` (keys readable, every route
 * has a usable target), `/providers` (each upstream's circuit, latency, error rate and last
 * error — never a key), `/metrics` (Prometheus), `/v1/models` and `GET /`.
 */
import type { Hono } from 'hono';
import type { GatewayContext } from './context.js';

const JSON_TYPE = 'application/json; charset=utf-8';

export function registerOpsRoutes(app: Hono, ctx: GatewayContext): void {
  app.get('/', (c) =>
    c.json({
      name: 'agentcrate-gateway',
      version: ctx.version,
      links: {
        chat: '/v1/chat/completions',
        models: '/v1/models',
        providers: '/providers',
        health: '/health',
        ready: '/ready',
        metrics: '/metrics',
      },
    }),
  );
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.get('/ready', (c) => {
    const reasons = readinessProblems(ctx);
    if (reasons.length > 0) return c.json({ status: 'not ready', reasons }, 503, { 'retry-after': '5' });
    return c.json({ status: 'ready', upstreams: ctx.pool.all().length, routes: ctx.config.routes.size });
  });
  app.get('/providers', (c) =>
    c.body(JSON.stringify({ upstreams: providersView(ctx) }), 200, { 'content-type': JSON_TYPE }),
  );
  app.get('/metrics', (c) =>
    c.body(ctx.metrics.render(ctx.pool), 200, { 'content-type': 'text/plain; version=0.0.4; charset=utf-8' }),
  );
}

export function readinessProblems(ctx: GatewayContext): string[] {
  const reasons: string[] = [];
  if (ctx.keyStore !== undefined) {
    const check = ctx.keyStore.check();
    if (!check.ok) reasons.push(check.reason ?? 'the key store cannot be read');
  }
  const usable = (name: string): boolean => ctx.pool.get(name)?.client !== undefined;
  for (const route of ctx.config.routes.values()) {
    if (!route.targets.some((t) => usable(t.upstream))) {
      reasons.push(
        `route '${route.alias}' has no usable upstream (${route.targets.map((t) => t.upstream).join(', ')}: missing keys?)`,
      );
    }
  }
  if (ctx.config.routes.size === 0 && !ctx.pool.all().some((u) => u.client !== undefined)) {
    reasons.push(
      'no usable upstream: set a provider key (e.g. GATEWAY_OPENAI_API_KEY) or configure upstreams',
    );
  }
  return reasons;
}

export function providersView(ctx: GatewayContext): object[] {
  return ctx.pool.all().map((u) => {
    const config = u.config;
    const keyFrom = config.keyVariables.find((name) => {
      const value = config.env[name] ?? process.env[name];
      return value !== undefined && value.trim() !== '';
    });
    return {
      name: config.name,
      provider: config.provider,
      mode: config.kind === 'proxy' ? 'proxied' : 'translated',
      base_url: config.baseURL === undefined ? null : withoutCredentials(config.baseURL),
      models: config.models,
      available: u.client !== undefined,
      ...(u.unavailable !== undefined ? { unavailable: u.unavailable } : {}),
      // The variable's name, never its value.
      key_from: keyFrom ?? null,
      circuit: {
        state: u.breaker.state,
        retry_in_ms: Math.round(u.breaker.retryInMs),
        opened: u.breaker.opened,
      },
      latency_ewma_ms:
        u.stats.ewmaLatencyMs === undefined ? null : Math.round(u.stats.ewmaLatencyMs * 10) / 10,
      error_rate: Math.round(u.stats.ewmaErrorRate * 1000) / 1000,
      attempts: u.stats.attempts,
      failures: u.stats.failures,
      last_error: u.stats.lastError ?? null,
      last_success_at: u.stats.lastSuccessAt ?? null,
    };
  });
}

function withoutCredentials(url: string): string {
  try {
    const parsed = new URL(url);
    parsed.username = '';
    parsed.password = '';
    parsed.search = '';
    return parsed.toString().replace(/\/$/, '');
  } catch {
    return '(invalid URL)';
  }
}
