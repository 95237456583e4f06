/**
 * The loader: file or string → `LoadResult`. Bad CONTENT never throws: every problem comes
 * back as a diagnostic with its path and position, and a workflow is returned only when
 * there is no error. Only things that are not about the content throw (`E_IO` for a file
 * that cannot be read, `E_FILE_TYPE` for an extension that is not YAML or JSON).
 */
import { extname, resolve } from 'node:path';
import { AgentcrateError } from '../errors.js';
import { Reporter } from './diagnostics.js';
import { normalise } from './normalise/normalise.js';
import { readSourceFile } from './source-file.js';
import type { Diagnostic, LoadResult } from './types.js';
import { validate } from './validate/validate.js';
import { parseSource } from './yaml/parse.js';

export interface LoadOptions {
  /** Treat warnings (unknown keys, inert features) as errors. */
  strict?: boolean;
}

export interface LoadStringOptions extends LoadOptions {
  /** Shown in diagnostics and kept on the workflow. */
  file?: string;
  /** Default: from `file`'s extension, else YAML. */
  format?: 'yaml' | 'json';
}

/** Larger files are refused before parsing: no real workflow comes close. */
export const MAX_SOURCE_BYTES = 5 * 1024 * 1024;

const EXTENSIONS: Record<string, 'yaml' | 'json'> = { '.yaml': 'yaml', '.yml': 'yaml', '.json': 'json' };

/** Reads and validates a workflow file. Throws only `E_FILE_TYPE` and `E_IO`. */
export async function loadWorkflowFile(path: string, opts: LoadOptions = {}): Promise<LoadResult> {
  const file = resolve(path);
  const ext = extname(file).toLowerCase();
  const format = EXTENSIONS[ext];
  if (format === undefined) {
    const shown = ext === '' ? 'no extension' : `'${ext}'`;
    throw new AgentcrateError(
      'E_FILE_TYPE',
      `${path} has ${shown}; workflow files must be YAML or JSON: use .yaml, .yml or .json`,
      { details: { file, extension: ext } },
    );
  }
  const { source } = await readSourceFile(path, 'workflow');
  return loadWorkflowFromString(source, { ...opts, file, format });
}

/** Parses and validates workflow text. Never throws for bad content. */
export function loadWorkflowFromString(source: string, opts: LoadStringOptions = {}): LoadResult {
  const file = opts.file;
  const format =
    opts.format ?? (file !== undefined ? EXTENSIONS[extname(file).toLowerCase()] : undefined) ?? 'yaml';
  const result = (diagnostics: Diagnostic[]): LoadResult => {
    const out: LoadResult = { diagnostics };
    if (file !== undefined) out.file = file;
    return out;
  };

  if (source.length > MAX_SOURCE_BYTES) {
    return result([
      withFile(
        {
          severity: 'error',
          code: 'file-too-large',
          path: '',
          message: `the workflow is ${source.length} characters; the limit is ${MAX_SOURCE_BYTES}`,
        },
        file,
      ),
    ]);
  }

  // The embedded languages report bad syntax by throwing, and a broken file can hold
  // hundreds of such errors; their stack traces are never shown (nor is an internal error's,
  // below), and capturing them was most of the cost of loading such a file.
  const stackLimit = Error.stackTraceLimit;
  Error.stackTraceLimit = 0;
  try {
    const parsed = parseSource(source.replace(/^\uFEFF/, ''), format);
    const reporter = new Reporter(parsed.map.locate, file);
    for (const p of parsed.problems) {
      if (p.severity === 'error') reporter.error(p.code, p.path ?? '', p.message, { pos: p.pos });
      else reporter.warn(p.code, p.path ?? '', p.message, { pos: p.pos });
    }
    if (parsed.value === undefined) return finish(result(reporter.diagnostics), opts.strict);

    const { workflow, meta } = normalise(parsed.value, source, reporter, parsed.map);
    validate(workflow, meta, reporter, parsed.map);
    const out = finish(result(reporter.diagnostics), opts.strict);
    if (!out.diagnostics.some((d) => d.severity === 'error')) {
      if (file !== undefined) workflow.file = file;
      out.workflow = workflow;
    }
    return out;
  } catch (err) {
    // A loader bug must not take a server down: report it as a diagnostic with the cause.
    if (err instanceof AgentcrateError) throw err;
    const message = err instanceof RangeError ? 'the document is nested too deeply to read' : String(err);
    return result([
      withFile(
        {
          severity: 'error',
          code: 'internal-error',
          path: '',
          message: `could not load the workflow: ${message}`,
        },
        file,
      ),
    ]);
  } finally {
    Error.stackTraceLimit = stackLimit;
  }
}

function withFile(d: Diagnostic, file: string | undefined): Diagnostic {
  if (file !== undefined) d.file = file;
  return d;
}

/**
 * Problems of the graph as a whole: they follow from how the nodes are wired, so the wiring
 * mistakes that cause them (an unknown node, a missing edge) are read first.
 */
const CONSEQUENCES: ReadonlySet<string> = new Set(['unreachable-node', 'no-path-to-end']);

/**
 * `--strict`: every warning counts as an error. Diagnostics are ordered by position, causes
 * before the graph problems that follow from them.
 */
function finish(result: LoadResult, strict: boolean | undefined): LoadResult {
  foldMisspeltKeys(result);
  if (strict === true) {
    for (const d of result.diagnostics) if (d.severity === 'warning') d.severity = 'error';
  }
  const rank = (d: Diagnostic): number => (CONSEQUENCES.has(d.code) ? 1 : 0);
  result.diagnostics.sort(
    (a, b) => rank(a) - rank(b) || (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0),
  );
  return result;
}

/**
 * A required key reported missing while the same map holds an unknown key that looks like it
 * (`nam:` for `name:`) is one mistake: the error says so, at the misspelt key, and the
 * unknown-key warning that only repeated it is dropped.
 */
function foldMisspeltKeys(result: LoadResult): void {
  const unknown = new Map<string, Diagnostic>();
  for (const d of result.diagnostics) {
    if (d.code !== 'unknown-key' || d.suggestion === undefined) continue;
    const dot = d.path.lastIndexOf('.');
    unknown.set(`${dot < 0 ? '' : d.path.slice(0, dot + 1)}${d.suggestion}`, d);
  }
  if (unknown.size === 0) return;
  const folded = new Set<Diagnostic>();
  for (const d of result.diagnostics) {
    const typo = d.code === 'missing-key' ? unknown.get(d.path) : undefined;
    if (typo === undefined || folded.has(typo)) continue;
    const written = typo.path.slice(typo.path.lastIndexOf('.') + 1);
    d.message += ` (the file has '${written}'${typo.line === undefined ? '' : ` at line ${typo.line}`}: did you mean '${typo.suggestion}'?)`;
    d.suggestion = typo.suggestion;
    if (typo.line !== undefined) {
      d.line = typo.line;
      d.column = typo.column ?? 1;
    }
    folded.add(typo);
  }
  if (folded.size > 0) result.diagnostics = result.diagnostics.filter((d) => !folded.has(d));
}
