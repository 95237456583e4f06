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

/** Answers cached per target component before the cache starts over (bounds its memory). */
const MAX_CACHED_TARGETS = 256;

/**
 * Depth-first labels of the component graph, one set per traversal order. `post` is the
 * finishing rank; `low` the smallest rank among everything reachable (a node reaches only
 * what lies inside its [low, post]); `treeLow` the smallest rank in its own depth-first
 * subtree (everything in [treeLow, post] is certainly reachable).
 */
interface Labels {
  post: Int32Array;
  low: Int32Array;
  treeLow: Int32Array;
}

/**
 * "Can node `a` still lead to node `b`?" for the scheduler's joins, in time and memory linear
 * in nodes + edges. (A reachable set per node, the obvious alternative, is quadratic in memory:
 * BENCHMARKS.md, "Long chains", has what it cost a long chain before this index.) Nodes are grouped into strongly connected components (Tarjan),
 * numbered so every edge between components goes from a higher number to a lower one. Two
 * depth-first traversals of the component graph, children in opposite orders, label each
 * component with intervals (as in GRAIL, Yıldırım et al. 2010) that answer most questions at
 * once: outside the target's interval means no, inside the spanning subtree means yes; two
 * opposite orders settle every pair of parallel branches. What is left is a depth-first walk
 * pruned by the same labels, whose answers are kept per target, so the questions about one
 * target (a join, in practice) together cost one walk.
 */
export class Reachability {
  /** Vertices and edges visited so far, building and answering (tests check it stays linear). */
  work = 0;
  private readonly vertex: Map<string, number>;
  /** Vertex → component. */
  private readonly comp: Int32Array;
  /** Per component: 1 when it has a cycle (more than one node, or an edge to itself). */
  private readonly cyclic: Uint8Array;
  /** Component graph in compressed rows: successors of c are succ[start[c]..start[c+1]). */
  private readonly start: Int32Array;
  private readonly succ: Int32Array;
  private readonly labels: [Labels, Labels];
  /** Target component → per component: 0 unknown, 1 reaches the target (or is it), 2 does not. */
  private readonly answers = new Map<number, Uint8Array>();

  constructor(successors: ReadonlyMap<string, Iterable<string>>) {
    const { vertex, start: vStart, edges } = indexGraph(successors);
    this.vertex = vertex;
    const n = vertex.size;
    this.work += n + edges.length;

    const { comp, count, selfLoop } = components(n, vStart, edges, this);
    this.comp = comp;
    this.cyclic = new Uint8Array(count);
    const size = new Int32Array(count);
    for (let v = 0; v < n; v++) size[comp[v]!]!++;
    for (let c = 0; c < count; c++) if (size[c]! > 1) this.cyclic[c] = 1;
    for (const v of selfLoop) this.cyclic[comp[v]!] = 1;

    // Component graph (a repeated edge costs a visit, never a wrong answer).
    const cRows: number[][] = Array.from({ length: count }, () => []);
    for (let v = 0; v < n; v++) {
      const cv = comp[v]!;
      for (let i = vStart[v]!; i < vStart[v + 1]!; i++) {
        const cw = comp[edges[i]!]!;
        if (cw !== cv) cRows[cv]!.push(cw);
      }
    }
    this.start = new Int32Array(count + 1);
    const succ: number[] = [];
    for (let c = 0; c < count; c++) {
      this.start[c] = succ.length;
      for (const d of cRows[c]!) succ.push(d);
    }
    this.start[count] = succ.length;
    this.succ = Int32Array.from(succ);
    this.work += count + succ.length;
    this.labels = [this.label(false), this.label(true)];
  }

  /** Whether `to` can be reached from `from` along at least one edge. */
  canReach(from: string, to: string): boolean {
    const a = this.vertex.get(from);
    const b = this.vertex.get(to);
    if (a === undefined || b === undefined) return false;
    const ca = this.comp[a]!;
    const cb = this.comp[b]!;
    if (ca === cb) return a !== b || this.cyclic[ca] === 1;
    // Edges only go from higher to lower component numbers.
    if (ca < cb || !this.mayReach(ca, cb)) return false;
    for (const l of this.labels) if (l.treeLow[ca]! <= l.post[cb]! && l.post[cb]! <= l.post[ca]!) return true;
    let memo = this.answers.get(cb);
    if (memo === undefined) {
      if (this.answers.size >= MAX_CACHED_TARGETS) this.answers.clear();
      memo = new Uint8Array(this.cyclic.length);
      memo[cb] = 1;
      this.answers.set(cb, memo);
    }
    if (memo[ca] === 0) this.walk(ca, cb, memo);
    return memo[ca] === 1;
  }

  /** False when the labels prove `c` cannot reach `target`. */
  private mayReach(c: number, target: number): boolean {
    for (const l of this.labels) {
      if (l.low[c]! > l.low[target]! || l.post[target]! > l.post[c]!) return false;
    }
    return true;
  }

