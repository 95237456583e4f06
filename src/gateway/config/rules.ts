/**
 * What the schema cannot say: targets must name upstreams, an openai-compatible upstream
 * needs a URL, keys should be in the environment, prices should exist for budgets to count.
 */
import type { Reporter } from '../../config/diagnostics.js';
import { didYouMean, suggest } from '../../config/suggest.js';
import { findKey, keyVariables } from './credentials.js';
import { type Env, isPriced, parseTarget, pricesFrom } from './resolve.js';
import type { GatewayFile } from './schema.js';

export function checkRules(file: GatewayFile, env: Env, reporter: Reporter): void {
  const upstreamNames = Object.keys(file.upstreams);
  if (upstreamNames.length === 0) {
    reporter.error(
      'no-upstreams',
      'upstreams',
      'no upstream configured: add at least one under `upstreams:`',
    );
  }
  for (const [name, upstream] of Object.entries(file.upstreams)) {
    const path = `upstreams.${name}`;
    if (upstream.provider === 'openai-compatible' && upstream.base_url === undefined) {
      reporter.error(
        'missing-base-url',
        path,
        `upstream '${name}' (openai-compatible) needs base_url, e.g. http://127.0.0.1:8080/v1`,
      );
    }
    if (
      upstream.continuation !== undefined &&
      upstream.provider !== 'openai' &&
      upstream.provider !== 'openai-compatible'
    ) {
      reporter.warn(
        'inert-key',
        `${path}.continuation`,
        `continuation applies to proxied (openai, openai-compatible) upstreams; '${upstream.provider}' continues through its SDK provider`,
      );
    }
    const variables = keyVariables(name, upstream.provider, upstream.api_key_env);
    if (!findKey(upstream.provider, variables, env).hasCredentials) {
      reporter.warn(
        'missing-key',
        path,
        `upstream '${name}' has no key: set ${variables.join(' or ')} in the gateway's environment (calls to it fail over to other targets until then)`,
      );
    }
  }
  const prices = pricesFrom(file, env);
  const unpriced = new Set<string>();
  for (const [alias, route] of Object.entries(file.routes ?? {})) {
    route.targets.forEach((raw, index) => {
      const target = parseTarget(raw);
      const path = `routes.${alias}.targets[${index}]`;
      const upstream = file.upstreams[target.upstream];
      if (upstream === undefined) {
        const suggestion = suggest(target.upstream, upstreamNames);
        reporter.error(
          'unknown-upstream',
          typeof raw === 'string' ? path : `${path}.upstream`,
          `unknown upstream '${target.upstream}'${didYouMean(suggestion)}${suggestion === undefined ? ` (upstreams: ${upstreamNames.join(', ') || 'none'})` : ''}`,
          { suggestion },
        );
        return;
      }
      if (
        upstream.models !== undefined &&
        upstream.models.length > 0 &&
        !upstream.models.includes(target.model)
      ) {
        const suggestion = suggest(target.model, upstream.models);
        reporter.warn(
          'unlisted-model',
          typeof raw === 'string' ? path : `${path}.model`,
          `upstream '${target.upstream}' does not list model '${target.model}'${didYouMean(suggestion)}`,
          { suggestion },
        );
      }
      // Hosted providers charge per token: a model the cost table lacks is probably new or
      // misspelt. Local and self-hosted (openai-compatible, ollama) servers usually cost nothing.
      const key = `${upstream.provider}/${target.model}`;
      const hosted = upstream.provider !== 'openai-compatible' && upstream.provider !== 'ollama';
      if (hosted && !unpriced.has(key) && !isPriced(upstream.provider, target.model, prices)) {
        unpriced.add(key);
        reporter.warn(
          'unpriced-model',
          typeof raw === 'string' ? path : `${path}.model`,
          `no price for ${key}: its calls cost nothing against key budgets; add it under prices: (USD per million tokens)`,
        );
      }
    });
  }
}
