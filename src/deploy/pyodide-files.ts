/**
 * A workflow with python-mode code nodes needs Pyodide's files in its image (the interpreter,
 * its standard library, its lock file, and the two modules that load them): they are copied
 * from the installed `pyodide` package into the build context's `pyodide/`, and the server
 * finds them through AGENTCRATE_PYODIDE_DIR. Other workflows' images carry none of it.
 */
import { copyFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Workflow } from '../config/types.js';

export const PYODIDE_CONTEXT_DIR = 'pyodide';
export const PYODIDE_IMAGE_DIR = '/app/pyodide/';
const FILES = [
  'pyodide.mjs',
  'pyodide.asm.mjs',
  'pyodide.asm.wasm',
  'python_stdlib.zip',
  'pyodide-lock.json',
];

export function needsPyodide(workflow: Workflow): boolean {
  return workflow.nodes.some((n) => n.code !== undefined && n.code.sandbox.mode === 'python');
}

/** Copies Pyodide's files into `<outputDir>/pyodide/`; returns their paths. */
export function copyPyodide(outputDir: string): string[] {
  const source = fileURLToPath(new URL('.', import.meta.resolve('pyodide')));
  const target = join(outputDir, PYODIDE_CONTEXT_DIR);
  mkdirSync(target, { recursive: true });
  return FILES.map((name) => {
    copyFileSync(join(source, name), join(target, name));
    return join(target, name);
  });
}
