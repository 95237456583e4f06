/**
 * The compiled workflow as a graph the page draws: one vertex per node (plus START and END),
 * one edge per transition with what decides it — a condition, a route (and which route is
 * the default), a loop with its limit, a parallel map with its fields — and where each node
 * and edge is written in the file, so clicking one jumps to its YAML. Layout is the page's
 * job (a layout library); this only says what is connected and why.
 */
import { END, START, type Workflow } from '../config/types.js';

export type GraphEdgeKind = 'next' | 'condition' | 'default' | 'route' | 'loop' | 'loop-exit' | 'parallel';

export interface GraphNode {
  id: string;
  kind: 'start' | 'end' | 'node';
  description: string | null;
  outputs: string[];
  tools: string[];
  /** Runs once per item of a parallel map. */
  mapped: boolean;
  /** Waits for several predecessors (a join). */
  join: boolean;
  /** Has several plain successors that run at once (a fan-out). */
  fanOut: boolean;
  line: number | null;
}

export interface GraphEdge {
  id: string;
  from: string;
  to: string;
  kind: GraphEdgeKind;
  label: string | null;
  line: number | null;
}

export interface WorkflowGraph {
  nodes: GraphNode[];
  edges: GraphEdge[];
}

export function workflowGraph(workflow: Workflow): WorkflowGraph {
  const edges: GraphEdge[] = [];
  const add = (e: Omit<GraphEdge, 'id'>) => edges.push({ ...e, id: `e${edges.length}` });
  // Conditioned `to:` edges of one node form a decision; an unconditional one beside them is its default.
  const decides = new Set(
    workflow.edges.filter((e) => e.kind === 'direct' && e.condition !== undefined).map((e) => e.from),
  );
  for (const edge of workflow.edges) {
    const line = edge.pos?.line ?? null;
    switch (edge.kind) {
      case 'direct':
        for (const to of edge.to) {
          if (edge.condition !== undefined) {
            add({ from: edge.from, to, kind: 'condition', label: edge.condition.source, line });
          } else if (decides.has(edge.from)) {
            add({ from: edge.from, to, kind: 'default', label: 'otherwise', line });
          } else {
            add({ from: edge.from, to, kind: 'next', label: null, line });
          }
        }
        break;
      case 'routes':
        for (const route of edge.routes) {
          add({
            from: edge.from,
            to: route.to,
            kind: route.condition === null ? 'default' : 'route',
            label: route.condition === null ? 'default' : route.condition.source,
            line: route.condition?.pos?.line ?? line,
          });
        }
        break;
      case 'loop':
        add({
          from: edge.from,
          to: edge.from,
          kind: 'loop',
          label: `until ${edge.conditionField} · max ${edge.maxIterations}`,
          line,
        });
        add({
          from: edge.from,
          to: edge.exitTo,
          kind: 'loop-exit',
          label: `${edge.conditionField} or ${edge.maxIterations} runs`,
          line,
        });
        break;
      case 'parallel':
        add({
          from: edge.from,
          to: edge.targetNode,
          kind: 'parallel',
          label: `each ${edge.itemsField} → ${edge.collectField}`,
          line,
        });
        break;
    }
  }
  const incoming = new Map<string, Set<string>>();
  const plainOut = new Map<string, number>();
  for (const e of edges) {
    if (e.kind === 'loop') continue;
    incoming.set(e.to, (incoming.get(e.to) ?? new Set()).add(e.from));
    if (e.kind === 'next') plainOut.set(e.from, (plainOut.get(e.from) ?? 0) + 1);
  }
  const mapped = new Set(edges.filter((e) => e.kind === 'parallel').map((e) => e.to));
  const used = new Set(edges.flatMap((e) => [e.from, e.to]));
  const nodes: GraphNode[] = [
    vertex(START, 'start'),
    ...workflow.nodes.map(
      (n): GraphNode => ({
        id: n.id,
        kind: 'node',
        description: n.description ?? null,
        outputs: n.outputs,
        tools: n.tools.map((t) => t.name),
        mapped: mapped.has(n.id),
        join: (incoming.get(n.id)?.size ?? 0) > 1,
        fanOut:
          (plainOut.get(n.id) ?? 0) + edges.filter((e) => e.from === n.id && e.kind === 'parallel').length >
          1,
        line: n.pos?.line ?? null,
      }),
    ),
  ];
  if (used.has(END)) nodes.push(vertex(END, 'end'));
  return { nodes, edges };
}

function vertex(id: string, kind: 'start' | 'end'): GraphNode {
  return {
    id,
    kind,
    description: null,
    outputs: [],
    tools: [],
    mapped: false,
    join: false,
    fanOut: false,
    line: null,
  };
}
