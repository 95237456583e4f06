import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parseDocument } from 'yaml';
import { generateWorkflow } from '../../bench/validate-500.js';
import { loadWorkflowFromString } from '../../src/config/index.js';
import { DocumentTree } from '../../src/config/yaml/document-tree.js';
import { parseSource } from '../../src/config/yaml/parse.js';
import { LineIndex, SourceMap } from '../../src/config/yaml/source-map.js';
import { ONE_NODE } from '../support/workflows.js';

const FIXTURES = fileURLToPath(new URL('../../../shared/fixtures/configurable-agents/', import.meta.url));

/** Every path of a plain value: map keys and sequence indexes, as the loader spells them. */
function paths(value: unknown, prefix: string, out: string[]): string[] {
  out.push(prefix);
  if (Array.isArray(value)) {
    value.forEach((v, i) => {
      paths(v, `${prefix}[${i}]`, out);
    });
  } else if (value !== null && typeof value === 'object') {
    for (const [k, v] of Object.entries(value)) paths(v, prefix === '' ? k : `${prefix}.${k}`, out);
  }
  return out;
}

/** The `yaml` package's answers for `src`: its value and a SourceMap over its Document. */
function packageView(src: string): { value: unknown; map: SourceMap; ok: boolean } {
  const doc = parseDocument(src, { version: '1.2', uniqueKeys: false });
  const map = new SourceMap(src, new LineIndex(src), new DocumentTree(doc, src));
  return { value: doc.toJS(), map, ok: doc.errors.length === 0 };
}

describe('js-yaml and the yaml package agree on values and positions', () => {
  const sources: Array<[string, string]> = [
    ['benchmark workflow', generateWorkflow(30)],
    [
      'scalars of every style',
      'a: plain text\nb: "double {x}"\nc: \'single {y}\'\nd: |\n  line {z}\n  two {w}\ne: >\n  folded\nf:\nf2:   # empty\nf3: {x: }\ng: [1, {h: "i"}]\nh: |-  # a comment > here\n    deep {v}\ni: &anchor {j: 1}\nk: *anchor\nl:\n  - |\n    in a list {u}\n  - "multi\n    line"\n',
    ],
  ];
  if (existsSync(FIXTURES)) {
    for (const f of readdirSync(FIXTURES).sort()) {
      if (f.endsWith('.yaml')) sources.push([f, readFileSync(`${FIXTURES}${f}`, 'utf8')]);
    }
  }
  for (const [name, src] of sources) {
    it(name, () => {
      const ours = parseSource(src, 'yaml');
      const theirs = packageView(src);
      if (!theirs.ok) {
        // A file with syntax errors has no value, only the package's messages.
        expect(ours.value).toBeUndefined();
        expect(ours.problems.some((p) => p.code === 'yaml-syntax')).toBe(true);
        return;
      }
      expect(ours.value).toEqual(theirs.value);
      const all = paths(ours.value, '', []);
      expect(all.length).toBeGreaterThan(5);
      for (const path of [...all, 'missing', 'nodes[0].missing[3]']) {
        expect(ours.map.locate(path), path).toEqual(theirs.map.locate(path));
        expect(ours.map.locateKey(path), path).toEqual(theirs.map.locateKey(path));
        for (const offset of [0, 1, 5, 12]) {
          expect(ours.map.positionIn(path, 'line {z}\ntwo {w}', offset), `${path} @${offset}`).toEqual(
            theirs.map.positionIn(path, 'line {z}\ntwo {w}', offset),
          );
        }
      }
    });
  }
});

describe('positions inside scalars', () => {
  it('points into one-line plain and quoted scalars and into literal blocks', () => {
    const src = 'a: x {bad}\nb: "q {bad}"\nc: |\n  one\n    two {bad}\n';
    const { map } = parseSource(src, 'yaml');
    expect(map.positionIn('a', 'x {bad}', 2)).toEqual({ line: 1, column: 6 });
    expect(map.positionIn('b', 'q {bad}', 2)).toEqual({ line: 2, column: 7 });
    // The value is "one\n  two {bad}\n": offset 10 is the brace on the second line.
    expect(map.positionIn('c', 'one\n  two {bad}\n', 10)).toEqual({ line: 5, column: 9 });
  });
});

