/**
 * compile(workflow) → Plan, once per workflow: indexes nodes and edges, precomputes
 * reachability (joins wait for any active node that can still reach them) and each
 * node's answer schema, so executing a run does no parsing or graph analysis.
 */
import { type Edge, END, type NodeDef, START, type StateField, type Workflow } from '../config/types.js';
import { nodeOutputJsonSchema } from './output-schema.js';
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
  const reach = new Map<string, ReadonlySet<string>>();
  for (const id of [START, ...nodes.keys()]) reach.set(id, closure(id, successors));

  const outputSchemas = new Map<string, Record<string, unknown>>();
  for (const node of workflow.nodes) outputSchemas.set(node.id, nodeOutputJsonSchema(node, fields));

  return { workflow, nodes, fields, outgoing, reach, parallelTargets, outputSchemas };
}

/** Every node an edge can lead to (statically), END included. */
export function edgeTargets(edge: Edge): string[] {
  switch (edge.kind) {
    case 'direct':
      return edge.to;
    case 'routes':
      return edge.routes.map((r) => r.to);
    case 'loop':
      return [edge.from, edge.exitTo];
    case 'parallel':
      return [edge.targetNode];
  }
}

function closure(start: string, successors: ReadonlyMap<string, ReadonlySet<string>>): Set<string> {
  const seen = new Set<string>();
  const stack = [...(successors.get(start) ?? [])];
  while (stack.length > 0) {
    const id = stack.pop()!;
    if (seen.has(id)) continue;
    seen.add(id);
    for (const next of successors.get(id) ?? []) if (!seen.has(next)) stack.push(next);
  }
  return seen;
}
