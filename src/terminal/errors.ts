/** The one place that maps errors to exit codes and to what a person reads. */
import { formatDiagnostic } from '../config/diagnostics.js';
import type { Diagnostic } from '../config/types.js';
import { type ErrorCode, isAgentcrateError } from '../errors.js';
import type { Colors } from './output.js';

/**
 * 0 ok · 1 the thing ran and failed (a failed run, an engine refusing, a container conflict) ·
 * 2 the command cannot start: usage, input, an unreadable or invalid workflow. Every code is
 * listed, so a new one does not compile until it is given its exit code here (and its HTTP
 * status in server/errors.ts).
 */
export const EXIT_CODE_BY_CODE = {
  E_USAGE: 2,
  E_BAD_REQUEST: 2,
  E_IO: 2,
  E_FILE_TYPE: 2,
  E_YAML: 2,
  E_INVALID_WORKFLOW: 2,
  E_INVALID_CONFIG: 2,
  E_INVALID_INPUT: 2,
  E_MISSING_CREDENTIALS: 1,
  E_UNSUPPORTED_FEATURE: 1,
  E_MODEL: 1,
  E_MODEL_OUTPUT: 1,
  E_TOOL: 1,
  E_CODE: 1,
  E_CODE_OUTPUT: 1,
  E_SANDBOX_TIMEOUT: 1,
  E_SANDBOX_MEMORY: 1,
  E_SANDBOX_VIOLATION: 1,
  E_SANDBOX_UNAVAILABLE: 1,
  E_TOOL_DENIED: 1,
  E_ROUTING: 1,
  E_STEP_LIMIT: 1,
  E_TIMEOUT: 1,
  E_CANCELLED: 1,
  E_STORE: 1,
  E_STORE_LOCKED: 1,
  E_STORE_UNAVAILABLE: 1,
  E_NOT_FOUND: 1,
  E_CONFLICT: 1,
  E_QUEUE_FULL: 1,
  E_UNAUTHORIZED: 1,
  E_FORBIDDEN: 1,
  E_UNSUPPORTED_MEDIA_TYPE: 1,
  E_PAYLOAD_TOO_LARGE: 1,
  E_UNAVAILABLE: 1,
  E_RUNTIME: 1,
  E_SECRET_IN_CONTEXT: 1,
  E_INTERNAL: 1,
} as const satisfies Record<ErrorCode, 0 | 1 | 2>;

function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(EXIT_CODE_BY_CODE, code);
}

/** The exit code of an error, or of a run's error code (a string from the engine or a store). */
export function exitCodeFor(error: unknown): number {
  const code = isAgentcrateError(error) ? error.code : typeof error === 'string' ? error : undefined;
  return code !== undefined && isErrorCode(code) ? EXIT_CODE_BY_CODE[code] : 1;
}

/**
 * What a person reads. An invalid workflow lists its diagnostics in the compiler format, in
 * colour on a terminal; `verbose` (or AGENTCRATE_DEBUG=1) adds stack traces.
 */
export function formatError(error: unknown, c: Colors, verbose = false): string {
  const debug = verbose || process.env.AGENTCRATE_DEBUG === '1';
  if (isAgentcrateError(error)) {
    const text = `${c.red('error')} ${invalidFileText(error.code, error.details, c) ?? error.message}`;
    return debug && error.stack ? `${text}\n${error.stack}` : text;
  }
  const message = error instanceof Error ? error.message : String(error);
  const hint = debug
    ? `\n${error instanceof Error ? error.stack : ''}`
    : '\n(run with -v or set AGENTCRATE_DEBUG=1 for details)';
  return `${c.red('error')} unexpected: ${message}${hint}`;
}

/** The diagnostics of an invalid file, once, under a line naming what the file was meant to be. */
function invalidFileText(
  code: ErrorCode,
  details: Record<string, unknown> | undefined,
  c: Colors,
): string | undefined {
  const file = details?.file;
  const diagnostics = details?.diagnostics;
  if (typeof file !== 'string' || !Array.isArray(diagnostics)) return undefined;
  const all = (diagnostics as Diagnostic[])
    .slice()
    .sort((a, b) => (a.line ?? 0) - (b.line ?? 0) || (a.column ?? 0) - (b.column ?? 0));
  const errors = all.filter((d) => d.severity === 'error').length;
  const what = code === 'E_INVALID_CONFIG' ? 'gateway configuration' : 'workflow';
  return `${file} is not a valid ${what} (${errors} error${errors === 1 ? '' : 's'}); fix ${errors === 1 ? 'it' : 'them'} and try again:\n${all.map((d) => `  ${formatDiagnostic(d, file, c)}`).join('\n')}`;
}
