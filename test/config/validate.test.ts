import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadWorkflowFromString } from '../../src/config/index.js';
import type { Diagnostic, LoadResult } from '../../src/config/types.js';

/** A valid workflow; each rule below breaks one thing in a copy of it. */
const BASE = `schema_version: "1.0"
flow:
  name: base
state:
  fields:
    topic: {type: str, required: true}
    summary: {type: str, default: ""}
nodes:
  - id: summarize
    prompt: "Summarise {state.topic}"
    outputs: [summary]
    output_schema: {type: str}
edges:
  - {from: START, to: summarize}
  - {from: summarize, to: END}
`;

function load(source: string, strict = false): LoadResult {
  return loadWorkflowFromString(source, { file: 'test.yaml', strict });
}

function errorsOf(r: LoadResult): Diagnostic[] {
  return r.diagnostics.filter((d) => d.severity === 'error');
}

/** The single diagnostic with `code` (fails when there is none or several). */
function only(r: LoadResult, code: string): Diagnostic {
  const found = r.diagnostics.filter((d) => d.code === code);
  expect(found, JSON.stringify(r.diagnostics, null, 1)).toHaveLength(1);
  return found[0]!;
}

describe('the base workflow', () => {
  it('is valid with no diagnostics', () => {
    const r = load(BASE);
    expect(r.diagnostics).toEqual([]);
    expect(r.workflow?.nodes[0]?.id).toBe('summarize');
  });
});

describe('top level', () => {
  it('requires schema_version "1.0"', () => {
    const d = only(load(BASE.replace('schema_version: "1.0"\n', '')), 'missing-key');
    expect(d.path).toBe('schema_version');
    expect(d.message).toContain('schema_version');
    const bad = only(load(BASE.replace('"1.0"', '"2.0"')), 'unsupported-schema-version');
    expect(bad).toMatchObject({ line: 1, column: 17 });
  });

  it('requires a non-empty flow.name', () => {
    const d = only(load(BASE.replace('name: base', 'name: ""')), 'missing-key');
    expect(d).toMatchObject({ path: 'flow.name', line: 3, column: 9 });
  });

  it('requires at least one state field', () => {
    const src = BASE.replace(/state:\n {2}fields:\n(?: {4}.*\n)+/, 'state:\n  fields: {}\n');
    expect(errorsOf(load(src)).some((d) => d.code === 'missing-key' && d.path === 'state.fields')).toBe(true);
  });

  it('warns about unknown keys with a suggestion, and strict makes it an error', () => {
    const src = BASE.replace('flow:\n  name: base', 'flow:\n  name: base\n  descripton: x');
    const r = load(src);
    const d = only(r, 'unknown-key');
    expect(d).toMatchObject({
      severity: 'warning',
      path: 'flow.descripton',
      suggestion: 'description',
      line: 4,
      column: 3,
    });
    expect(d.message).toContain("did you mean 'description'?");
    expect(r.workflow).toBeDefined();
    const strict = load(src, true);
    expect(strict.workflow).toBeUndefined();
    expect(only(strict, 'unknown-key').severity).toBe('error');
  });

  it('warns that inert features have no effect', () => {
    const r = load(`${BASE}optimization: {enabled: true}\nconfig:\n  gates: []\n`);
    const inert = r.diagnostics.filter((d) => d.code === 'inert-feature');
    expect(inert.map((d) => d.path).sort()).toEqual(['config.gates', 'optimization']);
    expect(inert[0]?.message).toMatch(/not implemented/);
    expect(r.workflow).toBeDefined();
  });
});

