/**
 * Which targets a request's `model` reaches, in the order they are tried:
 *
 * 1. a route (alias) of that name: its targets; with weights, the first attempts are spread
 *    by weight (weighted order without replacement) and weight-0 targets come last, in list
 *    order; without weights the list order is the fallback order;
 * 2. `upstream/model` naming a configured upstream: that upstream alone;
 * 3. a model name upstreams list under `models`: those upstreams, in configuration order;
 * 4. `provider/model` (how a workflow routed here by AGENTCRATE_LLM_PROVIDER=gateway names its
 *    own provider): a route or listed model named `model`, else every upstream of that
 *    provider, in configuration order.
 */
import type { GatewayConfig, Retries, TargetConfig, Timeouts } from '../config/types.js';

export interface Plan {
  /** The route name, or the model as asked when no route matched. */
  alias: string;
  targets: TargetConfig[];
  retries: Retries;
  /** Set by the route: wins over each upstream's own timeouts. */
  timeouts: Partial<Timeouts>;
  totalMs: number;
}

export class Router {
  readonly #config: GatewayConfig;
  readonly #random: () => number;
  readonly #byModel = new Map<string, TargetConfig[]>();

  constructor(config: GatewayConfig, random: () => number = Math.random) {
    this.#config = config;
    this.#random = random;
    for (const upstream of config.upstreams.values()) {
      for (const model of upstream.models) {
        const list = this.#byModel.get(model) ?? [];
        list.push({ upstream: upstream.name, model });
        this.#byModel.set(model, list);
      }
    }
  }

  plan(model: string): Plan | undefined {
    const route = this.#config.routes.get(model);
    if (route !== undefined) {
      return {
        alias: route.alias,
        targets: orderTargets(route.targets, this.#random),
        retries: route.retries,
        timeouts: route.timeouts,
        totalMs: route.timeouts.totalMs ?? this.#config.timeouts.totalMs,
      };
    }
    const slash = model.indexOf('/');
    const prefix = slash > 0 ? model.slice(0, slash) : undefined;
    const rest = model.slice(slash + 1);
    if (prefix !== undefined) {
      const upstream = this.#config.upstreams.get(prefix);
      if (upstream !== undefined) return this.#direct(model, [{ upstream: upstream.name, model: rest }]);
    }
    const served = this.#byModel.get(model);
    if (served !== undefined) return this.#direct(model, served);
    if (prefix !== undefined && rest !== '') {
      if (this.#config.routes.has(rest) || this.#byModel.has(rest)) return this.plan(rest);
      const ofProvider = [...this.#config.upstreams.values()].filter((u) => u.provider === prefix);
      if (ofProvider.length > 0)
        return this.#direct(
          model,
          ofProvider.map((u) => ({ upstream: u.name, model: rest })),
        );
    }
    return undefined;
  }

  #direct(alias: string, targets: TargetConfig[]): Plan {
    return {
      alias,
      targets,
      retries: this.#config.retries,
      timeouts: {},
      totalMs: this.#config.timeouts.totalMs,
    };
  }

  /** Every name a client may ask for: aliases first, then the models upstreams list. */
  modelNames(): Array<{ id: string; ownedBy: string }> {
    const out: Array<{ id: string; ownedBy: string }> = [];
    const seen = new Set<string>();
    for (const alias of this.#config.routes.keys()) {
      seen.add(alias);
      out.push({ id: alias, ownedBy: 'agentcrate-gateway' });
    }
    for (const [model, targets] of this.#byModel) {
      if (seen.has(model)) continue;
      seen.add(model);
      out.push({ id: model, ownedBy: targets[0]?.upstream ?? 'agentcrate-gateway' });
    }
    return out;
  }
}

/** Weighted order without replacement (Efraimidis–Spirakis keys), weight-0 targets last. */
export function orderTargets(targets: TargetConfig[], random: () => number): TargetConfig[] {
  if (targets.length < 2 || !targets.some((t) => t.weight !== undefined)) return targets;
  const weighted: Array<{ target: TargetConfig; key: number }> = [];
  const fallbacks: TargetConfig[] = [];
  for (const target of targets) {
    const weight = target.weight ?? 1;
    if (weight <= 0) fallbacks.push(target);
    else weighted.push({ target, key: Math.log(Math.max(random(), Number.MIN_VALUE)) / weight });
  }
  weighted.sort((a, b) => b.key - a.key);
  return [...weighted.map((w) => w.target), ...fallbacks];
}
