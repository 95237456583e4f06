/**
 * The one place where errors become HTTP responses. Every error body has the same shape,
 * `{error: {code, message, details}}`, so clients can match on `code` without caring which
 * route or layer failed.
 */
import { AgentcrateError, type ErrorCode, isAgentcrateError } from '../errors.js';

/**
 * Every code's HTTP status. Listing each one makes a new code fail to compile until it is
 * given its status here (and its exit code in cli/errors.ts); the server's own failures are 500.
 */
export const STATUS_BY_CODE = {
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
  E_IO: 500,
  E_TOOL: 500,
  E_CODE: 500,
  E_CODE_OUTPUT: 500,
  E_SANDBOX_TIMEOUT: 500,
  E_SANDBOX_MEMORY: 500,
  E_SANDBOX_VIOLATION: 500,
  E_TOOL_DENIED: 500,
  E_ROUTING: 500,
  E_STEP_LIMIT: 500,
  E_STORE: 500,
  E_RUNTIME: 500,
  E_SECRET_IN_CONTEXT: 500,
  E_INTERNAL: 500,
} as const satisfies Record<ErrorCode, number>;

function isErrorCode(code: string): code is ErrorCode {
  return Object.hasOwn(STATUS_BY_CODE, code);
}

/** HTTP status for an error code; a code not of ours (e.g. a stored job's) is the server's fault (500). */
export function httpStatusFor(code: string): number {
  return isErrorCode(code) ? STATUS_BY_CODE[code] : 500;
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