describe('state fields', () => {
  it('rejects a type that does not parse, with a suggestion', () => {
    const d = only(load(BASE.replace('summary: {type: str,', 'summary: {type: "lst[str]",')), 'invalid-type');
    expect(d).toMatchObject({ path: 'state.fields.summary.type', suggestion: 'list', line: 7 });
    expect(d.message).toContain("'lst[str]'");
  });

  it('rejects required together with a non-null default', () => {
    const d = only(
      load(
        BASE.replace('topic: {type: str, required: true}', 'topic: {type: str, required: true, default: x}'),
      ),
      'required-with-default',
    );
    expect(d.path).toBe('state.fields.topic.default');
    expect(d.line).toBe(6);
  });

  it('takes an object without a schema as a free-form object (any JSON object)', () => {
    const r = load(
      BASE.replace(
        'topic: {type: str, required: true}',
        'topic: {type: str, required: true}\n    extra: {type: object, default: {a: 1, b: [2]}}\n    tags: "list[object]"\n    nested: {type: object, schema: {meta: object}}',
      ),
    );
    expect(r.diagnostics).toEqual([]);
    const fields = Object.fromEntries(r.workflow!.state.map((f) => [f.name, f.type]));
    expect(fields.extra).toEqual({ kind: 'object', fields: [] });
    expect(fields.tags).toEqual({ kind: 'list', items: { kind: 'object', fields: [] } });
    expect(fields.nested).toMatchObject({ fields: [{ name: 'meta', type: { kind: 'object', fields: [] } }] });
    // Free-form still means an object.
    const bad = only(
      load(
        BASE.replace(
          'topic: {type: str, required: true}',
          'topic: {type: str, required: true}\n    extra: {type: object, default: [1]}',
        ),
      ),
      'invalid-default',
    );
    expect(bad.path).toBe('state.fields.extra.default');
  });

  it('checks defaults against the type (null allowed)', () => {
    const d = only(
      load(
        BASE.replace(
          'summary: {type: str, default: ""}',
          'summary: {type: str, default: ""}\n    n: {type: int, default: "five"}\n    m: {type: int, default: null}',
        ),
      ),
      'invalid-default',
    );
    expect(d.path).toBe('state.fields.n.default');
    expect(d.message).toContain("'int'");
  });
});

