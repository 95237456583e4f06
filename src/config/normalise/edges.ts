/** `edges:` → Edges of every form: to (with condition), routes, loop, parallel. */

import { joinPath } from '../diagnostics.js';
import { KEYS } from '../known-keys.js';
import { type Condition, type Edge, END } from '../types.js';
import { isObj, type Reader } from './reader.js';

export function normaliseEdges(rd: Reader, raw: unknown): Edge[] {
  if (!Array.isArray(raw) || raw.length === 0) {
    if (raw !== undefined && raw !== null && !Array.isArray(raw))
      rd.wrongKind('edges', 'a list of edges', raw);
    else rd.missing('edges', 'the workflow has no edges: add edges: [{from: START, to: first_node}, ...]');
    return [];
  }
  const out: Edge[] = [];
  raw.forEach((e, i) => {
    const edge = readEdge(rd, e, i);
    if (edge !== undefined) out.push(edge);
  });
  return out;
}

function readEdge(rd: Reader, raw: unknown, index: number): Edge | undefined {
  const path = joinPath('edges', index);
  if (!isObj(raw)) {
    rd.wrongKind(path, 'a map with from and to (or routes, loop, parallel)', raw);
    return undefined;
  }
  rd.checkKeys(raw, path, KEYS.edge);
  const pos = rd.map.locate(path);
  const withPos = <T extends Edge>(e: T): T => {
    if (pos !== undefined) e.pos = pos;
    return e;
  };
  let from = '';
  if (typeof raw.from === 'string' && raw.from !== '') from = raw.from;
  else if (raw.from === undefined || raw.from === null)
    rd.missing(joinPath(path, 'from'), `edge #${index + 1} has no from: add from: START or a node id`);
  else rd.wrongKind(joinPath(path, 'from'), 'a node id or START', raw.from);

  const forms = (['to', 'routes', 'loop', 'parallel'] as const).filter(
    (k) => raw[k] !== undefined && raw[k] !== null,
  );
  if (forms.length !== 1) {
    const found = forms.length === 0 ? 'none' : forms.join(' and ');
    rd.r.error(
      'invalid-edge',
      path,
      `edge #${index + 1}${from === '' ? '' : ` from '${from}'`} must have exactly one of to, routes, loop or parallel (found ${found})`,
    );
    return undefined;
  }
  const form = forms[0]!;
  if (raw.condition !== undefined && form !== 'to') {
    rd.r.error(
      'invalid-edge',
      joinPath(path, 'condition'),
      `condition: only goes with to:; inside ${form} use its own fields`,
    );
  }
  switch (form) {
    case 'to': {
      const to = readTargets(rd, raw.to, joinPath(path, 'to'));
      if (to === undefined) return undefined;
      const edge: Edge = { kind: 'direct', index, from, to };
      const c = raw.condition;
      const cPath = joinPath(path, 'condition');
      if (typeof c === 'string') edge.condition = rd.condition(c, cPath);
      else if (isObj(c) && typeof c.logic === 'string')
        edge.condition = rd.condition(c.logic, joinPath(cPath, 'logic'));
      else if (c !== undefined && c !== null)
        rd.wrongKind(cPath, 'a condition string such as "state.ok == true"', c);
      return withPos(edge);
    }
    case 'routes':
      return routesEdge(rd, raw.routes, { index, from, path, withPos });
    case 'loop':
      return loopEdge(rd, raw.loop, { index, from, path, withPos });
    case 'parallel':
      return parallelEdge(rd, raw.parallel, { index, from, path, withPos });
  }
}

function readTargets(rd: Reader, v: unknown, path: string): string[] | undefined {
  if (typeof v === 'string' && v !== '') return [v];
  if (Array.isArray(v) && v.length > 0) {
    const out: string[] = [];
    v.forEach((t, j) => {
      if (typeof t === 'string' && t !== '') out.push(t);
      else rd.wrongKind(joinPath(path, j), 'a node id or END', t);
    });
    return out.length === v.length ? out : undefined;
  }
  rd.wrongKind(path, 'a node id, END, or a non-empty list of node ids', v);
  return undefined;
}

/** Where an edge of the special forms is, and how to give it its position. */
interface EdgeAt {
  index: number;
  from: string;
  path: string;
  withPos: <T extends Edge>(e: T) => T;
}

