/**
 * Semantic rules over a normalised workflow (workflow-format.md section 5 "Validation"):
 * names that must refer to something, types that must agree, a graph that must be
 * walkable from START to END, concurrent branches that must not write the same field.
 * Every problem is reported (no early exit) so a user fixes the file in one round.
 */

import { conditionRefs } from './condition.js';
import { joinPath, type Reporter } from './diagnostics.js';
import type { NormaliseMeta } from './normalise.js';
import { IDENTIFIER } from './normalise.js';
import { didYouMean, suggest } from './suggest.js';
import { templateRefs } from './template.js';
import { formatType, typeEquals } from './type-grammar.js';
import {
  type Condition,
  type Edge,
  END,
  type NodeDef,
  START,
  type StateField,
  type Template,
  type TypeNode,
  type Workflow,
} from './types.js';
import { checkValue } from './values.js';
import type { SourceMap } from './yaml.js';

const LOOP_PREFIX = '_loop_iteration_';
const PARALLEL_ITEM = '_parallel_item';
const PARALLEL_INDEX = '_parallel_index';

export function validate(workflow: Workflow, meta: NormaliseMeta, reporter: Reporter, map: SourceMap): void {
  new Validator(workflow, meta, reporter, map).run();
}

class Validator {
  private readonly wf: Workflow;
  private readonly meta: NormaliseMeta;
  private readonly r: Reporter;
  private readonly map: SourceMap;
  private readonly state = new Map<string, StateField>();
  /** Valid, unique node ids → node. */
  private readonly nodes = new Map<string, NodeDef>();
  private readonly parallelTargets = new Set<string>();

  constructor(workflow: Workflow, meta: NormaliseMeta, reporter: Reporter, map: SourceMap) {
    this.wf = workflow;
    this.meta = meta;
    this.r = reporter;
    this.map = map;
    for (const f of workflow.state) this.state.set(f.name, f);
  }

  run(): void {
    this.stateFields();
    this.nodeIds();
    for (const e of this.wf.edges) if (e.kind === 'parallel') this.parallelTargets.add(e.targetNode);
    for (const node of this.wf.nodes) this.node(node);
    for (const edge of this.wf.edges) this.edge(edge);
    this.conflictingEdges();
    this.graph();
  }

  // ------------------------------------------------------------------ state

  private stateFields(): void {
    for (const f of this.wf.state) {
      if (this.meta.badStateTypes.has(f.name) || !f.hasDefault || f.default === null) continue;
      const path = joinPath(joinPath('state.fields', f.name), 'default');
      if (f.required) {
        this.r.error(
          'required-with-default',
          path,
          `state field '${f.name}' is required and also has a default; remove one (a required field must come from the inputs)`,
        );
        continue;
      }
      for (const issue of checkValue(f.type, f.default, 'default')) {
        const where = issue.path === 'default' ? '' : ` at ${issue.path}`;
        this.r.error(
          'invalid-default',
          path,
          `default of state field '${f.name}' does not match its type '${formatType(f.type)}'${where}: ${issue.message}`,
        );
      }
    }
  }

  // ------------------------------------------------------------------ nodes

  private nodeIds(): void {
    const seen = new Map<string, number>();
    for (const node of this.wf.nodes) {
      if (node.id === '') continue;
      const path = joinPath(joinPath('nodes', node.index), 'id');
      if (node.id === START || node.id === END) {
        this.r.error(
          'reserved-node-id',
          path,
          `node id '${node.id}' is reserved for the graph's ${node.id === START ? 'entry' : 'exit'}; rename the node`,
        );
        continue;
      }
      if (!IDENTIFIER.test(node.id)) {
        this.r.error(
          'invalid-node-id',
          path,
          `node id '${node.id}' must be an identifier (letters, digits and _, not starting with a digit)`,
        );
        continue;
      }
      const first = seen.get(node.id);
      if (first !== undefined) {
        this.r.error(
          'duplicate-node-id',
          path,
          `node id '${node.id}' is used by nodes #${first + 1} and #${node.index + 1}; ids must be unique`,
        );
        continue;
      }
      seen.set(node.id, node.index);
      this.nodes.set(node.id, node);
    }
  }