describe('nodes', () => {
  it('rejects reserved, malformed and duplicate ids', () => {
    expect(only(load(BASE.replace('- id: summarize', '- id: START')), 'reserved-node-id').path).toBe(
      'nodes[0].id',
    );
    expect(only(load(BASE.replace('- id: summarize', '- id: "2fast"')), 'invalid-node-id').path).toBe(
      'nodes[0].id',
    );
    const dup = `${BASE.replace('edges:', `  - id: summarize\n    prompt: x\n    outputs: [summary]\n    output_schema: {type: str}\nedges:`)}`;
    const d = only(load(dup), 'duplicate-node-id');
    expect(d).toMatchObject({ path: 'nodes[1].id', line: 13 });
  });

  it('requires a prompt', () => {
    const d = only(load(BASE.replace('    prompt: "Summarise {state.topic}"\n', '')), 'missing-prompt');
    expect(d.path).toBe('nodes[0].prompt');
  });

  it('requires outputs that are state fields', () => {
    const d = only(load(BASE.replace('outputs: [summary]', 'outputs: [sumary]')), 'unknown-field');
    expect(d).toMatchObject({ path: 'nodes[0].outputs[0]', suggestion: 'summary', line: 11, column: 15 });
    expect(d.message).toContain("did you mean 'summary'?");
    expect(only(load(BASE.replace('outputs: [summary]', 'outputs: []')), 'missing-outputs').path).toBe(
      'nodes[0].outputs',
    );
  });

  it('requires output_schema, naming the node', () => {
    const d = only(load(BASE.replace('    output_schema: {type: str}\n', '')), 'missing-output-schema');
    expect(d.path).toBe('nodes[0].output_schema');
    expect(d.message).toContain('output_schema');
    expect(d.message).toContain("'summarize'");
  });

  it('allows a single-type output_schema only with one output', () => {
    const src = BASE.replace(
      'summary: {type: str, default: ""}',
      'summary: {type: str, default: ""}\n    other: {type: str}',
    ).replace('outputs: [summary]', 'outputs: [summary, other]');
    expect(only(load(src), 'output-schema-mismatch').path).toBe('nodes[0].output_schema');
  });

  it('compares a single output type with the state type', () => {
    const d = only(
      load(BASE.replace('output_schema: {type: str}', 'output_schema: {type: int}')),
      'output-type-mismatch',
    );
    expect(d.path).toBe('nodes[0].output_schema.type');
    expect(d.message).toContain("'int'");
    expect(d.message).toContain("'str'");
  });

  it('requires object output fields to equal the outputs, with equal types', () => {
    const fields = (f: string) =>
      BASE.replace('output_schema: {type: str}', `output_schema:\n      type: object\n      fields:\n${f}`);
    // both directions are reported: a field that is not an output, and an output without a field
    const mismatch = load(fields('        - {name: summry, type: str}\n')).diagnostics;
    expect(mismatch.map((d) => [d.code, d.path, d.suggestion])).toEqual([
      ['output-schema-mismatch', 'nodes[0].output_schema.fields', undefined],
      ['output-schema-mismatch', 'nodes[0].output_schema.fields[0].name', 'summary'],
    ]);
    const wrongType = only(
      load(fields('        - {name: summary, type: "list[str]"}\n')),
      'output-type-mismatch',
    );
    expect(wrongType).toMatchObject({ path: 'nodes[0].output_schema.fields[0].type', line: 15 });
    expect(wrongType.message).toContain("'list[str]'");
    expect(load(fields('        - {name: summary, type: str}\n')).workflow).toBeDefined();
  });

  it('compares object outputs property by property, and a bare object takes the state schema', () => {
    const src = BASE.replace(
      'summary: {type: str, default: ""}',
      'summary:\n      type: object\n      schema: {text: str, score: int}',
    );
    const withSchema = (schema: string) =>
      src.replace(
        'output_schema: {type: str}',
        `output_schema:\n      type: object\n      fields:\n        - name: summary\n          type: object${schema}\n`,
      );
    expect(
      only(load(withSchema('\n          schema: {text: str, score: float}')), 'output-type-mismatch').message,
    ).toContain('score:float');
    const bare = load(withSchema(''));
    expect(bare.diagnostics).toEqual([]);
    const os = bare.workflow?.nodes[0]?.outputSchema;
    expect(os?.kind === 'object' && os.fields[0]?.type).toMatchObject({
      kind: 'object',
      fields: [{ name: 'text' }, { name: 'score' }],
    });
  });

  it('resolves template placeholders: inputs, state, dotted paths', () => {
    const d = only(load(BASE.replace('Summarise {state.topic}', 'Summarise {topc}')), 'unknown-placeholder');
    expect(d).toMatchObject({ path: 'nodes[0].prompt', suggestion: 'topic', line: 10, column: 24 });
    const viaInput = BASE.replace('Summarise {state.topic}', 'Summarise {t}').replace(
      '    outputs:',
      '    inputs: {t: "{state.topic}"}\n    outputs:',
    );
    expect(load(viaInput).diagnostics).toEqual([]);
    const badInput = BASE.replace('    outputs:', '    inputs: {t: "{state.tpic}"}\n    outputs:');
    expect(only(load(badInput), 'unknown-placeholder')).toMatchObject({
      path: 'nodes[0].inputs.t',
      line: 11,
      column: 18,
    });
    const block = BASE.replace(
      'prompt: "Summarise {state.topic}"',
      'prompt: |\n      Line one\n        and {state.nope}',
    );
    expect(only(load(block), 'unknown-placeholder')).toMatchObject({ line: 12, column: 13 });
    expect(
      load(BASE.replace('"Summarise {state.topic}"', `'JSON like {"a": 1} and {{state.x}}'`)).diagnostics,
    ).toEqual([]);
  });

  it('walks dotted placeholders into object schemas', () => {
    const src = BASE.replace(
      'topic: {type: str, required: true}',
      'topic:\n      type: object\n      required: true\n      schema: {title: str}',
    );
    expect(load(src.replace('{state.topic}', '{state.topic.title}')).diagnostics).toEqual([]);
    const d = only(load(src.replace('{state.topic}', '{state.topic.titel}')), 'unknown-property');
    expect(d.suggestion).toBe('title');
    expect(
      only(load(BASE.replace('{state.topic}', '{state.topic.x}')), 'unknown-property').message,
    ).toContain('str');
  });

  it('knows loop counters and parallel placeholders', () => {
    expect(
      load(BASE.replace('{state.topic}', '{state.topic} {_loop_iteration_summarize}')).diagnostics,
    ).toEqual([]);
    expect(
      only(load(BASE.replace('{state.topic}', '{_loop_iteration_sumarize}')), 'unknown-node').suggestion,
    ).toBe('_loop_iteration_summarize');
    expect(only(load(BASE.replace('{state.topic}', '{_parallel_item}')), 'parallel-placeholder').path).toBe(
      'nodes[0].prompt',
    );
  });

  it('rejects unknown tools with a suggestion and accepts aliases and object form', () => {
    const d = only(
      load(BASE.replace('    outputs:', '    tools: [web_serch]\n    outputs:')),
      'unknown-tool',
    );
    expect(d).toMatchObject({ path: 'nodes[0].tools[0]', suggestion: 'web_search' });
    const ok = load(
      BASE.replace(
        '    outputs:',
        '    tools: [read_file, {name: http_get, on_error: continue}]\n    outputs:',
      ),
    );
    expect(ok.diagnostics).toEqual([]);
    expect(ok.workflow?.nodes[0]?.tools).toEqual([
      { name: 'read_file', canonical: 'file_read', onError: 'fail', config: {} },
      { name: 'http_get', canonical: 'http_client', onError: 'continue', config: {} },
    ]);
    expect(
      only(
        load(BASE.replace('    outputs:', '    tools: [{name: shell, on_error: ignore}]\n    outputs:')),
        'invalid-value',
      ).path,
    ).toBe('nodes[0].tools[0].on_error');
  });

  it('rejects unknown providers', () => {
    const d = only(
      load(BASE.replace('    outputs:', '    llm: {provider: antropic}\n    outputs:')),
      'unknown-provider',
    );
    expect(d).toMatchObject({ path: 'nodes[0].llm.provider', suggestion: 'anthropic' });
    expect(only(load(`${BASE}config:\n  llm: {provider: gogle}\n`), 'unknown-provider').path).toBe(
      'config.llm.provider',
    );
  });

  it('reads a code node with sandbox defaults and keeps log_prompts', () => {
    const r = load(
      BASE.replace('    outputs:', '    code: "result = 1"\n    log_prompts: true\n    outputs:'),
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.workflow?.nodes[0]?.unsupported).toEqual([]);
    expect(r.workflow?.nodes[0]?.code).toMatchObject({
      source: 'result = 1',
      sandbox: { mode: 'python', enabled: true, network: false, preset: 'medium' },
    });
    expect(r.workflow?.nodes[0]?.logPrompts).toBe(true);
  });
});

