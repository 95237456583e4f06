/**
 * Edges: sources and targets that are nodes, loop and parallel fields of the right kind,
 * conditions that refer to state fields, one deciding edge per node.
 */

import { joinPath } from '../diagnostics.js';
import { LOOP_PREFIX } from '../graph.js';
import { conditionRefs } from '../languages/condition.js';
import { formatType } from '../languages/type-grammar.js';
import { didYouMean, suggest } from '../suggest.js';
import { type Condition, type Edge, END, START } from '../types.js';
import type { Checker } from './checker.js';
import { checkConditionTypes } from './condition-types.js';

export function checkEdge(ck: Checker, edge: Edge): void {
  const path = joinPath('edges', edge.index);
  const fromPath = joinPath(path, 'from');
  if (edge.from === END) {
    ck.r.error('invalid-edge', fromPath, `an edge cannot start at END; END is where the run stops`);
  } else if (edge.from !== '' && edge.from !== START && !ck.nodes.has(edge.from)) {
    ck.unknownNode(fromPath, edge.from, 'from', true);
  }
  switch (edge.kind) {
    case 'direct':
      edge.to.forEach((to, k) => {
        checkTarget(ck, edge.to.length === 1 ? joinPath(path, 'to') : joinPath(joinPath(path, 'to'), k), to);
      });
      if (edge.condition !== undefined) checkCondition(ck, edge.condition);
      break;
    case 'routes': {
      const paths = ck.meta.routePaths.get(edge.index) ?? [];
      edge.routes.forEach((route, j) => {
        checkTarget(ck, joinPath(paths[j] ?? joinPath(path, 'routes'), 'to'), route.to);
        if (route.condition !== null) checkCondition(ck, route.condition);
      });
      break;
    }
    case 'loop': {
      const loopPath = joinPath(path, 'loop');
      checkTarget(ck, joinPath(loopPath, 'exit_to'), edge.exitTo);
      checkFieldOfKind(
        ck,
        joinPath(loopPath, 'condition_field'),
        edge.conditionField,
        'bool',
        'loop condition_field',
      );
      break;
    }
    case 'parallel': {
      const pPath = joinPath(path, 'parallel');
      const targetPath = joinPath(pPath, 'target_node');
      if (edge.targetNode === END || edge.targetNode === START) {
        ck.r.error(
          'invalid-target',
          targetPath,
          `parallel target_node must be a node, not ${edge.targetNode}`,
        );
      } else if (!ck.nodes.has(edge.targetNode)) {
        ck.unknownNode(targetPath, edge.targetNode, 'target_node', false);
      }
      checkFieldOfKind(ck, joinPath(pPath, 'items_field'), edge.itemsField, 'list', 'parallel items_field');
      checkFieldOfKind(
        ck,
        joinPath(pPath, 'collect_field'),
        edge.collectField,
        'list',
        'parallel collect_field',
      );
      break;
    }
  }
}

function checkTarget(ck: Checker, path: string, to: string): void {
  if (to === END || ck.nodes.has(to)) return;
  if (to === START) {
    ck.r.error('invalid-target', path, 'an edge cannot go to START; START is where the run begins');
    return;
  }
  ck.unknownNode(path, to, 'to', false);
}

function checkFieldOfKind(
  ck: Checker,
  path: string,
  name: string,
  kind: 'bool' | 'list',
  what: string,
): void {
  const field = ck.state.get(name);
  if (field === undefined) {
    ck.unknownField(path, name, `${what} '${name}' is not a state field`);
    return;
  }
  if (ck.meta.badStateTypes.has(name) || field.type.kind === kind) return;
  ck.r.error(
    kind === 'bool' ? 'loop-field-not-bool' : 'parallel-field-not-list',
    path,
    `${what} '${name}' must be a ${kind === 'bool' ? 'bool' : 'list'} state field, but it is '${formatType(field.type)}'`,
  );
}

function checkCondition(ck: Checker, c: Condition): void {
  if (ck.meta.badConditions.has(c)) return;
  const path = ck.meta.conditionPaths.get(c);
  if (path === undefined) return;
  for (const ref of conditionRefs(c.expr)) {
    const pos = ck.map.positionIn(path, c.source, Math.max(0, ref.column - 1));
    const [name, ...rest] = ref.path;
    if (name === undefined) continue;
    const field = ck.state.get(name);
    if (field !== undefined) {
      ck.walk(field, rest, `condition "${c.source}"`, path, pos);
      continue;
    }
    if (name.startsWith(LOOP_PREFIX)) {
      ck.loopCounter(name, path, pos, `condition "${c.source}"`);
      continue;
    }
    if (ck.meta.stateUnread) continue;
    const suggestion = suggest(name, ck.state.keys());
    ck.r.error(
      'unknown-field',
      path,
      `condition "${c.source}" refers to '${name}', which is not a state field${didYouMean(suggestion)}`,
      { suggestion, pos },
    );
  }
  checkConditionTypes(ck, c, path);
}

/** A node with `routes` or `loop` decides alone where the run goes next. */
export function checkConflictingEdges(ck: Checker): void {
  const byFrom = new Map<string, Edge[]>();
  for (const e of ck.wf.edges) {
    if (e.from === '') continue;
    const list = byFrom.get(e.from) ?? [];
    list.push(e);
    byFrom.set(e.from, list);
  }
  for (const [from, edges] of byFrom) {
    const decider = edges.find((e) => e.kind === 'routes' || e.kind === 'loop');
    if (decider === undefined || edges.length === 1) continue;
    for (const e of edges) {
      if (e === decider) continue;
      ck.r.error(
        'conflicting-edges',
        joinPath('edges', e.index),
        `'${from}' already has a ${decider.kind} edge (edges[${decider.index}]), which decides where the run goes next; remove this edge or fold it into that one`,
      );
    }
  }
}
