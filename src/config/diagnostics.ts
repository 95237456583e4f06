/**
 * Collects every problem of one load in a single pass. Each diagnostic is placed at the
 * YAML node its path names (or the nearest enclosing node that has a position), so callers
 * never compute positions themselves.
 */
import type { Diagnostic, Position } from './types.js';

export type Locate = (path: string) => Position | undefined;

export interface ReportExtra {
  suggestion?: string | undefined;
  /** Explicit position (e.g. inside a template); otherwise the path's node is used. */
  pos?: Position | undefined;
}

export class Reporter {
  readonly diagnostics: Diagnostic[] = [];

  private readonly locate: Locate;
  private readonly file: string | undefined;

  // Plain fields, not parameter properties: the bench runs these files with Node's type stripping.
  constructor(locate: Locate, file?: string) {
    this.locate = locate;
    this.file = file;
  }

  error(code: string, path: string, message: string, extra: ReportExtra = {}): void {
    this.add('error', code, path, message, extra);
  }

  warn(code: string, path: string, message: string, extra: ReportExtra = {}): void {
    this.add('warning', code, path, message, extra);
  }

  get errorCount(): number {
    let n = 0;
    for (const d of this.diagnostics) if (d.severity === 'error') n++;
    return n;
  }

  private add(
    severity: Diagnostic['severity'],
    code: string,
    path: string,
    message: string,
    extra: ReportExtra,
  ): void {
    const d: Diagnostic = { severity, code, path, message };
    if (extra.suggestion !== undefined) d.suggestion = extra.suggestion;
    if (this.file !== undefined) d.file = this.file;
    const pos = extra.pos ?? this.locate(path);
    if (pos !== undefined) {
      d.line = pos.line;
      d.column = pos.column;
    }
    this.diagnostics.push(d);
  }
}

/** `base` + key or index, in the `nodes[2].outputs[0]` / `state.fields.x.type` style. */
export function joinPath(base: string, segment: string | number): string {
  if (typeof segment === 'number') return `${base}[${segment}]`;
  return base === '' ? segment : `${base}.${segment}`;
}

/** Optional colours for the parts of a diagnostic line (plain text without them). */
export interface DiagnosticStyle {
  bold(s: string): string;
  red(s: string): string;
  yellow(s: string): string;
}

const PLAIN: DiagnosticStyle = { bold: (s) => s, red: (s) => s, yellow: (s) => s };

/** `flow.yaml:14:7 error edges[3].to: unknown node 'sumarize' — did you mean 'summarize'?` */
export function formatDiagnostic(d: Diagnostic, file: string, style: DiagnosticStyle = PLAIN): string {
  const where = d.line === undefined ? file : `${file}:${d.line}:${d.column ?? 1}`;
  const severity = d.severity === 'error' ? style.red('error') : style.yellow('warning');
  const path = d.path ? `${d.path}: ` : '';
  return `${style.bold(where)} ${severity} ${path}${d.message}`;
}
