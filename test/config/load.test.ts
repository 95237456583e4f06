import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkflowFile, loadWorkflowFromString } from '../../src/config/index.js';
import { AgentcrateError } from '../../src/errors.js';
import { ONE_NODE } from '../support/workflows.js';

/** The one-node workflow, with the optional flow keys. */
const VALID = ONE_NODE.replace('flow: {name: demo}', 'flow: {name: demo, description: d, version: 1.5}');

let dir: string;
beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'agentcrate-config-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

function file(name: string, content: string): string {
  const path = join(dir, name);
  writeFileSync(path, content);
  return path;
}

describe('loadWorkflowFile', () => {
  it('loads a .yaml file with source, absolute file and defaults filled in', async () => {
    const path = file('demo.yaml', VALID);
    const r = await loadWorkflowFile(path);
    expect(r.diagnostics).toEqual([]);
    expect(r.file).toBe(path);
    const wf = r.workflow!;
    expect(wf.file).toBe(path);
    expect(wf.source).toBe(VALID);
    expect(wf.flow).toEqual({ name: 'demo', description: 'd', version: '1.5' });
    expect(wf.config.execution).toEqual({
      timeoutSeconds: 120,
      maxRetries: 3,
      maxSteps: 100,
      maxParallel: 8,
      maxToolSteps: 10,
    });
    expect(wf.config.observability).toEqual({ logPrompts: false });
    expect(wf.state[0]).toMatchObject({
      name: 'topic',
      typeText: 'str',
      required: true,
      hasDefault: false,
      default: null,
    });
    expect(wf.state[1]).toMatchObject({ name: 'out', hasDefault: true, default: '' });
    expect(wf.nodes[0]?.pos).toEqual({ line: 8, column: 5 });
    expect(wf.nodes[0]?.prompt.parts).toEqual([
      { kind: 'text', text: 'Write about ' },
      { kind: 'ref', path: ['state', 'topic'], raw: '{state.topic}', offset: 12 },
    ]);
    expect(wf.edges[0]).toMatchObject({
      kind: 'direct',
      index: 0,
      from: 'START',
      to: ['write'],
      pos: { line: 13, column: 5 },
    });
  });

  it('loads .yml and .json (JSON with positions)', async () => {
    expect((await loadWorkflowFile(file('demo.yml', VALID))).workflow).toBeDefined();
    const json = JSON.stringify(
      {
        schema_version: '1.0',
        flow: { name: 'j' },
        state: { fields: { a: { type: 'str' } } },
        nodes: [{ id: 'n', prompt: 'p', outputs: ['b'], output_schema: { type: 'str' } }],
        edges: [
          { from: 'START', to: 'n' },
          { from: 'n', to: 'END' },
        ],
      },
      null,
      2,
    );
    const r = await loadWorkflowFile(file('demo.json', json));
    const d = r.diagnostics.find((x) => x.code === 'unknown-field');
    expect(d).toMatchObject({ path: 'nodes[0].outputs[0]', line: 18, column: 9 });
  });

  it('loads tab-indented JSON that YAML would reject', () => {
    const json = `{\n\t"schema_version": "1.0",\n\t"flow": {"name": "t"},\n\t"state": {"fields": {"a": {"type": "str"}}},\n\t"nodes": [{"id": "n", "prompt": "p", "outputs": ["a"], "output_schema": {"type": "str"}}],\n\t"edges": [{"from": "START", "to": "n"}, {"from": "n", "to": "END"}]\n}`;
    expect(loadWorkflowFromString(json, { format: 'json' }).workflow).toBeDefined();
  });

  it('refuses other extensions naming the extension', async () => {
    const path = file('demo.txt', VALID);
    const err = await loadWorkflowFile(path).catch((e: unknown) => e);
    expect(err).toBeInstanceOf(AgentcrateError);
    expect((err as AgentcrateError).code).toBe('E_FILE_TYPE');
    expect((err as AgentcrateError).message).toContain("'.txt'");
    expect((err as AgentcrateError).message).toContain('use .yaml, .yml or .json');
  });

  it('reports unreadable files as E_IO', async () => {
    const missing = await loadWorkflowFile(join(dir, 'nope.yaml')).catch((e: unknown) => e);
    expect(missing).toMatchObject({ code: 'E_IO' });
    expect((missing as Error).message).toContain('no such file');
    mkdirSync(join(dir, 'adir.yaml'));
    expect(await loadWorkflowFile(join(dir, 'adir.yaml')).catch((e: unknown) => e)).toMatchObject({
      code: 'E_IO',
      message: `cannot read workflow ${join(dir, 'adir.yaml')}: it is a directory`,
    });
  });

  it('puts the file on every diagnostic', async () => {
    const path = file('bad.yaml', VALID.replace('outputs: [out]', 'outputs: [ot]'));
    const r = await loadWorkflowFile(path);
    expect(r.workflow).toBeUndefined();
    expect(r.diagnostics.every((d) => d.file === path)).toBe(true);
  });
});