/** Two nodes a → b, with the edges replaced by `edges`. */
function twoNodes(edges: string, extraFields = ''): string {
  return `schema_version: "1.0"
flow: {name: t}
state:
  fields:
    x: {type: str, default: ""}
    y: {type: str, default: ""}
    done: {type: bool, default: false}
    items: {type: "list[str]", default: []}
    results: {type: list, default: []}
${extraFields}nodes:
  - {id: a, prompt: "A {state.x}", outputs: [x], output_schema: {type: str}}
  - {id: b, prompt: "B {state.x}", outputs: [y], output_schema: {type: str}}
edges:
${edges}`;
}

describe('edges', () => {
  it('reports unknown nodes in from and to with suggestions', () => {
    const r = load(
      twoNodes(
        '  - {from: START, to: a}\n  - {from: a, to: bb}\n  - {from: b, to: END}\n  - {from: aa, to: b}\n',
      ),
    );
    const unknown = r.diagnostics.filter((d) => d.code === 'unknown-node');
    expect(unknown.map((d) => [d.path, d.suggestion])).toEqual([
      ['edges[1].to', 'b'],
      ['edges[3].from', 'a'],
    ]);
    expect(unknown[0]).toMatchObject({ line: 15, column: 19 });
    expect(unknown[0]?.message).toContain("unknown node 'bb' — did you mean 'b'?");
  });

  it('requires exactly one of to, routes, loop, parallel', () => {
    const r = load(
      twoNodes(
        '  - {from: START, to: a, loop: {condition_field: done}}\n  - {from: a, to: b}\n  - {from: b, to: END}\n',
      ),
    );
    expect(only(r, 'invalid-edge').path).toBe('edges[0]');
  });

  it('parses conditions and reports syntax errors with the file column', () => {
    const r = load(
      twoNodes(
        '  - {from: START, to: a}\n  - {from: a, to: b, condition: "state.x == == 1"}\n  - {from: a, to: END}\n  - {from: b, to: END}\n',
      ),
    );
    const d = only(r, 'condition-syntax');
    expect(d.path).toBe('edges[1].condition');
    expect(d.line).toBe(15);
    // the condition text starts at column 34 (after the quote); the error is at its 12th character
    expect(d.column).toBe(34 + 11);
  });

  it('checks condition references against state and loop counters', () => {
    const base = (cond: string) =>
      twoNodes(
        `  - {from: START, to: a}\n  - {from: a, to: b, condition: "${cond}"}\n  - {from: a, to: END}\n  - {from: b, to: END}\n`,
      );
    expect(load(base("state.x == '1' and _loop_iteration_a < 3")).diagnostics).toEqual([]);
    const d = only(load(base('state.xx == 1')), 'unknown-field');
    expect(d).toMatchObject({ path: 'edges[1].condition', suggestion: 'x', line: 15, column: 34 });
  });

  it('checks conditions against the state types: an impossible order is an error, an impossible match a warning', () => {
    const fields = '    score: {type: int, default: 0}\n    info: {type: object, schema: {level: float}}\n';
    const cond = (c: string) =>
      twoNodes(
        `  - {from: START, to: a}\n  - {from: a, to: b, condition: "${c}"}\n  - {from: a, to: END}\n  - {from: b, to: END}\n`,
        fields,
      );
    const lines = (c: string) =>
      load(cond(c)).diagnostics.map((d) => `${d.line}:${d.column} ${d.severity} ${d.code}: ${d.message}`);
    // Python raises TypeError for these: the run would fail upstream; here the edge is never taken.
    expect(lines("state.score >= '80'")).toEqual([
      `17:34 error condition-type-mismatch: condition "state.score >= '80'" compares int field 'score' with the string '80': Python refuses '>=' between a number and a string (the run fails there), and this edge would never be taken; write 80 without quotes`,
    ]);
    expect(lines("'b' < _loop_iteration_a")[0]).toMatch(
      /^17:40 error condition-type-mismatch: .* compares the string 'b' with the loop counter '_loop_iteration_a'/,
    );
    // Legal in Python but never true: warnings, at the field's column; --strict makes them errors.
    expect(lines("state.done == 'true' or state.x != 3 or state.info.level in ['low', 'high']")).toEqual([
      `17:34 warning condition-never-true: condition "state.done == 'true' or state.x != 3 or state.info.level in ['low', 'high']" compares bool field 'done' with the string 'true': they are never equal, so this test is never true; write true without quotes`,
      `17:58 warning condition-never-true: condition "state.done == 'true' or state.x != 3 or state.info.level in ['low', 'high']" compares str field 'x' with the number 3: they are never equal, so this test is always true; write '3' in quotes`,
      `17:74 warning condition-never-true: condition "state.done == 'true' or state.x != 3 or state.info.level in ['low', 'high']" compares float field 'info.level' with a list of string values: no item can ever equal it, so this test is never true; compare it with a number value, or change the field's type`,
    ]);
    expect(errorsOf(load(cond('state.x != 3'), true)).map((d) => d.code)).toEqual(['condition-never-true']);
    // What can match is left alone: numbers of both kinds, bool against a number (True == 1), null.
    for (const ok of [
      'state.score > 2.5',
      'state.info.level == 1',
      'state.done == 1',
      'state.x == null',
      "state.score in [1, 'a']",
      "state.x < 'm' and not state.done",
      'state.results == 3',
    ]) {
      expect(load(cond(ok)).diagnostics, ok).toEqual([]);
    }
  });

  it('requires exactly one default route and valid route targets', () => {
    const routes = (r: string) =>
      twoNodes(`  - {from: START, to: a}\n  - from: a\n    routes:\n${r}  - {from: b, to: END}\n`);
    const ok = load(
      routes(
        '      - {condition: {logic: default}, to: END}\n      - {condition: {logic: "state.done == true"}, to: b}\n',
      ),
    );
    expect(ok.diagnostics).toEqual([]);
    const edge = ok.workflow?.edges[1];
    expect(edge?.kind === 'routes' && edge.routes.map((x) => x.to)).toEqual(['b', 'END']);
    expect(
      only(load(routes('      - {condition: {logic: "state.done"}, to: b}\n')), 'routes-default').path,
    ).toBe('edges[1].routes');
    const badTo = only(
      load(
        routes(
          '      - {condition: {logic: default}, to: END}\n      - {condition: {logic: "state.done"}, to: bee}\n',
        ),
      ),
      'unknown-node',
    );
    expect(badTo).toMatchObject({ path: 'edges[1].routes[1].to', suggestion: 'b' });
  });

  it('checks loop fields and limits', () => {
    const loop = (l: string) =>
      twoNodes(`  - {from: START, to: a}\n  - {from: a, loop: ${l}}\n  - {from: b, to: END}\n`);
    const ok = load(loop('{condition_field: done, exit_to: b}'));
    expect(ok.diagnostics).toEqual([]);
    expect(ok.workflow?.edges[1]).toMatchObject({
      kind: 'loop',
      maxIterations: 10,
      exitTo: 'b',
      conditionField: 'done',
    });
    expect(only(load(loop('{condition_field: x, exit_to: b}')), 'loop-field-not-bool').path).toBe(
      'edges[1].loop.condition_field',
    );
    expect(
      only(load(loop('{condition_field: done, exit_to: b, max_iterations: 101}')), 'invalid-value').path,
    ).toBe('edges[1].loop.max_iterations');
  });

  it('checks parallel fields are lists and the target is a node', () => {
    const par = (p: string) =>
      twoNodes(`  - {from: START, to: a}\n  - {from: a, parallel: ${p}}\n  - {from: b, to: END}\n`);
    const ok = load(
      par('{items_field: items, target_node: b, collect_field: results}').replace(
        '"B {state.x}"',
        '"B {_parallel_item} {_parallel_index}"',
      ),
    );
    expect(ok.diagnostics).toEqual([]);
    const r = load(par('{items_field: x, target_node: bb, collect_field: done}'));
    expect(r.diagnostics.filter((d) => d.code === 'parallel-field-not-list').map((d) => d.path)).toEqual([
      'edges[1].parallel.items_field',
      'edges[1].parallel.collect_field',
    ]);
    expect(only(r, 'unknown-node').path).toBe('edges[1].parallel.target_node');
  });
});