  private node(node: NodeDef): void {
    const path = joinPath('nodes', node.index);
    const label = node.id === '' ? `node #${node.index + 1}` : `node '${node.id}'`;
    const seen = new Set<string>();
    node.outputs.forEach((out, j) => {
      const outPath = joinPath(joinPath(path, 'outputs'), j);
      if (seen.has(out)) {
        this.r.error('duplicate-output', outPath, `${label} lists output '${out}' twice`);
        return;
      }
      seen.add(out);
      if (!this.state.has(out))
        this.unknownField(outPath, out, `output '${out}' of ${label} is not a state field`);
    });
    if (!this.meta.badOutputSchema.has(node.index) && !this.meta.badOutputs.has(node.index)) {
      this.outputSchema(node, path, label);
    }
    this.template(node.prompt, node, label, false);
    for (const input of node.inputs) this.template(input.template, node, label, true);
  }

  private outputSchema(node: NodeDef, path: string, label: string): void {
    const osPath = joinPath(path, 'output_schema');
    const schema = node.outputSchema;
    if (schema.kind === 'single') {
      if (node.outputs.length !== 1) {
        this.r.error(
          'output-schema-mismatch',
          osPath,
          `output_schema of ${label} is a single value but the node has ${node.outputs.length} outputs (${node.outputs.join(', ')}); use {type: object, fields: [...]} with one field per output`,
        );
        return;
      }
      const out = node.outputs[0]!;
      const resolved = this.compareType(
        schema.type,
        out,
        joinPath(osPath, 'type'),
        `output_schema of ${label}`,
      );
      if (resolved !== undefined) schema.type = resolved;
      return;
    }
    const fieldsPath = joinPath(osPath, 'fields');
    const names = new Set<string>();
    schema.fields.forEach((f, j) => {
      const fPath = joinPath(fieldsPath, j);
      if (names.has(f.name)) {
        this.r.error(
          'duplicate-output',
          joinPath(fPath, 'name'),
          `output_schema of ${label} lists '${f.name}' twice`,
        );
        return;
      }
      names.add(f.name);
      if (!node.outputs.includes(f.name)) {
        const suggestion = suggest(
          f.name,
          node.outputs.filter((o) => !schema.fields.some((x) => x.name === o)),
        );
        this.r.error(
          'output-schema-mismatch',
          joinPath(fPath, 'name'),
          `output_schema field '${f.name}' of ${label} is not one of its outputs [${node.outputs.join(', ')}]${didYouMean(suggestion)}`,
          { suggestion },
        );
        return;
      }
      const resolved = this.compareType(
        f.type,
        f.name,
        joinPath(fPath, 'type'),
        `output '${f.name}' of ${label}`,
      );
      if (resolved !== undefined) f.type = resolved;
    });
    for (const out of node.outputs) {
      if (!names.has(out)) {
        this.r.error(
          'output-schema-mismatch',
          fieldsPath,
          `output '${out}' of ${label} has no entry in output_schema.fields; add {name: ${out}, type: ...}`,
        );
      }
    }
  }

  /**
   * Checks an output type against the state field it writes. A bare `object` (no schema)
   * takes the state field's type, which is returned so the workflow carries the full type.
   */
  private compareType(type: TypeNode, fieldName: string, path: string, what: string): TypeNode | undefined {
    const field = this.state.get(fieldName);
    if (field === undefined || this.meta.badStateTypes.has(fieldName) || type.kind === 'any')
      return undefined;
    if (type.kind === 'object' && type.fields.length === 0 && field.type.kind === 'object') return field.type;
    if (!typeEquals(type, field.type)) {
      this.r.error(
        'output-type-mismatch',
        path,
        `${what} has type '${formatType(type)}' but state field '${fieldName}' is '${formatType(field.type)}'; make them the same`,
      );
    }
    return undefined;
  }

