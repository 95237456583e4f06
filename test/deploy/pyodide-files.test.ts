/** Pyodide's files go into the image of a workflow with python-mode code nodes, and only then. */
import { existsSync, mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { renderDockerignore } from '../../src/deploy/dockerignore.js';
import { copyPyodide, needsPyodide } from '../../src/deploy/pyodide-files.js';
import { loadSource } from './helpers.js';

const code = (mode: string) =>
  loadSource(`schema_version: "1.0"
flow: {name: c}
state: {fields: {n: {type: int, default: 0}}}
nodes:
  - {id: a, code: "result = 1", outputs: [n], sandbox: {mode: ${mode}}}
edges:
  - {from: START, to: a}
  - {from: a, to: END}
`);

describe('pyodide in deploy artifacts', () => {
  it('is needed by python-mode code nodes only', () => {
    expect(needsPyodide(code('python'))).toBe(true);
    expect(needsPyodide(code('docker'))).toBe(false);
  });

  it('copies the five files the worker loads', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentcrate-pyodide-'));
    const files = copyPyodide(dir).map((f) => f.slice(dir.length + 1));
    expect(files.sort()).toEqual(
      ['pyodide-lock.json', 'pyodide.asm.mjs', 'pyodide.asm.wasm', 'pyodide.mjs', 'python_stdlib.zip'].map(
        (f) => `pyodide/${f}`,
      ),
    );
    for (const f of files) expect(existsSync(join(dir, f))).toBe(true);
  });

  it('lets the pyodide directory into the build context only when needed', () => {
    expect(renderDockerignore(true)).toContain('!pyodide\n');
    expect(renderDockerignore(false)).not.toContain('pyodide');
  });
});
