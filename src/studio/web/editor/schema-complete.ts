/**
 * Completion from the workflow format's JSON Schema (the same `agentcrate schema` prints),
 * for block-style YAML: the key path at the cursor is read from indentation (each parent is
 * the nearest line above with less indentation), the schema is walked along it, and the
 * completion offers that object's keys — or, after `key: `, the values the schema allows
 * (enums, consts, booleans) plus what the document itself names (node ids after `to:` and
 * `from:`, state fields after `outputs:` and `*_field:`).
 */
import type { Completion, CompletionContext, CompletionResult } from '@codemirror/autocomplete';
import type { JsonSchema } from '../api.js';

type Segment = { key: string } | { item: true };

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/** Path segments of the block that contains column `col` of line `lineNo` (0-based). */
export function pathAt(lines: string[], lineNo: number, col: number): Segment[] {
  const segments: Segment[] = [];
  const current = lines[lineNo] ?? '';
  let indent = Math.min(indentOf(current), col);
  // `- key` on the current line: the cursor is inside a list item.
  const own = /^(\s*)((?:-\s+)+)/.exec(current);
  if (own && col >= own[0].length) {
    const dashes = (own[2]!.match(/-/g) ?? []).length;
    for (let i = 0; i < dashes; i++) segments.unshift({ item: true });
    indent = own[1]!.length;
  }
  for (let i = lineNo - 1; i >= 0 && indent > 0; i--) {
    const line = lines[i]!;
    if (line.trim() === '' || line.trimStart().startsWith('#')) continue;
    const ind = indentOf(line);
    const m = /^(\s*)((?:-\s+)*)([A-Za-z_][\w-]*)\s*:/.exec(line);
    const dash = /^(\s*)((?:-\s+)+)/.exec(line);
    // A `- ` at a smaller indent, or one whose content starts at our indent, is our list item.
    if (dash && (ind < indent || dash[0].length === indent)) {
      const contentIndent = dash[0].length;
      if (contentIndent <= indent) {
        if (m && contentIndent < indent) segments.unshift({ key: m[3]! });
        const dashes = (dash[2]!.match(/-/g) ?? []).length;
        for (let d = 0; d < dashes; d++) segments.unshift({ item: true });
        indent = ind;
        continue;
      }
    }
    if (ind < indent && m) {
      segments.unshift({ key: m[3]! });
      indent = ind;
    }
  }
  return segments;
}

function deref(schema: JsonSchema | undefined, root: JsonSchema): JsonSchema | undefined {
  let s = schema;
  for (let i = 0; i < 8 && s?.$ref; i++) {
    const name = s.$ref.replace('#/$defs/', '');
    s = root.$defs?.[name];
  }
  return s;
}

/** The alternatives of a schema (anyOf/oneOf flattened), each dereferenced. */
function variants(schema: JsonSchema | undefined, root: JsonSchema): JsonSchema[] {
  const s = deref(schema, root);
  if (!s) return [];
  const alts = [...(s.anyOf ?? []), ...(s.oneOf ?? [])];
  if (alts.length === 0) return [s];
  return [s, ...alts.flatMap((a) => variants(a, root))];
}

export function schemaAt(root: JsonSchema, path: Segment[]): JsonSchema[] {
  let current = [root];
  for (const seg of path) {
    const next: JsonSchema[] = [];
    for (const s of current.flatMap((c) => variants(c, root))) {
      if ('item' in seg) {
        if (s.items) next.push(s.items);
      } else if (s.properties?.[seg.key]) {
        next.push(s.properties[seg.key]!);
      } else if (typeof s.additionalProperties === 'object') {
        next.push(s.additionalProperties);
      }
    }
    current = next;
    if (current.length === 0) break;
  }
  return current.flatMap((c) => variants(c, root));
}

function docNames(lines: string[]): { nodes: string[]; fields: string[] } {
  const nodes = new Set<string>();
  const fields = new Set<string>();
  let inFields = -1;
  for (const line of lines) {
    const id = /^\s*-\s+id:\s*["']?([A-Za-z_]\w*)/.exec(line);
    if (id) nodes.add(id[1]!);
    if (/^\s*fields:\s*$/.test(line)) inFields = indentOf(line);
    else if (inFields >= 0 && line.trim() !== '') {
      const ind = indentOf(line);
      if (ind <= inFields) inFields = -1;
      else {
        const f = /^\s*([A-Za-z_]\w*)\s*:/.exec(line);
        if (f && ind === inFields + 2) fields.add(f[1]!);
      }
    }
  }
  return { nodes: [...nodes], fields: [...fields] };
}

export function schemaCompletion(getSchema: () => JsonSchema | undefined) {
  return (context: CompletionContext): CompletionResult | null => {
    const root = getSchema();
    if (!root) return null;
    const line = context.state.doc.lineAt(context.pos);
    const before = line.text.slice(0, context.pos - line.from);
    const lines = context.state.doc.toString().split('\n');
    const lineNo = line.number - 1;
    const valueMatch =
      /^(\s*(?:-\s+)*)([A-Za-z_][\w-]*)\s*:\s*(\[?\s*(?:[\w"'-]+\s*,\s*)*)?["']?([\w.-]*)$/.exec(before);
    if (valueMatch) {
      // After `key: ` — values.
      const key = valueMatch[2]!;
      const word = valueMatch[4] ?? '';
      const schemas = schemaAt(root, [...pathAt(lines, lineNo, valueMatch[1]!.length), { key }]);
      const options: Completion[] = [];
      const seen = new Set<string>();
      const addValue = (label: string, type: string, info?: string) => {
        if (seen.has(label)) return;
        seen.add(label);
        options.push({ label, type, ...(info ? { info } : {}) });
      };
      for (const s of schemas) {
        for (const v of s.enum ?? []) addValue(String(v), 'enum');
        if (s.const !== undefined)
          addValue(typeof s.const === 'string' ? `"${s.const}"` : String(s.const), 'constant');
        if (s.type === 'boolean') {
          addValue('true', 'keyword');
          addValue('false', 'keyword');
        }
      }
      const names = docNames(lines);
      if (['to', 'from', 'target_node', 'exit_to'].includes(key)) {
        for (const n of names.nodes) addValue(n, 'variable', 'a node of this workflow');
        if (key !== 'from') addValue('END', 'keyword', 'the end of the run');
        if (key === 'from') addValue('START', 'keyword', 'the start of the run');
      }
      if (key === 'outputs' || key.endsWith('_field')) {
        for (const f of names.fields) addValue(f, 'property', 'a state field');
      }
      if (options.length === 0) return null;
      return { from: context.pos - word.length, options, validFor: /^[\w.-]*$/ };
    }
    const keyMatch = /^(\s*(?:-\s+)*)([A-Za-z_][\w-]*)?$/.exec(before);
    if (!keyMatch) return null;
    const word = keyMatch[2] ?? '';
    if (word === '' && !context.explicit) return null;
    const schemas = schemaAt(root, pathAt(lines, lineNo, before.length));
    const options: Completion[] = [];
    const seen = new Set<string>();
    for (const s of schemas) {
      for (const [name, prop] of Object.entries(s.properties ?? {})) {
        if (seen.has(name)) continue;
        seen.add(name);
        const p = deref(prop, root);
        const required = s.required?.includes(name);
        options.push({
          label: name,
          type: 'property',
          apply: `${name}: `,
          ...(required ? { boost: 1, detail: 'required' } : {}),
          ...(p?.description ? { info: p.description } : {}),
        });
      }
    }
    if (options.length === 0) return null;
    return { from: context.pos - word.length, options, validFor: /^[\w-]*$/ };
  };
}