  private template(t: Template, node: NodeDef, label: string, isInput: boolean): void {
    const path = this.meta.templatePaths.get(t);
    if (path === undefined) return;
    const inputNames = isInput ? [] : node.inputs.map((i) => i.name);
    const where = isInput ? `input of ${label}` : `prompt of ${label}`;
    for (const ref of templateRefs(t)) {
      const pos = this.map.positionIn(path, t.source, ref.offset);
      const p = ref.path;
      const viaState = p[0] === 'state' && p.length >= 2;
      const name = (viaState ? p[1] : p[0])!;
      const rest = p.slice(viaState ? 2 : 1);
      if (!viaState && inputNames.includes(name)) continue;
      const field = this.state.get(name);
      if (field !== undefined) {
        this.walk(field, rest, ref.raw, path, pos);
        continue;
      }
      if (!viaState && name.startsWith(LOOP_PREFIX)) {
        if (this.loopCounter(name, path, pos, `placeholder ${ref.raw} in the ${where}`) && rest.length > 0) {
          this.r.error(
            'invalid-placeholder',
            path,
            `placeholder ${ref.raw} in the ${where}: a loop counter is a number with no properties`,
            { pos },
          );
        }
        continue;
      }
      if (!viaState && (name === PARALLEL_ITEM || name === PARALLEL_INDEX)) {
        if (!this.parallelTargets.has(node.id)) {
          this.r.error(
            'parallel-placeholder',
            path,
            `placeholder ${ref.raw} in the ${where} is only set in nodes run by a parallel edge (target_node), and ${label} is not one`,
            { pos },
          );
        } else if (name === PARALLEL_INDEX && rest.length > 0) {
          this.r.error(
            'invalid-placeholder',
            path,
            `placeholder ${ref.raw}: ${PARALLEL_INDEX} is a number with no properties`,
            { pos },
          );
        }
        continue;
      }
      const candidates = [...inputNames, ...this.state.keys()];
      const suggestion = suggest(name, candidates);
      const what = viaState ? `no state field '${name}'` : `no input or state field '${name}'`;
      this.r.error(
        'unknown-placeholder',
        path,
        `placeholder ${ref.raw} in the ${where} names nothing: ${what}${didYouMean(suggestion)}`,
        {
          suggestion,
          pos,
        },
      );
    }
  }

  /** Walks `rest` into a state field's type; objects need the property, dicts accept any key. */
  private walk(
    field: StateField,
    rest: string[],
    raw: string,
    path: string,
    pos: ReturnType<SourceMap['locate']>,
  ): void {
    if (this.meta.badStateTypes.has(field.name)) return;
    let type: TypeNode | null = field.type;
    let walked = field.name;
    for (const part of rest) {
      if (type === null || type.kind === 'any') return;
      if (type.kind === 'dict') {
        type = type.value;
      } else if (type.kind === 'object') {
        if (type.fields.length === 0) return;
        const prop: { type: TypeNode } | undefined = type.fields.find((f) => f.name === part);
        if (prop === undefined) {
          const suggestion = suggest(
            part,
            type.fields.map((f) => f.name),
          );
          this.r.error(
            'unknown-property',
            path,
            `${raw}: '${walked}' has no property '${part}' (it has ${type.fields.map((f) => f.name).join(', ')})${didYouMean(suggestion)}`,
            { suggestion, pos },
          );
          return;
        }
        type = prop.type;
      } else {
        this.r.error(
          'unknown-property',
          path,
          `${raw}: '${walked}' is ${formatType(type)}, which has no property '${part}'`,
          { pos },
        );
        return;
      }
      walked += `.${part}`;
    }
  }

