/**
 * Turns a failed model call into the one user-facing error, `E_MODEL`: which provider and
 * model, the HTTP status, the provider's own words, how many attempts, and never a secret.
 */
import { APICallError } from '@ai-sdk/provider';
import { AgentcrateError } from '../errors.js';
import type { Redactor } from '../secrets/index.js';
import { errorStatus, isRetryableError, ModelCallTimeoutError } from './retry.js';
import type { ResolvedLlm } from './types.js';

export function modelError(
  error: unknown,
  context: { nodeId: string; llm: ResolvedLlm; attempts: number; redact: Redactor },
): AgentcrateError {
  const status = errorStatus(error);
  const where = `provider '${context.llm.provider}', model '${context.llm.model}'`;
  const what = status !== undefined ? `HTTP ${status}: ${providerMessage(error)}` : providerMessage(error);
  const tries = context.attempts > 1 ? ` (gave up after ${context.attempts} attempts)` : '';
  const hint = status === 401 || status === 403 ? ' — check the API key for this provider' : '';
  // The engine prefixes the node id; details.nodeId keeps it for other callers.
  const message = context.redact(`model call failed (${where}): ${what}${tries}${hint}`);
  const details: Record<string, unknown> = {
    nodeId: context.nodeId,
    provider: context.llm.provider,
    model: context.llm.model,
    attempts: context.attempts,
    retryable: isRetryableError(error),
  };
  if (status !== undefined) details.status = status;
  // The cause is kept for debugging but its text can hold request bodies: only the
  // redacted message is meant for display.
  return new AgentcrateError('E_MODEL', message, { cause: error, details });
}

/** The most specific human text the failure carries. */
function providerMessage(error: unknown): string {
  if (error instanceof ModelCallTimeoutError) return `timed out: ${error.message}`;
  if (APICallError.isInstance(error)) {
    const fromBody = messageFromBody(error.responseBody);
    if (error.message === 'Invalid JSON response')
      return 'the server answered with a malformed (non-JSON) body';
    if (fromBody !== undefined && !error.message.includes(fromBody)) return `${error.message} (${fromBody})`;
    const cause = error.cause instanceof Error ? error.cause.message : undefined;
    return cause !== undefined && !error.message.includes(cause)
      ? `${error.message} (${cause})`
      : error.message;
  }
  if (error instanceof Error) {
    const cause = error.cause instanceof Error ? `: ${error.cause.message}` : '';
    return `${error.message}${cause && !error.message.includes(cause.slice(2)) ? cause : ''}`;
  }
  return String(error);
}

function messageFromBody(body: string | undefined): string | undefined {
  if (body === undefined || body.trim() === '') return undefined;
  try {
    const parsed = JSON.parse(body) as { error?: { message?: unknown } | string; message?: unknown };
    if (typeof parsed.error === 'string') return parsed.error;
    if (typeof parsed.error?.message === 'string') return parsed.error.message;
    if (typeof parsed.message === 'string') return parsed.message;
  } catch {
    // not JSON: fall through to the raw text
  }
  return body.length > 300 ? `${body.slice(0, 300)}…` : body;
}
