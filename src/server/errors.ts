/**
 * The one place where errors become HTTP responses. Every error body has the same shape,
 * `{error: {code, message, details}}`, so clients can match on `code` without caring which
 * route or layer failed.
 */
import { AgentcrateError, type ErrorCode, isAgentcrateError } from '../errors.js';

const STATUS_BY_CODE: Partial<Record<ErrorCode, number>> & Record<string, number | undefined> = {
  E_USAGE: 400,
  E_BAD_REQUEST: 400,
  E_YAML: 400,
  E_FILE_TYPE: 400,
  E_UNAUTHORIZED: 401,
  E_FORBIDDEN: 403,
  E_NOT_FOUND: 404,
  E_CONFLICT: 409,
  E_CANCELLED: 409,
  E_PAYLOAD_TOO_LARGE: 413,
  E_UNSUPPORTED_MEDIA_TYPE: 415,
  E_INVALID_INPUT: 422,
  E_INVALID_WORKFLOW: 422,
  E_INVALID_CONFIG: 422,
  E_QUEUE_FULL: 429,
  E_UNSUPPORTED_FEATURE: 501,
  E_MODEL: 502,
  E_MODEL_OUTPUT: 502,
  E_MISSING_CREDENTIALS: 503,
  E_SANDBOX_UNAVAILABLE: 503,
  E_UNAVAILABLE: 503,
  E_STORE_UNAVAILABLE: 503,
  E_STORE_LOCKED: 503,
  E_TIMEOUT: 504,
};

/** HTTP status for an error code; anything not listed is the server's fault (500). */
export function httpStatusFor(code: string): number {
  return STATUS_BY_CODE[code] ?? 500;
}

export interface ErrorBody {
  error: { code: string; message: string; details: Record<string, unknown> };
}

/**
 * Non-agentcrate errors are bugs or library failures: their messages may carry internals,
 * so clients get a generic message and the real one goes to the log.
 */
export function toHttpError(error: unknown): AgentcrateError {
  if (isAgentcrateError(error)) return error;
  return new AgentcrateError('E_INTERNAL', 'internal server error; see the server log for details', {
    cause: error,
  });
}

export function errorBody(error: {
  code: string;
  message: string;
  details?: Record<string, unknown>;
}): ErrorBody {
  return { error: { code: error.code, message: error.message, details: error.details ?? {} } };
}

export function errorResponse(error: unknown, headers: Record<string, string> = {}): Response {
  const err = toHttpError(error);
  return new Response(JSON.stringify(errorBody(err)), {
    status: httpStatusFor(err.code),
    headers: { 'content-type': 'application/json; charset=utf-8', ...headers },
  });
}
