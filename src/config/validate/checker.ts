/**
 * What every section of the semantic pass shares: the workflow, the normaliser's side
 * information, the reporter and source map, the indexes of state fields and valid nodes, and
 * the errors more than one section reports (unknown field, unknown node, property walks,
 * loop counters).
 */

import type { Reporter } from '../diagnostics.js';
import { edgeTargets, LOOP_PREFIX } from '../graph.js';
import { formatType } from '../languages/type-grammar.js';
import type { NormaliseMeta } from '../normalise/reader.js';
import { didYouMean, suggest } from '../suggest.js';
import { END, type NodeDef, START, type StateField, type TypeNode, type Workflow } from '../types.js';
import type { SourceMap } from '../yaml/source-map.js';

export class Checker {
  readonly wf: Workflow;
  readonly meta: NormaliseMeta;
  readonly r: Reporter;
  readonly map: SourceMap;
  readonly state = new Map<string, StateField>();
  /** Valid, unique node ids → node (filled by checkNodeIds). */
  readonly nodes = new Map<string, NodeDef>();
  readonly parallelTargets = new Set<string>();
  private readonly suggestions = new Map<string, string | undefined>();
  private namedByEdges: Set<string> | undefined;

  constructor(workflow: Workflow, meta: NormaliseMeta, reporter: Reporter, map: SourceMap) {
    this.wf = workflow;
    this.meta = meta;
    this.r = reporter;
    this.map = map;
    for (const f of workflow.state) this.state.set(f.name, f);
    for (const e of workflow.edges) if (e.kind === 'parallel') this.parallelTargets.add(e.targetNode);
  }

  /** Walks `rest` into a state field's type; objects need the property, dicts accept any key. */
  walk(
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
  loopCounter(name: string, path: string, pos: ReturnType<SourceMap['locate']>, what: string): boolean {
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

  unknownField(path: string, name: string, message: string): void {
    if (this.meta.stateUnread) return;
    const suggestion = suggest(name, this.state.keys());
    this.r.error('unknown-field', path, `${message}${didYouMean(suggestion)}`, { suggestion });
  }

  // ------------------------------------------------------------------ edges

  unknownNode(path: string, name: string, role: string, isFrom: boolean): void {
    if (this.meta.nodesUnread) return;
    const suggestion = this.nodeSuggestion(name, isFrom);
    let hint =
      suggestion === undefined
        ? ` in ${role}; known nodes: ${[...this.nodes.keys()].slice(0, 10).join(', ') || 'none'}`
        : didYouMean(suggestion);
    // A node without an id may be the one meant: say so, with the fix.
    const idless = this.wf.nodes.filter((n) => n.id === '').map((n) => `#${n.index + 1}`);
    if (suggestion === undefined && idless.length > 0) {
      hint += ` (node ${idless.slice(0, 3).join(', ')}${idless.length > 3 ? ', …' : ''} ${idless.length === 1 ? 'has' : 'have'} no id: if it is meant, add id: ${name} to it)`;
    }
    // No edge names the suggested node: the typo may be in that node's id instead.
    if (suggestion !== undefined && this.nodes.has(suggestion) && !this.edgeNames().has(suggestion)) {
      hint += ` (or, if '${name}' is right, the id of node '${suggestion}' is misspelt: no edge names it)`;
    }
    this.r.error('unknown-node', path, `unknown node '${name}'${hint}`, { suggestion });
  }

  /** Every name an edge uses as a source or target. */
  private edgeNames(): Set<string> {
    if (this.namedByEdges === undefined) {
      this.namedByEdges = new Set();
      for (const e of this.wf.edges) {
        this.namedByEdges.add(e.from);
        for (const t of edgeTargets(e)) this.namedByEdges.add(t);
      }
    }
    return this.namedByEdges;
  }

  /**
   * The node (or START as a source, END as a target) an unknown name most likely means; the
   * graph checks assume it, so a typo is reported once, not again as a broken graph.
   */
  nodeSuggestion(name: string, isFrom: boolean): string | undefined {
    const key = `${isFrom ? 'from' : 'to'}:${name}`;
    if (this.suggestions.has(key)) return this.suggestions.get(key);
    const suggestion = suggest(name, [...this.nodes.keys(), isFrom ? START : END]);
    this.suggestions.set(key, suggestion);
    return suggestion;
  }
}
