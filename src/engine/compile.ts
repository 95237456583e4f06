/**
 * compile(workflow) → Plan, once per workflow: indexes nodes and edges, builds the
 * reachability index (joins wait for any active node that can still reach them) and each
 * node's answer schema, so executing a run does no parsing or graph analysis. Everything here
 * is linear in the size of the workflow.
 */
import { edgeTargets, loopCounterKey, Reachability } from '../config/graph.js';
import { type Edge, END, type NodeDef, type StateField, type Workflow } from '../config/types.js';
import { nodeOutputJsonSchema } from './output-schema.js';
import { fixedNextSteps } from './routing.js';
import type { Plan } from './types.js';

export function compile(workflow: Workflow): Plan {
  const nodes = new Map<string, NodeDef>(workflow.nodes.map((n) => [n.id, n]));
  const fields = new Map<string, StateField>(workflow.state.map((f) => [f.name, f]));
  const outgoing = new Map<string, Edge[]>();
  const parallelTargets = new Set<string>();
  for (const edge of workflow.edges) {
    const list = outgoing.get(edge.from) ?? [];
    list.push(edge);
    outgoing.set(edge.from, list);
    if (edge.kind === 'parallel') parallelTargets.add(edge.targetNode);
  }

  const successors = new Map<string, Set<string>>();
  for (const [from, edges] of outgoing) {
    const next = new Set<string>();
    for (const edge of edges) for (const t of edgeTargets(edge)) if (t !== END) next.add(t);
    successors.set(from, next);
  }
  const reachability = new Reachability(successors);

  const outputSchemas = new Map<string, Record<string, unknown>>();
  for (const node of workflow.nodes) outputSchemas.set(node.id, nodeOutputJsonSchema(node, fields));

  // Made once: a key built per step is a new string each time, and a new string used as a
  // property key is hashed and looked up in the string table on every use.
  const counterKeys = new Map<string, string>();
  const zeroCounters: Record<string, number> = {};
  for (const node of workflow.nodes) {
    const key = loopCounterKey(node.id);
    counterKeys.set(node.id, key);
    zeroCounters[key] = 0;
  }

  return {
    workflow,
    nodes,
    fields,
    outgoing,
    reachability,
    parallelTargets,
    outputSchemas,
    counterKeys,
    zeroCounters: Object.freeze(zeroCounters),
    fixedNext: fixedNextSteps(outgoing),
  };
}
