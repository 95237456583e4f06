/** Code nodes (`code`, `sandbox`) and memory (`memory`, `config.memory`, `{memory.k}`) in the format. */
import { describe, expect, it } from 'vitest';
import { type LoadResult, loadWorkflowFromString } from '../../src/config/index.js';

const flow = (node: string, extra = '') => `schema_version: "1.0"
flow: {name: t}
state:
  fields:
    n: {type: int, default: 0}
    s: {type: str, default: ""}
nodes:
${node}
edges:
  - {from: START, to: a}
  - {from: a, to: END}
${extra}`;

const load = (source: string, strict = false): LoadResult =>
  loadWorkflowFromString(source, { file: 't.yaml', strict });
const codes = (r: LoadResult) => r.diagnostics.map((d) => `${d.severity} ${d.code} ${d.path}`);

describe('code nodes', () => {
  it('need neither prompt nor output_schema', () => {
    const r = load(flow('  - {id: a, code: "result = 1", outputs: [n]}'));
    expect(r.diagnostics).toEqual([]);
    expect(r.workflow?.nodes[0]?.code?.source).toBe('result = 1');
  });

  it('read every sandbox setting, the most specific timeout and memory in bytes', () => {
    const r = load(
      flow(`  - id: a
    code: "result = 1"
    outputs: [n]
    sandbox: {mode: docker, network: true, preset: high, timeout: 5, resources: {cpu: 0.25, memory: 128m, timeout: 9}}`),
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.workflow?.nodes[0]?.code?.sandbox).toEqual({
      mode: 'docker',
      enabled: true,
      network: true,
      preset: 'high',
      timeout: 5,
      resources: { cpu: 0.25, memory: 128 * 1024 * 1024, timeout: 9 },
    });
  });

  it('report bad sandbox values at their path, with a did-you-mean', () => {
    const r = load(
      flow(`  - id: a
    code: "result = 1"
    outputs: [n]
    sandbox: {mode: podman, preset: hihg, timeout: 0, resources: {memory: lots}}`),
    );
    expect(codes(r)).toEqual([
      'error invalid-value nodes[0].sandbox.mode',
      'error invalid-value nodes[0].sandbox.preset',
      'error invalid-value nodes[0].sandbox.timeout',
      'error invalid-value nodes[0].sandbox.resources.memory',
    ]);
    expect(r.diagnostics[1]?.message).toContain("did you mean 'high'");
    expect(r.diagnostics[3]?.message).toContain('"256m"');
  });

  it('warn where a setting cannot do what it says', () => {
    const r = load(
      flow(`  - id: a
    code: "result = 1"
    outputs: [n]
    tools: [json_parse]
    sandbox: {enabled: false, network: true}
  - id: b
    prompt: "hi"
    outputs: [s]
    output_schema: {type: str}
    sandbox: {mode: python}`).replace(
        '  - {from: a, to: END}',
        '  - {from: a, to: b}\n  - {from: b, to: END}',
      ),
    );
    expect(codes(r)).toEqual([
      'warning unused-on-code-node nodes[0].tools',
      'warning sandbox-always-on nodes[0].sandbox.enabled',
      'warning sandbox-no-network nodes[0].sandbox.network',
      'warning sandbox-without-code nodes[1].sandbox',
    ]);
    expect(
      load(flow('  - {id: a, code: "x", outputs: [n], sandbox: {enabled: false}}'), true).workflow,
    ).toBeUndefined();
  });

  it('refuse code that is not text', () => {
    expect(codes(load(flow('  - {id: a, code: 3, outputs: [n]}')))).toContain(
      'error invalid-value nodes[0].code',
    );
  });
});

describe('memory', () => {
  it('gives each node config.memory unless its own block says otherwise', () => {
    const r = load(
      flow(
        `  - {id: a, code: "result = 1", outputs: [n], memory: {default_scope: node}}
  - {id: b, code: "result = 's'", outputs: [s], memory: {enabled: false}}`,
        'config:\n  memory: {enabled: true, default_scope: workflow}',
      ).replace('  - {from: a, to: END}', '  - {from: a, to: b}\n  - {from: b, to: END}'),
    );
    expect(r.diagnostics).toEqual([]);
    expect(r.workflow?.config.memory).toEqual({ enabled: true, scope: 'workflow' });
    expect(r.workflow?.nodes.map((n) => n.memory)).toEqual([{ enabled: true, scope: 'node' }, undefined]);
    expect(r.workflow?.config.extra).toEqual({});
  });

  it('defaults to the agent scope, and is off unless enabled', () => {
    const on = load(flow('  - {id: a, code: "x", outputs: [n], memory: {enabled: true}}'));
    expect(on.workflow?.nodes[0]?.memory).toEqual({ enabled: true, scope: 'agent' });
    const off = load(flow('  - {id: a, code: "x", outputs: [n]}'));
    expect(off.workflow?.nodes[0]?.memory).toBeUndefined();
  });

  it('lets prompts read {memory.key} only where memory is enabled', () => {
    const node = (memory: string) =>
      `  - {id: a, prompt: "Before: {memory.history} / {memory}", outputs: [s], output_schema: {type: str}${memory}}`;
    const without = load(flow(node('')).replace('[n]', '[s]'));
    expect(codes(without)).toEqual([
      'error memory-not-enabled nodes[0].prompt',
      'error memory-not-enabled nodes[0].prompt',
    ]);
    expect(without.diagnostics[0]?.message).toContain('add memory: {enabled: true}');
    const withMemory = load(flow(node(', memory: {enabled: true}')));
    expect(codes(withMemory)).toEqual(['error invalid-placeholder nodes[0].prompt']);
    expect(load(flow(node(', memory: {enabled: true}').replace(' / {memory}', ''))).diagnostics).toEqual([]);
  });

  it('reports a bad scope', () => {
    const r = load(
      flow('  - {id: a, code: "x", outputs: [n], memory: {enabled: true, default_scope: global}}'),
    );
    expect(codes(r)).toEqual(['error invalid-value nodes[0].memory.default_scope']);
  });
});
