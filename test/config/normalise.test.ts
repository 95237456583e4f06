import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { loadWorkflowFromString } from '../../src/config/index.js';
import type { Diagnostic, Edge } from '../../src/config/types.js';
import { ONE_NODE } from '../support/workflows.js';

const EXAMPLE = readFileSync(new URL('../../examples/research-brief.yaml', import.meta.url), 'utf8');

function codes(diagnostics: Diagnostic[]): Array<[string, string]> {
  return diagnostics.map((d) => [d.code, d.path]);
}

describe('the normalised workflow', () => {
  const wf = loadWorkflowFromString(EXAMPLE, { file: 'research-brief.yaml' }).workflow!;

  it('keeps every edge form with its fields, and puts the default route last', () => {
    const byKind = (kind: Edge['kind']) => wf.edges.filter((e) => e.kind === kind);
    expect(byKind('direct').map((e) => [e.from, (e as Extract<Edge, { kind: 'direct' }>).to])).toEqual([
      ['START', ['plan']],
      ['plan', ['outline']],
      ['research', ['write']],
      ['outline', ['write']],
      ['write', ['review']],
    ]);
    expect(byKind('parallel')).toMatchObject([
      { from: 'plan', itemsField: 'questions', targetNode: 'research', collectField: 'findings' },
    ]);
    const routes = byKind('routes')[0] as Extract<Edge, { kind: 'routes' }>;
    expect(routes.routes.map((r) => [r.condition?.source ?? 'default', r.to])).toEqual([
      ['state.approved == true or _loop_iteration_review >= 2', 'END'],
      ['default', 'write'],
    ]);
    // Every edge knows its place in the file.
    expect(wf.edges.map((e) => e.pos?.line)).toEqual([111, 112, 114, 115, 116, 117, 118]);
  });

  it('parses prompts and inputs into templates, and keeps node and field positions', () => {
    const write = wf.nodes.find((n) => n.id === 'write')!;
    expect(write.inputs.map((i) => [i.name, i.template.source])).toEqual([['sections', '{outline}']]);
    expect(write.prompt.parts.flatMap((p) => (p.kind === 'ref' ? [p.raw] : []))).toEqual([
      '{topic}',
      '{audience}',
      '{sections}',
      '{findings}',
      '{feedback}',
    ]);
    expect(write.pos).toEqual({ line: 76, column: 5 });
    expect(wf.state.find((f) => f.name === 'brief')).toMatchObject({
      typeText: 'object',
      hasDefault: true,
      default: null,
      pos: { line: 37, column: 5 },
    });
  });

  it('reads config: llm defaults, execution limits (timeout in seconds)', () => {
    expect(wf.config.llm).toEqual({ provider: 'google', model: 'gemini-2.5-flash-lite', temperature: 0.4 });
    expect(wf.config.execution).toMatchObject({ timeoutSeconds: 120, maxRetries: 2, maxSteps: 100 });
  });
});

describe('wrong kinds of values', () => {
  it('name the path and what was expected, at the value', () => {
    const r = loadWorkflowFromString(
      ONE_NODE.replace(
        '    output_schema: {type: str}',
        '    output_schema: {type: str}\n    tools: [{name: web_search, on_error: retry}]\n    llm: {temperature: -1, max_tokens: 0, provider: openai}',
      ),
    );
    expect(codes(r.diagnostics)).toEqual([
      ['invalid-value', 'nodes[0].tools[0].on_error'],
      ['invalid-value', 'nodes[0].llm.temperature'],
      ['invalid-value', 'nodes[0].llm.max_tokens'],
    ]);
    expect(r.diagnostics[0]?.message).toBe('on_error must be fail or continue, not the string "retry"');
    expect(r.diagnostics[2]).toMatchObject({
      line: 13,
      message: 'max_tokens must be a whole number 1 or more, not number 0',
    });
  });

  it('a list where a map belongs, and a map where a list belongs', () => {
    const r = loadWorkflowFromString(
      ONE_NODE.replace('flow: {name: demo}', 'flow: [demo]').replace('edges:\n', 'edges: {}\nx:\n'),
    );
    expect(r.workflow).toBeUndefined();
    const flow = r.diagnostics.find((d) => d.path === 'flow');
    expect(flow?.message).toBe('flow must be a map with name, description and version, not a list');
    expect(r.diagnostics.find((d) => d.path === 'edges')?.message).toBe(
      'edges must be a list of edges, not a map',
    );
  });

  it('both timeout and timeout_seconds: timeout_seconds wins, with a warning', () => {
    const r = loadWorkflowFromString(`${ONE_NODE}config:\n  execution: {timeout: 10, timeout_seconds: 20}\n`);
    expect(r.workflow?.config.execution.timeoutSeconds).toBe(20);
    expect(codes(r.diagnostics)).toEqual([['duplicate-setting', 'config.execution.timeout']]);
  });

  it('an unknown provider under config.llm.providers is placed at its key', () => {
    const r = loadWorkflowFromString(`${ONE_NODE}config:\n  llm:\n    providers:\n      opnai: {model: x}\n`);
    expect(r.diagnostics[0]).toMatchObject({
      code: 'unknown-provider',
      line: 18,
      column: 7,
      suggestion: 'openai',
    });
  });
});
