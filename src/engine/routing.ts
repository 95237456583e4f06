/**
 * Where a run goes after a node completes: the edge forms of section 5 reduced to
 * "these nodes receive an arrival" plus, for `parallel`, "run this target per item".
 */
import { LOOP_PREFIX, loopCounterKey } from '../config/graph.js';
import { type Edge, END } from '../config/types.js';
import { AgentcrateError } from '../errors.js';
import { evaluateCondition } from './condition-eval.js';
import type { Plan } from './types.js';

export interface ParallelBatch {
  edgeIndex: number;
  targetNode: string;
  itemsField: string;
  collectField: string;
}

export interface NextStep {
  /** Nodes (never END) that receive one arrival each. */
  readonly targets: readonly string[];
  /** Parallel maps to start. */
  readonly batches: readonly ParallelBatch[];
  readonly reachedEnd: boolean;
}

/**
 * Where each node with one plain edge to one node goes (every step of a chain), decided once
 * per workflow: that step does not depend on the state, so runs share it.
 */
export function fixedNextSteps(outgoing: ReadonlyMap<string, readonly Edge[]>): Map<string, NextStep> {
  const fixed = new Map<string, NextStep>();
  for (const [from, edges] of outgoing) {
    const only = edges.length === 1 ? edges[0]! : undefined;
    if (only?.kind !== 'direct' || only.condition !== undefined || only.to.length !== 1) continue;
    const to = only.to[0]!;
    const next: NextStep =
      to === END
        ? { targets: Object.freeze([]), batches: Object.freeze([]), reachedEnd: true }
        : { targets: Object.freeze([to]), batches: Object.freeze([]), reachedEnd: false };
    fixed.set(from, Object.freeze(next));
  }
  return fixed;
}

/** `scope` is the state plus `_loop_iteration_<node>` counters. */
export function nextStep(plan: Plan, from: string, scope: Record<string, unknown>): NextStep {
  const fixed = plan.fixedNext.get(from);
  if (fixed !== undefined) return fixed;
  const edges = plan.outgoing.get(from) ?? [];
  const targets: string[] = [];
  const batches: ParallelBatch[] = [];

  const conditional = edges.filter((e): e is Extract<Edge, { kind: 'direct' }> => e.kind === 'direct');
  const decides = conditional.some((e) => e.condition !== undefined);
  if (decides) {
    // Edges with `condition:` form one routing decision; an unconditional one is the default.
    const hit =
      conditional.find((e) => e.condition !== undefined && evaluateCondition(e.condition.expr, scope)) ??
      conditional.find((e) => e.condition === undefined);
    if (!hit)
      throw noRoute(
        from,
        conditional.map((e) => e.condition?.source ?? ''),
        scope,
        plan,
      );
    targets.push(...hit.to);
  } else {
    for (const e of conditional) targets.push(...e.to);
  }

  for (const edge of edges) {
    if (edge.kind === 'routes') {
      const route =
        edge.routes.find((r) => r.condition !== null && evaluateCondition(r.condition.expr, scope)) ??
        edge.routes.find((r) => r.condition === null);
      if (!route) {
        throw noRoute(
          from,
          edge.routes.map((r) => r.condition?.source ?? 'default'),
          scope,
          plan,
        );
      }
      targets.push(route.to);
    } else if (edge.kind === 'loop') {
      const done = scope[edge.conditionField] === true;
      const count = Number(scope[plan.counterKeys.get(from) ?? loopCounterKey(from)] ?? 0);
      targets.push(done || count >= edge.maxIterations ? edge.exitTo : from);
    } else if (edge.kind === 'parallel') {
      batches.push({
        edgeIndex: edge.index,
        targetNode: edge.targetNode,
        itemsField: edge.itemsField,
        collectField: edge.collectField,
      });
    }
  }

  const unique = [...new Set(targets)];
  return { targets: unique.filter((t) => t !== END), batches, reachedEnd: unique.includes(END) };
}

function noRoute(
  from: string,
  conditions: string[],
  scope: Record<string, unknown>,
  plan: Plan,
): AgentcrateError {
  const tested = new Set<string>();
  for (const c of conditions) for (const m of c.matchAll(/[A-Za-z_][A-Za-z0-9_]*/g)) tested.add(m[0]);
  const values: Record<string, unknown> = {};
  for (const name of tested)
    if (plan.fields.has(name) || name.startsWith(LOOP_PREFIX)) values[name] = scope[name] ?? null;
  return new AgentcrateError(
    'E_ROUTING',
    `no route out of node '${from}': none of its conditions (${conditions.map((c) => `"${c}"`).join(', ')}) is true and it has no default; state tested: ${JSON.stringify(values)}`,
    { details: { node: from, conditions, state: values } },
  );
}
