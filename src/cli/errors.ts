/** The one place that maps errors to exit codes and to what a person reads. */
import { isAgentcrateError } from '../errors.js';
import type { Colors } from './output.js';

/** 0 ok · 1 the thing ran and failed (invalid workflow in validate, failed run) · 2 usage, input or I/O. */
export function exitCodeFor(error: unknown): number {
  if (!isAgentcrateError(error)) return 1;
  switch (error.code) {
    case 'E_USAGE':
    case 'E_IO':
    case 'E_FILE_TYPE':
    case 'E_YAML':
    case 'E_INVALID_WORKFLOW':
    case 'E_INVALID_CONFIG':
    case 'E_INVALID_INPUT':
      return 2;
    default:
      return 1;
  }
}

export function formatError(error: unknown, c: Colors): string {
  const debug = process.env.AGENTCRATE_DEBUG === '1';
  if (isAgentcrateError(error)) {
    const text = `${c.red('error')} ${error.message}`;
    return debug && error.stack ? `${text}\n${error.stack}` : text;
  }
  const message = error instanceof Error ? error.message : String(error);
  const hint = debug
    ? `\n${error instanceof Error ? error.stack : ''}`
    : '\n(set AGENTCRATE_DEBUG=1 for details)';
  return `${c.red('error')} unexpected: ${message}${hint}`;
}
