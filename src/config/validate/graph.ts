/**
 * The graph as a whole: an edge leaves START, every node is reached from START and can reach
 * END, and fan-out branches running at the same time do not write the same state field.
 */

import { joinPath } from '../diagnostics.js';
import { edgeTargets, reach } from '../graph.js';
import { END, START } from '../types.js';
import type { Checker } from './checker.js';

export function checkGraph(ck: Checker): void {
  const succ = new Map<string, Set<string>>();
  const add = (from: string, to: string): void => {
    if (to !== END && !ck.nodes.has(to)) return;
    let set = succ.get(from);
    if (set === undefined) {
      set = new Set();
      succ.set(from, set);
    }
    set.add(to);
  };
  let startEdges = 0;
  for (const e of ck.wf.edges) {
    if (e.from !== START && !ck.nodes.has(e.from)) continue;
    if (e.from === START) startEdges++;
    for (const to of edgeTargets(e)) add(e.from, to);
  }
  if (startEdges === 0) {
    if (ck.wf.edges.length > 0) {
      ck.r.error('no-start-edge', 'edges', 'no edge leaves START: add {from: START, to: <first node>}');
    }
    return;
  }
  const reached = reach([START], succ);
  const pred = new Map<string, Set<string>>();
  for (const [from, tos] of succ) {
    for (const to of tos) {
      let set = pred.get(to);
      if (set === undefined) {
        set = new Set();
        pred.set(to, set);
      }
      set.add(from);
    }
  }
  const reachesEnd = reach([END], pred);
  for (const node of ck.nodes.values()) {
    const idPath = joinPath(joinPath('nodes', node.index), 'id');
    if (!reached.has(node.id)) {
      ck.r.error(
        'unreachable-node',
        idPath,
        `node '${node.id}' is never reached from START: add an edge to it, e.g. {from: <previous node>, to: ${node.id}}`,
      );
    }
    if (!reachesEnd.has(node.id)) {
      const message =
        (succ.get(node.id)?.size ?? 0) === 0
          ? `node '${node.id}' has no outgoing edge, so the run can never reach END: add {from: ${node.id}, to: END} or an edge to the next node`
          : `node '${node.id}' cannot reach END: every path from it cycles without an exit`;
      ck.r.error('no-path-to-end', idPath, message);
    }
  }
  checkConcurrentWrites(ck, succ);
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