  /** `_loop_iteration_<node>` must name an existing node; returns whether it does. */
  private loopCounter(
    name: string,
    path: string,
    pos: ReturnType<SourceMap['locate']>,
    what: string,
  ): boolean {
    const id = name.slice(LOOP_PREFIX.length);
    if (this.nodes.has(id)) return true;
    const suggestion = suggest(id, this.nodes.keys());
    this.r.error(
      'unknown-node',
      path,
      `${what} counts iterations of node '${id}', which does not exist${didYouMean(suggestion === undefined ? undefined : LOOP_PREFIX + suggestion)}`,
      { suggestion: suggestion === undefined ? undefined : LOOP_PREFIX + suggestion, pos },
    );
    return false;
  }

  private unknownField(path: string, name: string, message: string): void {
    const suggestion = suggest(name, this.state.keys());
    this.r.error('unknown-field', path, `${message}${didYouMean(suggestion)}`, { suggestion });
  }

  // ------------------------------------------------------------------ edges

  private edge(edge: Edge): void {
    const path = joinPath('edges', edge.index);
    const fromPath = joinPath(path, 'from');
    if (edge.from === END) {
      this.r.error('invalid-edge', fromPath, `an edge cannot start at END; END is where the run stops`);
    } else if (edge.from !== '' && edge.from !== START && !this.nodes.has(edge.from)) {
      this.unknownNode(fromPath, edge.from, 'from', true);
    }
    switch (edge.kind) {
      case 'direct':
        edge.to.forEach((to, k) => {
          this.target(edge.to.length === 1 ? joinPath(path, 'to') : joinPath(joinPath(path, 'to'), k), to);
        });
        if (edge.condition !== undefined) this.condition(edge.condition);
        break;
      case 'routes': {
        const paths = this.meta.routePaths.get(edge.index) ?? [];
        edge.routes.forEach((route, j) => {
          this.target(joinPath(paths[j] ?? joinPath(path, 'routes'), 'to'), route.to);
          if (route.condition !== null) this.condition(route.condition);
        });
        break;
      }
      case 'loop': {
        const loopPath = joinPath(path, 'loop');
        this.target(joinPath(loopPath, 'exit_to'), edge.exitTo);
        this.fieldOfKind(
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
          this.r.error(
            'invalid-target',
            targetPath,
            `parallel target_node must be a node, not ${edge.targetNode}`,
          );
        } else if (!this.nodes.has(edge.targetNode)) {
          this.unknownNode(targetPath, edge.targetNode, 'target_node', false);
        }
        this.fieldOfKind(joinPath(pPath, 'items_field'), edge.itemsField, 'list', 'parallel items_field');
        this.fieldOfKind(
          joinPath(pPath, 'collect_field'),
          edge.collectField,
          'list',
          'parallel collect_field',
        );
        break;
      }
    }
  }

  private target(path: string, to: string): void {
    if (to === END || this.nodes.has(to)) return;
    if (to === START) {
      this.r.error('invalid-target', path, 'an edge cannot go to START; START is where the run begins');
      return;
    }
    this.unknownNode(path, to, 'to', false);
  }

  private unknownNode(path: string, name: string, role: string, isFrom: boolean): void {
    const candidates = [...this.nodes.keys(), isFrom ? START : END];
    const suggestion = suggest(name, candidates);
    const hint =
      suggestion === undefined
        ? ` in ${role}; known nodes: ${[...this.nodes.keys()].slice(0, 10).join(', ') || 'none'}`
        : didYouMean(suggestion);
    this.r.error('unknown-node', path, `unknown node '${name}'${hint}`, { suggestion });
  }

  private fieldOfKind(path: string, name: string, kind: 'bool' | 'list', what: string): void {
    const field = this.state.get(name);
    if (field === undefined) {
      this.unknownField(path, name, `${what} '${name}' is not a state field`);
      return;
    }
    if (this.meta.badStateTypes.has(name) || field.type.kind === kind) return;
    this.r.error(
      kind === 'bool' ? 'loop-field-not-bool' : 'parallel-field-not-list',
      path,
      `${what} '${name}' must be a ${kind === 'bool' ? 'bool' : 'list'} state field, but it is '${formatType(field.type)}'`,
    );
  }