describe('graph', () => {
  it('needs an edge from START', () => {
    expect(only(load(twoNodes('  - {from: a, to: b}\n  - {from: b, to: END}\n')), 'no-start-edge').path).toBe(
      'edges',
    );
  });

  it('reports unreachable nodes and nodes that cannot reach END', () => {
    const r = load(twoNodes('  - {from: START, to: a}\n  - {from: a, to: END}\n'));
    expect(only(r, 'unreachable-node')).toMatchObject({ path: 'nodes[1].id', line: 12 });
    const r2 = load(twoNodes('  - {from: START, to: a}\n  - {from: a, to: b}\n'));
    // Only the dead end is reported: 'a' cannot reach END only because 'b' cannot.
    const stuck = only(r2, 'no-path-to-end');
    expect(stuck.path).toBe('nodes[1].id');
    expect(stuck.message).toContain("node 'b' has no outgoing edge");
  });

  it('counts loop exits and routes as paths to END', () => {
    const r = load(
      twoNodes(
        '  - {from: START, to: a}\n  - {from: a, loop: {condition_field: done}}\n  - {from: b, to: END}\n',
      ),
    );
    expect(r.diagnostics.filter((d) => d.code === 'unreachable-node')).toHaveLength(1);
    expect(r.diagnostics.filter((d) => d.code === 'no-path-to-end')).toHaveLength(0);
  });

  it('rejects concurrent branches writing the same field', () => {
    const src = twoNodes(
      '  - {from: START, to: [a, b]}\n  - {from: a, to: END}\n  - {from: b, to: END}\n',
    ).replace('outputs: [y]', 'outputs: [x]');
    const d = only(load(src), 'concurrent-write');
    expect(d.path).toBe('edges[0]');
    expect(d.message).toContain("'x'");
    const disjoint = twoNodes(
      '  - {from: START, to: [a, b]}\n  - {from: a, to: END}\n  - {from: b, to: END}\n',
    );
    expect(load(disjoint).diagnostics).toEqual([]);
  });

  it('rejects a routes/loop node with other outgoing edges', () => {
    const r = load(
      twoNodes(
        '  - {from: START, to: a}\n  - {from: a, loop: {condition_field: done, exit_to: b}}\n  - {from: a, to: b}\n  - {from: b, to: END}\n',
      ),
    );
    expect(only(r, 'conflicting-edges').path).toBe('edges[2]');
  });
});

