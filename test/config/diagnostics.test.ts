import { describe, expect, it } from 'vitest';
import { loadWorkflowFromString, suggest } from '../../src/config/index.js';
import type { LoadResult } from '../../src/config/types.js';
import { ONE_NODE } from '../support/workflows.js';

/** [code, path, line, column] of every diagnostic, in the order they are reported. */
function placed(r: LoadResult): Array<[string, string, number | undefined, number | undefined]> {
  return r.diagnostics.map((d) => [d.code, d.path, d.line, d.column]);
}

function load(source: string, strict = false): LoadResult {
  return loadWorkflowFromString(source, { file: 'flow.yaml', strict });
}

describe('a misspelt required key is one error, at the misspelling, with the fix', () => {
  it("flow: {nam: x} names 'nam' and asks for 'name' (no separate unknown-key warning)", () => {
    const r = load(ONE_NODE.replace('flow: {name: demo}', 'flow: {nam: demo}'));
    expect(placed(r)).toEqual([['missing-key', 'flow.name', 2, 8]]);
    expect(r.diagnostics[0]?.message).toBe(
      "flow.name is required and must not be empty: add flow: {name: my_workflow} (the file has 'nam' at line 2: did you mean 'name'?)",
    );
    expect(r.diagnostics[0]?.suggestion).toBe('name');
  });

  it('state: {field: …} is reported once, and no state reference is reported after it', () => {
    const r = load(ONE_NODE.replace('  fields:', '  field:'));
    expect(placed(r)).toEqual([['missing-key', 'state.fields', 4, 3]]);
    expect(r.diagnostics[0]?.message).toMatch(/\(the file has 'field' at line 4: did you mean 'fields'\?\)$/);
  });

  it('state missing altogether: one error, not one per prompt placeholder and output', () => {
    const src = ONE_NODE.replace(/state:\n {2}fields:\n(?: {4}.*\n)+/, '');
    expect(src).not.toContain('state:');
    expect(load(src).diagnostics.map((d) => d.code)).toEqual(['missing-key']);
  });

  it('nodes that are not a list: one error, not one per edge naming a node', () => {
    const asMap = load(ONE_NODE.replace(/nodes:\n(?: {2}.*\n)+/, 'nodes: {write: {prompt: x}}\n'));
    expect(placed(asMap)).toEqual([['invalid-value', 'nodes', 7, 8]]);
    const none = load(ONE_NODE.replace(/nodes:\n(?: {2}.*\n)+/, ''));
    expect(none.diagnostics.map((d) => [d.code, d.path])).toEqual([['missing-key', 'nodes']]);
  });

  it('a node id written as ide: the missing id is named and the edges that use it say which node it may be', () => {
    const r = load(ONE_NODE.replace('  - id: write', '  - ide: write'));
    expect(r.diagnostics[0]).toMatchObject({ code: 'missing-key', path: 'nodes[0].id', line: 8, column: 5 });
    expect(r.diagnostics[0]?.message).toBe(
      "node #1 has no id (the file has 'ide' at line 8: did you mean 'id'?)",
    );
    const edges = r.diagnostics.slice(1);
    expect(edges.map((d) => d.path)).toEqual(['edges[0].to', 'edges[1].from']);
    for (const d of edges)
      expect(d.message).toContain('(node #1 has no id: if it is meant, add id: write to it)');
  });

  it('under --strict the folded warning does not come back as an error of its own', () => {
    const r = load(ONE_NODE.replace('flow: {name: demo}', 'flow: {nam: demo}'), true);
    expect(r.diagnostics.map((d) => d.code)).toEqual(['missing-key']);
  });
});

