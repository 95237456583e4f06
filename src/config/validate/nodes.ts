/**
 * Nodes: unique identifier ids, outputs that are state fields, output_schema types that match
 * the fields they write, placeholders in prompts and inputs that name something.
 */

import { joinPath } from '../diagnostics.js';
import { LOOP_PREFIX, PARALLEL_INDEX, PARALLEL_ITEM } from '../graph.js';
import { templateRefs, unclosedRefs } from '../languages/template.js';
import { formatType, typeEquals } from '../languages/type-grammar.js';
import { IDENTIFIER } from '../normalise/reader.js';
import { didYouMean, suggest } from '../suggest.js';
import { END, type NodeDef, START, type Template, type TypeNode } from '../types.js';
import type { Checker } from './checker.js';

export function checkNodeIds(ck: Checker): void {
  const seen = new Map<string, number>();
  for (const node of ck.wf.nodes) {
    if (node.id === '') continue;
    const path = joinPath(joinPath('nodes', node.index), 'id');
    if (node.id === START || node.id === END) {
      ck.r.error(
        'reserved-node-id',
        path,
        `node id '${node.id}' is reserved for the graph's ${node.id === START ? 'entry' : 'exit'}; rename the node`,
      );
      continue;
    }
    if (!IDENTIFIER.test(node.id)) {
      ck.r.error(
        'invalid-node-id',
        path,
        `node id '${node.id}' must be an identifier (letters, digits and _, not starting with a digit)`,
      );
      continue;
    }
    const first = seen.get(node.id);
    if (first !== undefined) {
      ck.r.error(
        'duplicate-node-id',
        path,
        `node id '${node.id}' is used by nodes #${first + 1} and #${node.index + 1}; ids must be unique`,
      );
      continue;
    }
    seen.set(node.id, node.index);
    ck.nodes.set(node.id, node);
  }
}

export function checkNode(ck: Checker, node: NodeDef): void {
  const path = joinPath('nodes', node.index);
  const label = node.id === '' ? `node #${node.index + 1}` : `node '${node.id}'`;
  const seen = new Set<string>();
  node.outputs.forEach((out, j) => {
    const outPath = joinPath(joinPath(path, 'outputs'), j);
    if (seen.has(out)) {
      ck.r.error('duplicate-output', outPath, `${label} lists output '${out}' twice`);
      return;
    }
    seen.add(out);
    if (!ck.state.has(out)) ck.unknownField(outPath, out, `output '${out}' of ${label} is not a state field`);
  });
  if (!ck.meta.badOutputSchema.has(node.index) && !ck.meta.badOutputs.has(node.index)) {
    checkOutputSchema(ck, node, path, label);
  }
  checkTemplate(ck, node.prompt, node, label, false);
  for (const input of node.inputs) checkTemplate(ck, input.template, node, label, true);
}