function routesEdge(rd: Reader, v: unknown, at: EdgeAt) {
  const { index, from, path, withPos } = at;
  const routesPath = joinPath(path, 'routes');
  if (!Array.isArray(v) || v.length === 0) {
    rd.wrongKind(routesPath, 'a non-empty list of {condition: {logic: ...}, to: ...}', v);
    return undefined;
  }
  const routes: Array<{ condition: Condition | null; to: string }> = [];
  const paths: string[] = [];
  let defaultRoute: { condition: null; to: string } | undefined;
  let defaultPath = '';
  let defaults = 0;
  let ok = true;
  v.forEach((route, j) => {
    const rPath = joinPath(routesPath, j);
    if (!isObj(route)) {
      ok = false;
      rd.wrongKind(rPath, 'a map with condition and to', route);
      return;
    }
    rd.checkKeys(route, rPath, KEYS.route);
    if (typeof route.to !== 'string' || route.to === '') {
      ok = false;
      if (route.to === undefined || route.to === null)
        rd.missing(joinPath(rPath, 'to'), `route #${j + 1} has no to`);
      else rd.wrongKind(joinPath(rPath, 'to'), 'a node id or END', route.to);
      return;
    }
    const c = route.condition;
    let logic: string | undefined;
    let logicPath = joinPath(rPath, 'condition');
    if (typeof c === 'string') logic = c;
    else if (isObj(c)) {
      rd.checkKeys(c, logicPath, KEYS.routeCondition);
      logicPath = joinPath(logicPath, 'logic');
      if (typeof c.logic === 'string') logic = c.logic;
    }
    if (logic === undefined || logic.trim() === '') {
      ok = false;
      rd.missing(
        logicPath,
        `route #${j + 1} has no condition: add condition: {logic: "state.x == 1"} (or {logic: default})`,
      );
      return;
    }
    if (logic.trim() === 'default') {
      defaults++;
      defaultRoute = { condition: null, to: route.to };
      defaultPath = rPath;
      return;
    }
    routes.push({ condition: rd.condition(logic, logicPath), to: route.to });
    paths.push(rPath);
  });
  if (defaults !== 1) {
    rd.r.error(
      'routes-default',
      routesPath,
      defaults === 0
        ? `routes from '${from}' need exactly one default route: add {condition: {logic: default}, to: ...}`
        : `routes from '${from}' have ${defaults} default routes; keep exactly one`,
    );
  }
  if (!ok) return undefined;
  // The default is the fallback wherever it was written, so it is tried last.
  if (defaultRoute !== undefined) {
    routes.push(defaultRoute);
    paths.push(defaultPath);
  }
  rd.meta.routePaths.set(index, paths);
  return withPos({ kind: 'routes', index, from, routes } as Edge);
}

function loopEdge(rd: Reader, v: unknown, at: EdgeAt) {
  const { index, from, path, withPos } = at;
  const loopPath = joinPath(path, 'loop');
  if (!isObj(v)) {
    rd.wrongKind(loopPath, 'a map with condition_field, max_iterations and exit_to', v);
    return undefined;
  }
  rd.checkKeys(v, loopPath, KEYS.loop);
  if (typeof v.condition_field !== 'string' || v.condition_field === '') {
    rd.missing(
      joinPath(loopPath, 'condition_field'),
      'loop needs condition_field: a bool state field that ends the loop when true',
    );
    return undefined;
  }
  const maxIterations = rd.optInt(v, 'max_iterations', loopPath, 1, 100) ?? 10;
  let exitTo = END;
  if (typeof v.exit_to === 'string' && v.exit_to !== '') exitTo = v.exit_to;
  else if (v.exit_to !== undefined && v.exit_to !== null)
    rd.wrongKind(joinPath(loopPath, 'exit_to'), 'a node id or END', v.exit_to);
  return withPos({
    kind: 'loop',
    index,
    from,
    conditionField: v.condition_field,
    maxIterations,
    exitTo,
  } as Edge);
}

function parallelEdge(rd: Reader, v: unknown, at: EdgeAt) {
  const { index, from, path, withPos } = at;
  const pPath = joinPath(path, 'parallel');
  if (!isObj(v)) {
    rd.wrongKind(pPath, 'a map with items_field, target_node and collect_field', v);
    return undefined;
  }
  rd.checkKeys(v, pPath, KEYS.parallel);
  const names: Record<string, string> = {};
  for (const key of ['items_field', 'target_node', 'collect_field'] as const) {
    const value = v[key];
    if (typeof value === 'string' && value !== '') names[key] = value;
    else if (value === undefined || value === null) rd.missing(joinPath(pPath, key), `parallel needs ${key}`);
    else rd.wrongKind(joinPath(pPath, key), 'a name', value);
  }
  const { items_field, target_node, collect_field } = names;
  if (items_field === undefined || target_node === undefined || collect_field === undefined) return undefined;
  return withPos({
    kind: 'parallel',
    index,
    from,
    itemsField: items_field,
    targetNode: target_node,
    collectField: collect_field,
  } as Edge);
}