  private condition(c: Condition): void {
    if (this.meta.badConditions.has(c)) return;
    const path = this.meta.conditionPaths.get(c);
    if (path === undefined) return;
    for (const ref of conditionRefs(c.expr)) {
      const pos = this.map.positionIn(path, c.source, Math.max(0, ref.column - 1));
      const [name, ...rest] = ref.path;
      if (name === undefined) continue;
      const field = this.state.get(name);
      if (field !== undefined) {
        this.walk(field, rest, `condition "${c.source}"`, path, pos);
        continue;
      }
      if (name.startsWith(LOOP_PREFIX)) {
        this.loopCounter(name, path, pos, `condition "${c.source}"`);
        continue;
      }
      const suggestion = suggest(name, this.state.keys());
      this.r.error(
        'unknown-field',
        path,
        `condition "${c.source}" refers to '${name}', which is not a state field${didYouMean(suggestion)}`,
        { suggestion, pos },
      );
    }
  }

  /** A node with `routes` or `loop` decides alone where the run goes next. */
  private conflictingEdges(): void {
    const byFrom = new Map<string, Edge[]>();
    for (const e of this.wf.edges) {
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
        this.r.error(
          'conflicting-edges',
          joinPath('edges', e.index),
          `'${from}' already has a ${decider.kind} edge (edges[${decider.index}]), which decides where the run goes next; remove this edge or fold it into that one`,
        );
      }
    }
  }

  // ------------------------------------------------------------------ graph

  private graph(): void {
    const succ = new Map<string, Set<string>>();
    const add = (from: string, to: string): void => {
      if (to !== END && !this.nodes.has(to)) return;
      let set = succ.get(from);
      if (set === undefined) {
        set = new Set();
        succ.set(from, set);
      }
      set.add(to);
    };
    let startEdges = 0;
    for (const e of this.wf.edges) {
      if (e.from !== START && !this.nodes.has(e.from)) continue;
      if (e.from === START) startEdges++;
      for (const to of edgeTargets(e)) add(e.from, to);
    }
    if (startEdges === 0) {
      if (this.wf.edges.length > 0) {
        this.r.error('no-start-edge', 'edges', 'no edge leaves START: add {from: START, to: <first node>}');
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
    for (const node of this.nodes.values()) {
      const idPath = joinPath(joinPath('nodes', node.index), 'id');
      if (!reached.has(node.id)) {
        this.r.error(
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
        this.r.error('no-path-to-end', idPath, message);
      }
    }
    this.concurrentWrites(succ);
  }

  /**
   * Fan-out branches run at the same time: nodes only one branch reaches (before the join)
   * must not write the same field as nodes only another branch reaches.
   */
  private concurrentWrites(succ: Map<string, Set<string>>): void {
    const fanOuts = new Map<string, { targets: string[]; edge: number }>();
    for (const e of this.wf.edges) {
      if (e.kind !== 'direct' || e.condition !== undefined) continue;
      if (e.from !== START && !this.nodes.has(e.from)) continue;
      const entry = fanOuts.get(e.from) ?? { targets: [], edge: e.index };
      for (const to of e.to) if (this.nodes.has(to) && !entry.targets.includes(to)) entry.targets.push(to);
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
          for (const out of this.nodes.get(n)?.outputs ?? []) if (!w.has(out)) w.set(out, n);
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
            this.r.error(
              'concurrent-write',
              joinPath('edges', edge),
              `nodes '${a}' and '${b}' run at the same time (fan-out from ${from}) and both write state field '${field}'; give each branch its own output field`,
            );
          }
        }
      }
    }
  }
}

function edgeTargets(e: Edge): string[] {
  switch (e.kind) {
    case 'direct':
      return e.to;
    case 'routes':
      return e.routes.map((r) => r.to);
    case 'loop':
      return [e.from, e.exitTo];
    case 'parallel':
      return [e.targetNode];
  }
}

function reach(from: string[], graph: Map<string, Set<string>>): Set<string> {
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