describe('loadWorkflowFromString', () => {
  it('reports YAML syntax errors with line and column', () => {
    const r = loadWorkflowFromString('flow:\n  name: x\n bad: [1, 2\n');
    expect(r.workflow).toBeUndefined();
    expect(r.diagnostics.length).toBeGreaterThan(0);
    for (const d of r.diagnostics) {
      expect(d.code).toBe('yaml-syntax');
      expect(d.line).toBeGreaterThan(0);
      expect(d.column).toBeGreaterThan(0);
      expect(d.message).toContain('line');
    }
  });

  it('points an unclosed quote at where it opens', () => {
    const r = loadWorkflowFromString('flow:\n  name: "test\nnodes:\n  - id: x\n');
    expect(r.diagnostics[0]).toMatchObject({ code: 'yaml-syntax', line: 2, column: 9 });
  });

  it('stops an alias bomb fast with a clear message', () => {
    let src = 'a: &a ["lol","lol","lol","lol","lol","lol","lol","lol","lol"]\n';
    let prev = 'a';
    for (const n of 'bcdefghi') {
      src += `${n}: &${n} [${Array(9).fill(`*${prev}`).join(',')}]\n`;
      prev = n;
    }
    const t = performance.now();
    const r = loadWorkflowFromString(src);
    expect(performance.now() - t).toBeLessThan(1000);
    expect(r.diagnostics).toHaveLength(1);
    expect(r.diagnostics[0]).toMatchObject({ code: 'yaml-aliases', severity: 'error' });
    expect(r.diagnostics[0]?.message).toMatch(/alias/);
  });

  it('handles a self-referencing alias without hanging', () => {
    const r = loadWorkflowFromString(`${VALID}extra: &x [1, *x]\n`);
    expect(r.workflow).toBeDefined();
    expect(r.diagnostics.map((d) => d.code)).toEqual(['unknown-key']);
  });

  it('allows a few ordinary aliases', () => {
    const src = VALID.replace(
      'flow: {name: demo, description: d, version: 1.5}',
      'flow: {name: &n demo, description: *n}',
    );
    expect(loadWorkflowFromString(src).workflow?.flow.description).toBe('demo');
  });

  it('rejects empty and non-map documents', () => {
    expect(loadWorkflowFromString('').diagnostics[0]).toMatchObject({ code: 'invalid-document' });
    expect(loadWorkflowFromString('- a\n- b\n').diagnostics[0]?.message).toContain('a list');
  });

  it('survives absurd nesting without throwing', () => {
    const r = loadWorkflowFromString(`${'['.repeat(5000)}${']'.repeat(5000)}`);
    expect(r.workflow).toBeUndefined();
    expect(r.diagnostics.length).toBeGreaterThan(0);
  });

  it('reads execution settings, observability and inert config', () => {
    const r = loadWorkflowFromString(
      `${VALID}config:\n  llm: {provider: openai, model: gpt-4o, providers: {ollama: {api_base: "http://x"}}}\n  execution: {timeout_seconds: 30, max_retries: 0, max_steps: 7}\n  observability:\n    log_prompts: true\n    mlflow: {enabled: true, tracking_uri: "http://m", experiment_name: e}\n  storage: {type: sqlite}\n  mlflow: {enabled: true}\n`,
    );
    const wf = r.workflow!;
    expect(wf.config.execution).toMatchObject({ timeoutSeconds: 30, maxRetries: 0, maxSteps: 7 });
    expect(wf.config.llm).toEqual({
      provider: 'openai',
      model: 'gpt-4o',
      providers: { ollama: { api_base: 'http://x' } },
    });
    expect(wf.config.observability).toEqual({
      logPrompts: true,
      mlflow: { enabled: true, trackingUri: 'http://m', experimentName: 'e' },
    });
    expect(wf.config.extra).toEqual({ storage: { type: 'sqlite' }, mlflow: { enabled: true } });
    expect(r.diagnostics.map((d) => [d.code, d.path])).toEqual([
      ['inert-feature', 'config.storage'],
      ['inert-feature', 'config.mlflow'],
    ]);
    const legacy = loadWorkflowFromString(`${VALID}config:\n  execution: {timeout: 45}\n`);
    expect(legacy.workflow?.config.execution.timeoutSeconds).toBe(45);
  });

  it('strict turns warnings into errors and withholds the workflow', () => {
    const src = VALID.replace('  - id: write', '  - id: write\n    optimize: {enabled: true}');
    expect(loadWorkflowFromString(src).workflow).toBeDefined();
    const strict = loadWorkflowFromString(src, { strict: true });
    expect(strict.workflow).toBeUndefined();
    expect(strict.diagnostics).toMatchObject([
      { severity: 'error', code: 'inert-feature', path: 'nodes[0].optimize' },
    ]);
  });
});
