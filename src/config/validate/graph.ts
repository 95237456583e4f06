/**
 * The graph as a whole: an edge leaves START, every node is reached from START and can reach
 * END, and fan-out branches running at the same time do not write the same state field.
 */

import { joinPath } from '../diagnostics.js';
import { componentsOf, edgeTargets, reach } from '../graph.js';
import { END, START } from '../types.js';
import type { Checker } from './checker.js';

/**
 * A stand-in for a node an edge names but the file does not have, with no likely meaning:
 * it may lead anywhere and be left from anywhere, so nothing that such an edge could explain
 * is reported as a broken graph (the unknown name itself is reported where it is written).
 */
const ANY = '\u0000any';

/**
 * The graph as written, with each unknown node name read as the node it most likely means
 * (the did-you-mean of its unknown-node error) or, lacking one, as ANY.
 */
function repairedGraph(ck: Checker): { succ: Map<string, Set<string>>; startEdges: number } {
  const succ = new Map<string, Set<string>>();
  const add = (from: string, to: string): void => {
    const set = succ.get(from) ?? new Set<string>();
    set.add(to);
    succ.set(from, set);
  };
  const resolve = (name: string, isFrom: boolean): string => {
    if (name === (isFrom ? START : END) || ck.nodes.has(name)) return name;
    // START as a target and END as a source are errors of their own; what the edge was
    // meant to connect is unknown, so it stands for anything, like an unknown name.
    if (name === START || name === END) return ANY;
    return ck.nodeSuggestion(name, isFrom) ?? ANY;
  };
  let startEdges = 0;
  let any = false;
  for (const e of ck.wf.edges) {
    const from = resolve(e.from, true);
    if (from === START) startEdges++;
    for (const target of edgeTargets(e)) {
      const to = resolve(target, false);
      add(from, to);
      if (from === ANY || to === ANY) any = true;
    }
  }
  if (any) {
    // ANY leads to every node and END, and every node may be the one that leads to it.
    for (const id of ck.nodes.keys()) {
      add(ANY, id);
      add(id, ANY);
    }
    add(ANY, END);
  }
  return { succ, startEdges };
}

/**
 * Only the causes are reported: the first nodes of the unreachable part (not every node
 * after them), and the dead ends and exitless loops a run can get stuck in (not every node
 * that leads there).
 */
export function checkGraph(ck: Checker): void {
  const { succ, startEdges } = repairedGraph(ck);
  if (startEdges === 0) {
    if (ck.wf.edges.length > 0) {
      ck.r.error('no-start-edge', 'edges', 'no edge leaves START: add {from: START, to: <first node>}');
    }
    return;
  }
  const pred = new Map<string, Set<string>>();
  for (const [from, tos] of succ) {
    for (const to of tos) {
      const set = pred.get(to) ?? new Set<string>();
      set.add(from);
      pred.set(to, set);
    }
  }
  const reached = reach([START], succ);
  const reachesEnd = reach([END], pred);
  const idPath = (id: string): string => joinPath(joinPath('nodes', ck.nodes.get(id)!.index), 'id');

  // Unreachable: each group (strongly connected) that no other unreachable node leads into.
  const unreachable = [...ck.nodes.keys()].filter((id) => !reached.has(id));
  for (const group of topGroups(unreachable, pred)) {
    const id = group[0]!;
    const what =
      group.length === 1
        ? `node '${id}' is never reached from START`
        : `nodes ${names(group)} are never reached from START (only from each other)`;
    ck.r.error(
      'unreachable-node',
      idPath(id),
      `${what}: add an edge to ${group.length === 1 ? 'it' : 'one of them'}, e.g. {from: <previous node>, to: ${id}}`,
    );
  }

  // Stuck (reached, END out of reach): each group that leads to no other stuck node.
  const stuck = [...ck.nodes.keys()].filter((id) => reached.has(id) && !reachesEnd.has(id));
  for (const group of topGroups(stuck, succ)) {
    const id = group[0]!;
    const message =
      group.length === 1 && (succ.get(id)?.size ?? 0) === 0
        ? `node '${id}' has no outgoing edge, so the run can never reach END: add {from: ${id}, to: END} or an edge to the next node`
        : `${group.length === 1 ? `node '${id}' only leads back to itself` : `nodes ${names(group)} only lead to each other`}, so the run can never reach END: add an edge from one of them to END or to a node that reaches it (or a loop exit_to)`;
    ck.r.error('no-path-to-end', idPath(id), message);
  }
  checkConcurrentWrites(ck, succ);
}

function names(group: string[]): string {
  const shown = group.slice(0, 5).map((g) => `'${g}'`);
  return `${shown.join(', ')}${group.length > 5 ? ` and ${group.length - 5} more` : ''}`;
}

/**
 * Groups `ids` into strongly connected components over `edges` restricted to `ids`, and
 * returns those with no edge to another component (in the order of their first member).
 */
function topGroups(ids: string[], edges: Map<string, Set<string>>): string[][] {
  if (ids.length === 0) return [];
  const inSet = new Set(ids);
  const sub = new Map<string, Set<string>>();
  for (const id of ids) {
    const out = new Set<string>();
    for (const next of edges.get(id) ?? []) if (inSet.has(next)) out.add(next);
    sub.set(id, out);
  }
  const comp = componentsOf(sub);
  const blocked = new Set<number>();
  for (const id of ids) {
    const c = comp.get(id)!;
    for (const next of sub.get(id)!) if (comp.get(next) !== c) blocked.add(c);
  }
  const groups = new Map<number, string[]>();
  for (const id of ids) {
    const c = comp.get(id)!;
    if (blocked.has(c)) continue;
    const group = groups.get(c) ?? [];
    group.push(id);
    groups.set(c, group);
  }
  return [...groups.values()];
}

/**
 * Fan-out branches run at the same time: nodes only one branch reaches (before the join)
 * must not write the same field as nodes only another branch reaches.
 */
function checkConcurrentWrites(ck: Checker, succ: Map<string, Set<string>>): void {
  const fanOuts = new Map<string, { targets: string[]; edge: number }>();
  for (const e of ck.wf.edges) {
    if (e.kind !== 'direct' || e.condition !== undefined) continue;
    if (e.from !== START && !ck.nodes.has(e.from)) continue;
    const entry = fanOuts.get(e.from) ?? { targets: [], edge: e.index };
    for (const to of e.to) if (ck.nodes.has(to) && !entry.targets.includes(to)) entry.targets.push(to);
    fanOuts.set(e.from, entry);
  }
  for (const [from, { targets, edge }] of fanOuts) {
    if (targets.length < 2) continue;
    const branches = targets.map((t) => reach([t], succ));
    const count = new Map<string, number>();
    for (const b of branches) for (const n of b) count.set(n, (count.get(n) ?? 0) + 1);
    const writers = branches.map((b) => {
      const w = new Map<string, string>();
      for (const n of b) {
        if (count.get(n) !== 1) continue;
        for (const out of ck.nodes.get(n)?.outputs ?? []) if (!w.has(out)) w.set(out, n);
      }
      return w;
    });
    const reported = new Set<string>();
    for (let i = 0; i < writers.length; i++) {
      for (let j = i + 1; j < writers.length; j++) {
        for (const [field, a] of writers[i]!) {
          const b = writers[j]!.get(field);
          if (b === undefined || reported.has(field)) continue;
          reported.add(field);
          ck.r.error(
            'concurrent-write',
            joinPath('edges', edge),
            `nodes '${a}' and '${b}' run at the same time (fan-out from ${from}) and both write state field '${field}'; give each branch its own output field`,
          );
        }
      }
    }
  }
}