describe('repeated keys', () => {
  it('warn at the repeat, and the later value wins as in configurable-agents', () => {
    const src = `${ONE_NODE}config:\n  execution: {max_steps: 5}\nconfig:\n  execution: {max_steps: 9}\n`;
    const r = loadWorkflowFromString(src);
    expect(r.workflow?.config.execution.maxSteps).toBe(9);
    const dup = r.diagnostics.filter((d) => d.code === 'duplicate-key');
    expect(dup).toHaveLength(1);
    expect(dup[0]).toMatchObject({ severity: 'warning', line: 17, column: 1 });
    expect(dup[0]?.message).toMatch(/the key 'config' appears twice.*the later value wins/);
  });

  it('name the key by its path and say where it first appeared, in either parser', () => {
    const src = ONE_NODE.replace(
      '    out: {type: str, default: ""}\n',
      '    out: {type: str, default: ""}\n    topic: {type: int}\n',
    ).replace('    outputs: [out]\n', '    outputs: [out]\n    prompt: "again"\n');
    const r = loadWorkflowFromString(src);
    expect(r.workflow?.state.find((f) => f.name === 'topic')?.type).toMatchObject({ kind: 'int' });
    expect(r.diagnostics.map((d) => [d.code, d.path, d.line, d.column])).toEqual([
      ['duplicate-key', 'state.fields.topic', 7, 5],
      ['duplicate-key', 'nodes[0].prompt', 12, 5],
    ]);
    expect(r.diagnostics[0]?.message).toBe(
      "the key 'topic' appears twice in state.fields (first at line 5); the later value wins, as in configurable-agents' YAML reader, and the earlier one is ignored: remove or merge one of them",
    );
    expect(r.diagnostics[1]?.message).toContain(
      "the key 'prompt' appears twice in nodes[0] (first at line 10)",
    );
    // A local tag js-yaml refuses: the yaml package reads the file and says the same.
    const tagged = parseSource('a: 1\nb:\n  - {c: !custom x, c: 2}\na: 3\n', 'yaml');
    expect(
      tagged.problems
        .filter((p) => p.code === 'duplicate-key')
        .map((p) => [p.path, p.pos?.line, p.message.split(';')[0]]),
    ).toEqual([
      ['b[0].c', 3, "the key 'c' appears twice in b[0] (first at line 3)"],
      ['a', 4, "the key 'a' appears twice at the top level (first at line 1)"],
    ]);
  });

  it('are errors under --strict, and the workflow is withheld', () => {
    const r = loadWorkflowFromString(`${ONE_NODE}config: {}\nconfig: {}\n`, { strict: true });
    expect(r.workflow).toBeUndefined();
    expect(r.diagnostics.find((d) => d.code === 'duplicate-key')?.severity).toBe('error');
  });

  it('are found in flow maps, by value, and in files only the yaml package reads', () => {
    expect(parseSource('a: {b: 1, b: 2}\n', 'yaml').problems[0]).toMatchObject({
      code: 'duplicate-key',
      pos: { line: 1, column: 11 },
    });
    expect(parseSource('1: a\n"1": b\n', 'yaml').value).toEqual({ 1: 'b' });
    // A local tag js-yaml refuses: the package reads the file, with the same warning.
    const tagged = parseSource('a: 1\nb: !custom x\na: 2\n', 'yaml');
    expect(tagged.value).toMatchObject({ a: 2 });
    expect(tagged.problems.find((p) => p.code === 'duplicate-key')?.pos).toEqual({ line: 3, column: 1 });
  });
});

/** A "billion laughs": `levels` anchors after the first, each a list of `width` aliases to the one before. */
function laughs(first: string, levels: number, width: number): string {
  let src = first;
  let prev = 'a';
  for (const n of 'bcdefghijk'.slice(0, levels)) {
    src += `${n}: &${n} [${Array(width).fill(`*${prev}`).join(',')}]\n`;
    prev = n;
  }
  return src;
}

describe('aliases', () => {
  it('refuse a billion laughs quickly, pointing at the alias that expands most', () => {
    const r = parseSource(
      laughs('a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n', 8, 9),
      'yaml',
    );
    expect(r.value).toBeUndefined();
    expect(r.problems).toHaveLength(1);
    expect(r.problems[0]).toMatchObject({ code: 'yaml-aliases', severity: 'error', pos: { line: 9 } });
    expect(r.problems[0]?.message).toMatch(/alias bomb/);
  });

  it('refuse the same bomb in a file only the yaml package reads', () => {
    const src = laughs('x: !custom 1\na: &a [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]\n', 7, 10);
    expect(parseSource(src, 'yaml').problems.map((p) => p.code)).toContain('yaml-aliases');
  });

  it('allow ordinary reuse, even hundreds of uses of one anchor', () => {
    const nodes = Array.from(
      { length: 300 },
      (_, i) => `  - {id: n${i}, prompt: "p", outputs: [out], output_schema: {type: str}, llm: *llm}`,
    );
    const edges = Array.from(
      { length: 300 },
      (_, i) => `  - {from: n${i}, to: ${i === 299 ? 'END' : `n${i + 1}`}}`,
    );
    const src = `schema_version: "1.0"\nflow: {name: reuse}\nllm_defaults: &llm {provider: openai, model: gpt-4o, temperature: 0}\nstate:\n  fields:\n    out: str\nnodes:\n${nodes.join('\n')}\nedges:\n  - {from: START, to: n0}\n${edges.join('\n')}\n`;
    const r = loadWorkflowFromString(src);
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.workflow?.nodes[299]?.llm).toEqual({ provider: 'openai', model: 'gpt-4o', temperature: 0 });
  });
});

describe('files js-yaml refuses', () => {
  it('get the yaml package messages with positions', () => {
    const r = parseSource('flow:\n  name: x\n bad: [1, 2\n', 'yaml');
    expect(r.value).toBeUndefined();
    expect(r.problems.length).toBeGreaterThan(0);
    for (const p of r.problems) expect(p).toMatchObject({ code: 'yaml-syntax', severity: 'error' });
    expect(r.problems[0]?.pos?.line).toBeGreaterThan(0);
  });

  it('several documents are refused, naming the problem', () => {
    const r = parseSource('a: 1\n---\nb: 2\n', 'yaml');
    expect(r.value).toBeUndefined();
    expect(r.problems[0]?.message).toMatch(/document/i);
  });

  it('deep nesting falls back instead of failing', () => {
    const deep = `a: ${'['.repeat(150)}1${']'.repeat(150)}\n`;
    const r = parseSource(deep, 'yaml');
    expect(r.problems).toEqual([]);
    expect(r.value).toHaveProperty('a');
  });
});