describe('collecting everything at once', () => {
  it('reports every problem in one pass', () => {
    const src = BASE.replace('outputs: [summary]', 'outputs: [nope]')
      .replace('{state.topic}', '{state.nothing}')
      .replace('{from: summarize, to: END}', '{from: summarize, to: ENDD}');
    const codes = errorsOf(load(src)).map((d) => d.code);
    expect(codes).toEqual(expect.arrayContaining(['unknown-field', 'unknown-placeholder', 'unknown-node']));
  });
});

describe('causes first, consequences suppressed', () => {
  const EXAMPLE = readFileSync(new URL('../../examples/research-brief.yaml', import.meta.url), 'utf8');

  it('one misspelt node id in an edge gives one error, the cause, with its did-you-mean', () => {
    // Before: 6 errors, the cause last, and "node 'plan' cannot reach END: every path from it
    // cycles" although plan only led to the edge with the typo.
    const r = load(EXAMPLE.replace('{from: write, to: review}', '{from: wrtie, to: review}'));
    expect(r.workflow).toBeUndefined();
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({
      code: 'unknown-node',
      path: 'edges[5].from',
      suggestion: 'write',
      message: "unknown node 'wrtie' — did you mean 'write'?",
    });
  });

  describe("plan → write with 'wrtie' written once in an edge", () => {
    const PLAN_WRITE = `schema_version: "1.0"
flow: {name: typo}
state:
  fields:
    topic: {type: str, required: true}
    outline: {type: str, default: ""}
    article: {type: str, default: ""}
nodes:
  - id: plan
    prompt: "Outline an article about {state.topic}"
    outputs: [outline]
    output_schema: {type: str}
  - id: write
    prompt: "Write the article from {state.outline}"
    outputs: [article]
    output_schema: {type: str}
edges:
  - {from: START, to: plan}
  - {from: plan, to: write}
  - {from: write, to: END}
`;
    const cases: Array<[string, string, string, string, number, number]> = [
      ['as a target', '{from: plan, to: write}', '{from: plan, to: wrtie}', 'edges[1].to', 19, 22],
      ['as a source', '{from: write, to: END}', '{from: wrtie, to: END}', 'edges[2].from', 20, 12],
    ];
    it.each(cases)(
      '%s: the did-you-mean comes first and nothing claims a node cannot reach END',
      (_, edge, typo, path, line, column) => {
        const src = PLAN_WRITE.replace(edge, typo);
        expect(src).toContain('wrtie');
        const r = load(src);
        expect(r.workflow).toBeUndefined();
        expect(r.diagnostics[0]).toMatchObject({
          severity: 'error',
          code: 'unknown-node',
          path,
          line,
          column,
          suggestion: 'write',
          message: "unknown node 'wrtie' — did you mean 'write'?",
        });
        // Everything else followed from the typo: read as 'write', the graph is sound.
        expect(r.diagnostics).toHaveLength(1);
        for (const d of r.diagnostics) expect(d.message).not.toMatch(/reach END|cycles|never reached/);
      },
    );
  });

  it('a misspelt id in nodes: one error per edge naming the right id, saying the typo may be in the node', () => {
    const r = load(EXAMPLE.replace('- id: write', '- id: wrtie'));
    expect(r.diagnostics.map((d) => d.code)).toEqual([
      'unknown-node',
      'unknown-node',
      'unknown-node',
      'unknown-node',
    ]);
    for (const d of r.diagnostics) {
      expect(d.message).toBe(
        "unknown node 'write' — did you mean 'wrtie'? (or, if 'write' is right, the id of node 'wrtie' is misspelt: no edge names it)",
      );
    }
  });

  it('an unknown name with no likely meaning suppresses every graph error it could explain', () => {
    const r = load(EXAMPLE.replace('{from: write, to: review}', '{from: qqqqqq, to: review}'));
    expect(r.diagnostics.map((d) => d.code)).toEqual(['unknown-node']);
    expect(r.diagnostics[0]?.message).toContain('known nodes: plan, research, outline, write, review');
  });

  it('graph errors that stand on their own are still reported, after the causes', () => {
    const src = EXAMPLE.replace('{from: write, to: review}', '{from: wrtie, to: END}').replace(
      'outputs: [questions]',
      'outputs: [questons]',
    );
    const r = load(src);
    // review is unreachable even once 'wrtie' is read as 'write'; the typos come first.
    expect(r.diagnostics.map((d) => d.code)).toEqual(['unknown-field', 'unknown-node', 'unreachable-node']);
    expect(r.diagnostics[2]).toMatchObject({ path: 'nodes[4].id' });
  });

  it('reports a dead end once, not every node leading to it', () => {
    const r = load(EXAMPLE.replace('  - {from: write, to: review}\n', ''));
    // write has no outgoing edge; plan, research and outline only lead to it; review is unreachable.
    expect(r.diagnostics.map((d) => [d.code, d.path])).toEqual([
      ['no-path-to-end', 'nodes[3].id'],
      ['unreachable-node', 'nodes[4].id'],
    ]);
    expect(r.diagnostics[0]?.message).toContain("node 'write' has no outgoing edge");
  });

  it('names the nodes of a loop with no exit instead of claiming every path cycles', () => {
    const r = load(EXAMPLE.replace(/ {8}to: END\n/, '        to: write\n'));
    const d = only(r, 'no-path-to-end');
    expect(d.path).toBe('nodes[3].id');
    expect(d.message).toMatch(
      /^nodes 'write', 'review' only lead to each other, so the run can never reach END/,
    );
  });

  it('reports an unreachable group once, at its first node', () => {
    const r = load(twoNodes('  - {from: START, to: END}\n  - {from: a, to: b}\n  - {from: b, to: a}\n'));
    const d = only(r, 'unreachable-node');
    expect(d.message).toMatch(/^nodes 'a', 'b' are never reached from START \(only from each other\)/);
  });
});
