/**
 * The graph rules of the format, shared by validation and by the engine: which nodes an edge
 * can lead to, reachability, and the names of the state the scheduler keeps for loops and
 * parallel runs.
 */
import type { Edge } from './types.js';

/** `_loop_iteration_<node>`: how many times a node has completed (0 before its first run). */
export const LOOP_PREFIX = '_loop_iteration_';
/** The item a parallel edge's target node runs on, in its prompt and inputs. */
export const PARALLEL_ITEM = '_parallel_item';
/** The item's position in the list, from 0. */
export const PARALLEL_INDEX = '_parallel_index';

/** The state key of a node's loop counter. */
export function loopCounterKey(nodeId: string): string {
  return LOOP_PREFIX + nodeId;
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

/** The nodes `from` reaches (themselves included), breadth first. */
export function reach(from: string[], graph: ReadonlyMap<string, ReadonlySet<string>>): Set<string> {
  const seen = new Set<string>(from);
  const queue = [...from];
  for (let i = 0; i < queue.length; i++) {
    for (const next of graph.get(queue[i]!) ?? []) {
      if (!seen.has(next)) {
        seen.add(next);
        queue.push(next);
      }
    }
  }
  return seen;
}