  /** One depth-first traversal of the component graph, sources first. */
  private label(reverse: boolean): Labels {
    const count = this.cyclic.length;
    const post = new Int32Array(count).fill(-1);
    const low = new Int32Array(count);
    const treeLow = new Int32Array(count);
    const entered = new Uint8Array(count);
    let rank = 0;
    // Higher numbers finished last in Tarjan's order: sources come first.
    for (let root = count - 1; root >= 0; root--) {
      if (entered[root] === 1) continue;
      entered[root] = 1;
      const stack = [root];
      const cursor = [0];
      treeLow[root] = rank;
      while (stack.length > 0) {
        const top = stack.length - 1;
        const c = stack[top]!;
        const from = this.start[c]!;
        const degree = this.start[c + 1]! - from;
        if (cursor[top]! < degree) {
          const k = cursor[top]!;
          cursor[top]!++;
          this.work++;
          const d = this.succ[reverse ? from + degree - 1 - k : from + k]!;
          if (entered[d] === 0) {
            entered[d] = 1;
            treeLow[d] = rank;
            stack.push(d);
            cursor.push(0);
          }
          continue;
        }
        stack.pop();
        cursor.pop();
        post[c] = rank++;
        // Every successor has finished (the component graph has no cycle).
        let l = post[c]!;
        for (let i = from; i < from + degree; i++) l = Math.min(l, low[this.succ[i]!]!);
        low[c] = l;
      }
    }
    return { post, low, treeLow };
  }

  /** Depth-first from `from`, settling memo[] for every component visited on the way. */
  private walk(from: number, target: number, memo: Uint8Array): void {
    const stack = [from];
    const cursor = [this.start[from]!];
    while (stack.length > 0) {
      const top = stack.length - 1;
      const c = stack[top]!;
      if (memo[c] === 1) {
        stack.pop();
        cursor.pop();
        if (top > 0) memo[stack[top - 1]!] = 1;
        continue;
      }
      let descended = false;
      const end = this.start[c + 1]!;
      while (cursor[top]! < end) {
        const d = this.succ[cursor[top]!]!;
        cursor[top]!++;
        this.work++;
        if (memo[d] === 1) {
          memo[c] = 1;
          break;
        }
        // Components numbered below the target, or labelled away from it, cannot reach it.
        if (memo[d] === 2 || d < target || !this.mayReach(d, target)) continue;
        stack.push(d);
        cursor.push(this.start[d]!);
        descended = true;
        break;
      }
      if (descended || memo[c] === 1) continue;
      memo[c] = 2;
      stack.pop();
      cursor.pop();
    }
  }
}

/** Vertex numbers and adjacency in compressed rows (successors of v: edges[start[v]..start[v+1])). */
function indexGraph(successors: ReadonlyMap<string, Iterable<string>>): {
  vertex: Map<string, number>;
  start: Int32Array;
  edges: number[];
} {
  const vertex = new Map<string, number>();
  const add = (id: string): void => {
    if (!vertex.has(id)) vertex.set(id, vertex.size);
  };
  for (const [from, tos] of successors) {
    add(from);
    for (const to of tos) add(to);
  }
  const n = vertex.size;
  const rows: number[][] = Array.from({ length: n }, () => []);
  for (const [from, tos] of successors) {
    const row = rows[vertex.get(from)!]!;
    for (const to of tos) row.push(vertex.get(to)!);
  }
  const start = new Int32Array(n + 1);
  const edges: number[] = [];
  for (let v = 0; v < n; v++) {
    start[v] = edges.length;
    for (const w of rows[v]!) edges.push(w);
  }
  start[n] = edges.length;
  return { vertex, start, edges };
}

/**
 * The strongly connected components of a graph: a component number per vertex, numbered so
 * that an edge between two components goes from a higher number to a lower one.
 */
export function componentsOf(successors: ReadonlyMap<string, Iterable<string>>): Map<string, number> {
  const { vertex, start, edges } = indexGraph(successors);
  const { comp } = components(vertex.size, start, edges, { work: 0 });
  const out = new Map<string, number>();
  for (const [id, v] of vertex) out.set(id, comp[v]!);
  return out;
}

/**
 * Tarjan's strongly connected components without recursion (a 40,000-node chain would
 * overflow the call stack). Components are numbered in the order they complete, so an edge
 * between two components always goes from a higher number to a lower one.
 */
function components(
  n: number,
  start: Int32Array,
  edges: number[],
  counter: { work: number },
): { comp: Int32Array; count: number; selfLoop: number[] } {
  const index = new Int32Array(n).fill(-1);
  const low = new Int32Array(n);
  const comp = new Int32Array(n).fill(-1);
  const onStack = new Uint8Array(n);
  const selfLoop: number[] = [];
  const sccStack: number[] = [];
  let next = 0;
  let count = 0;
  for (let root = 0; root < n; root++) {
    if (index[root] !== -1) continue;
    const call = [root];
    const cursor = [start[root]!];
    index[root] = low[root] = next++;
    sccStack.push(root);
    onStack[root] = 1;
    while (call.length > 0) {
      const top = call.length - 1;
      const v = call[top]!;
      if (cursor[top]! < start[v + 1]!) {
        const w = edges[cursor[top]!]!;
        cursor[top]!++;
        counter.work++;
        if (w === v) selfLoop.push(v);
        if (index[w] === -1) {
          index[w] = low[w] = next++;
          sccStack.push(w);
          onStack[w] = 1;
          call.push(w);
          cursor.push(start[w]!);
        } else if (onStack[w] === 1 && index[w]! < low[v]!) {
          low[v] = index[w]!;
        }
        continue;
      }
      call.pop();
      cursor.pop();
      if (top > 0) {
        const parent = call[top - 1]!;
        if (low[v]! < low[parent]!) low[parent] = low[v]!;
      }
      if (low[v] === index[v]) {
        for (;;) {
          const w = sccStack.pop()!;
          onStack[w] = 0;
          comp[w] = count;
          if (w === v) break;
        }
        count++;
      }
    }
  }
  return { comp, count, selfLoop };
}
