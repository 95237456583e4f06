/** What the Engine API's failures say, read the same way by every call of the runtime. */
import { AgentcrateError } from '../../errors.js';

export function statusOf(cause: unknown): number | undefined {
  const s = (cause as { statusCode?: unknown } | undefined)?.statusCode;
  return typeof s === 'number' ? s : undefined;
}

export function messageOf(cause: unknown): string {
  const json = (cause as { json?: { message?: unknown } } | undefined)?.json;
  if (json && typeof json.message === 'string') return json.message;
  return cause instanceof Error ? cause.message : String(cause);
}

export function engineError(what: string, cause: unknown): AgentcrateError {
  return new AgentcrateError('E_RUNTIME', `${what}: ${messageOf(cause).trim()}`, { cause });
}