function checkOutputSchema(ck: Checker, node: NodeDef, path: string, label: string): void {
  const osPath = joinPath(path, 'output_schema');
  const schema = node.outputSchema;
  if (schema.kind === 'single') {
    if (node.outputs.length !== 1) {
      ck.r.error(
        'output-schema-mismatch',
        osPath,
        `output_schema of ${label} is a single value but the node has ${node.outputs.length} outputs (${node.outputs.join(', ')}); use {type: object, fields: [...]} with one field per output`,
      );
      return;
    }
    const out = node.outputs[0]!;
    const resolved = compareType(ck, schema.type, out, joinPath(osPath, 'type'), `output_schema of ${label}`);
    if (resolved !== undefined) schema.type = resolved;
    return;
  }
  const fieldsPath = joinPath(osPath, 'fields');
  const names = new Set<string>();
  schema.fields.forEach((f, j) => {
    const fPath = joinPath(fieldsPath, j);
    if (names.has(f.name)) {
      ck.r.error(
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
      ck.r.error(
        'output-schema-mismatch',
        joinPath(fPath, 'name'),
        `output_schema field '${f.name}' of ${label} is not one of its outputs [${node.outputs.join(', ')}]${didYouMean(suggestion)}`,
        { suggestion },
      );
      return;
    }
    const resolved = compareType(
      ck,
      f.type,
      f.name,
      joinPath(fPath, 'type'),
      `output '${f.name}' of ${label}`,
    );
    if (resolved !== undefined) f.type = resolved;
  });
  for (const out of node.outputs) {
    if (!names.has(out)) {
      ck.r.error(
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
function compareType(
  ck: Checker,
  type: TypeNode,
  fieldName: string,
  path: string,
  what: string,
): TypeNode | undefined {
  const field = ck.state.get(fieldName);
  if (field === undefined || ck.meta.badStateTypes.has(fieldName) || type.kind === 'any') return undefined;
  if (type.kind === 'object' && type.fields.length === 0 && field.type.kind === 'object') return field.type;
  if (!typeEquals(type, field.type)) {
    ck.r.error(
      'output-type-mismatch',
      path,
      `${what} has type '${formatType(type)}' but state field '${fieldName}' is '${formatType(field.type)}'; make them the same`,
    );
  }
  return undefined;
}

function checkTemplate(ck: Checker, t: Template, node: NodeDef, label: string, isInput: boolean): void {
  const path = ck.meta.templatePaths.get(t);
  if (path === undefined) return;
  const inputNames = isInput ? [] : node.inputs.map((i) => i.name);
  const where = isInput ? `input of ${label}` : `prompt of ${label}`;
  for (const open of unclosedRefs(t.source)) {
    const [head, next] = open.path;
    // Only names a placeholder could mean: other braces (code, prose) are literal text.
    const meant =
      (head === 'state' && next !== undefined) ||
      ck.state.has(head!) ||
      inputNames.includes(head!) ||
      head!.startsWith(LOOP_PREFIX) ||
      head === PARALLEL_ITEM;
    if (!meant) continue;
    ck.r.warn(
      'unclosed-placeholder',
      path,
      `'${open.raw}' in the ${where} reads like a placeholder but has no closing '}', so it is sent as written: add '}' (or write '{{' if a literal brace is meant)`,
      { pos: ck.map.positionIn(path, t.source, open.offset) },
    );
  }
  for (const ref of templateRefs(t)) {
    const pos = ck.map.positionIn(path, t.source, ref.offset);
    const p = ref.path;
    const viaState = p[0] === 'state' && p.length >= 2;
    const name = (viaState ? p[1] : p[0])!;
    const rest = p.slice(viaState ? 2 : 1);
    if (!viaState && inputNames.includes(name)) continue;
    const field = ck.state.get(name);
    if (field !== undefined) {
      ck.walk(field, rest, ref.raw, path, pos);
      continue;
    }
    // Loop counters live in the state, so `{state._loop_iteration_x}` (upstream's loop
    // example spells it so) reads the same counter as `{_loop_iteration_x}`.
    if (name.startsWith(LOOP_PREFIX)) {
      if (ck.loopCounter(name, path, pos, `placeholder ${ref.raw} in the ${where}`) && rest.length > 0) {
        ck.r.error(
          'invalid-placeholder',
          path,
          `placeholder ${ref.raw} in the ${where}: a loop counter is a number with no properties`,
          { pos },
        );
      }
      continue;
    }
    if (!viaState && (name === PARALLEL_ITEM || name === PARALLEL_INDEX)) {
      if (!ck.parallelTargets.has(node.id)) {
        ck.r.error(
          'parallel-placeholder',
          path,
          `placeholder ${ref.raw} in the ${where} is only set in nodes run by a parallel edge (target_node), and ${label} is not one`,
          { pos },
        );
      } else if (name === PARALLEL_INDEX && rest.length > 0) {
        ck.r.error(
          'invalid-placeholder',
          path,
          `placeholder ${ref.raw}: ${PARALLEL_INDEX} is a number with no properties`,
          { pos },
        );
      }
      continue;
    }
    if (!viaState && name === MEMORY_ROOT) {
      checkMemoryPlaceholder(ck, node, ref.raw, rest, path, pos, where, label);
      continue;
    }
    // Without readable state fields every state reference would be reported: one cause.
    if (ck.meta.stateUnread) continue;
    const candidates = [...inputNames, ...ck.state.keys()];
    const suggestion = suggest(name, candidates);
    const what = viaState ? `no state field '${name}'` : `no input or state field '${name}'`;
    ck.r.error(
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

/** `{memory.key}` reads the node's memory (a state field or input named memory comes first). */
const MEMORY_ROOT = 'memory';

function checkMemoryPlaceholder(
  ck: Checker,
  node: NodeDef,
  raw: string,
  rest: string[],
  path: string,
  pos: ReturnType<Checker['map']['locate']>,
  where: string,
  label: string,
): void {
  if (node.memory?.enabled !== true) {
    ck.r.error(
      'memory-not-enabled',
      path,
      `placeholder ${raw} in the ${where} reads memory, which ${label} does not have: add memory: {enabled: true} to the node (or config.memory)`,
      { pos },
    );
  } else if (rest.length === 0) {
    ck.r.error(
      'invalid-placeholder',
      path,
      `placeholder ${raw} in the ${where} needs a key: {memory.<key>}`,
      {
        pos,
      },
    );
  }
}