describe('an edge to START or from END', () => {
  it('is its own error; the nodes it might have connected are not also reported as cut off', () => {
    const toStart = load(ONE_NODE.replace('{from: START, to: write}', '{from: START, to: START}'));
    expect(toStart.diagnostics.map((d) => [d.code, d.path])).toEqual([['invalid-target', 'edges[0].to']]);
    const fromEnd = load(ONE_NODE.replace('{from: write, to: END}', '{from: END, to: write}'));
    expect(fromEnd.diagnostics.map((d) => d.code)).toEqual(['invalid-edge']);
  });
});

describe('did-you-mean only when it is likely', () => {
  it('a one-letter name is not "corrected" to a different word', () => {
    expect(suggest('n', ['END', 'write'])).toBeUndefined();
    expect(suggest('x', ['y'])).toBeUndefined();
    // One edit on a short name still suggests; longer names keep the wider margin.
    expect(suggest('n', ['n1'])).toBe('n1');
    expect(suggest('wrtie', ['write', 'plan'])).toBe('write');
    expect(suggest('summarise', ['summarize'])).toBe('summarize');
  });
});

describe('YAML syntax: the first error, where the mistake is, with the fix', () => {
  it('a tab-indented line gives one error saying to indent with spaces, counting the echoes', () => {
    const r = load(ONE_NODE.replace('    topic:', '\ttopic:'));
    expect(placed(r)).toEqual([['yaml-syntax', '', 5, 1]]);
    expect(r.diagnostics[0]?.message).toMatch(
      /^YAML syntax error at line 5, column 1: a tab indents this line; YAML indents with spaces only: replace the tab with spaces \(\d+ more syntax errors? after it, most likely caused by this one: fix it and validate again\)$/,
    );
  });

  it('an unclosed flow map is placed at its opening brace, not where the parser gave up', () => {
    const r = load(
      ONE_NODE.replace('topic: {type: str, required: true}', 'topic: {type: str, required: true'),
    );
    expect(placed(r)).toEqual([['yaml-syntax', '', 5, 12]]);
    expect(r.diagnostics[0]?.message).toContain(
      "a flow map '{' opens here and is never closed: add the closing '}'",
    );
  });

  it('an unclosed flow list likewise', () => {
    const r = load(ONE_NODE.replace('outputs: [out]', 'outputs: [out'));
    expect(r.diagnostics[0]).toMatchObject({ code: 'yaml-syntax', line: 10, column: 14 });
    expect(r.diagnostics[0]?.message).toContain(
      "a flow list '[' opens here and is never closed: add the closing ']'",
    );
  });
});

describe('a placeholder without its closing brace', () => {
  it('warns where it opens when the name is one the prompt could mean, and leaves other braces alone', () => {
    const prompt = [
      'prompt: |',
      '      About {state.topic',
      '      and {topic and {_parallel_item.x',
      '      JSON {"k": 1}, code if (x) {return y}, {{state.topic is literal, {nothing here',
    ].join('\n');
    const r = load(ONE_NODE.replace('prompt: "Write about {state.topic}"', prompt));
    expect(r.workflow).toBeDefined();
    expect(placed(r)).toEqual([
      ['unclosed-placeholder', 'nodes[0].prompt', 10, 13],
      ['unclosed-placeholder', 'nodes[0].prompt', 11, 11],
      ['unclosed-placeholder', 'nodes[0].prompt', 11, 22],
    ]);
    expect(r.diagnostics[0]?.message).toBe(
      "'{state.topic' in the prompt of node 'write' reads like a placeholder but has no closing '}', so it is sent as written: add '}' (or write '{{' if a literal brace is meant)",
    );
    expect(r.diagnostics[1]?.message).toContain("'{topic'");
    expect(r.diagnostics[2]?.message).toContain("'{_parallel_item.x'");
  });

  it('is an error under --strict', () => {
    const r = load(ONE_NODE.replace('{state.topic}', '{state.topic'), true);
    expect(r.workflow).toBeUndefined();
    expect(r.diagnostics.map((d) => [d.severity, d.code])).toEqual([['error', 'unclosed-placeholder']]);
  });
});
