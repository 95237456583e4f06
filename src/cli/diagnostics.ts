/** Compiler-style lines for diagnostics: `flow.yaml:14:7 error edges[3].to: message`. */
import type { Diagnostic } from '../config/types.js';
import type { Colors } from './output.js';

export function formatDiagnostic(d: Diagnostic, file: string, c: Colors): string {
  const where = d.line === undefined ? file : `${file}:${d.line}:${d.column ?? 1}`;
  const severity = d.severity === 'error' ? c.red('error') : c.yellow('warning');
  const path = d.path ? `${d.path}: ` : '';
  return `${c.bold(where)} ${severity} ${path}${d.message}`;
}

export function plural(n: number, word: string): string {
  return `${n} ${word}${n === 1 ? '' : 's'}`;
}
