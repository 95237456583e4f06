/**
 * The one error base class of agentcrate. Every error a user can see carries a stable
 * `code` (documented, safe to match on), a plain-English message, optional structured
 * `details`, and the underlying `cause`. The CLI maps codes to exit codes and the server
 * maps them to HTTP statuses, each in exactly one place.
 */
export type ErrorCode =
  | 'E_USAGE'
  /** An HTTP request the server cannot read: malformed JSON, bad query parameters (HTTP 400). */
  | 'E_BAD_REQUEST'
  | 'E_IO'
  | 'E_FILE_TYPE'
  | 'E_YAML'
  | 'E_INVALID_WORKFLOW'
  /** A configuration file (e.g. the gateway's) has errors; its diagnostics are in `details`. */
  | 'E_INVALID_CONFIG'
  | 'E_INVALID_INPUT'
  | 'E_MISSING_CREDENTIALS'
  | 'E_UNSUPPORTED_FEATURE'
  | 'E_MODEL'
  | 'E_MODEL_OUTPUT'
  | 'E_TOOL'
  /** A code node's Python raised, has a syntax error, or its `result` is not JSON. */
  | 'E_CODE'
  /** A code node's `result` does not fit the state type of its output. */
  | 'E_CODE_OUTPUT'
  /** A code node ran past its sandbox time limit. */
  | 'E_SANDBOX_TIMEOUT'
  /** A code node passed its sandbox memory limit. */
  | 'E_SANDBOX_MEMORY'
  /** A code node tried something the sandbox forbids (network in python mode, a non-stdlib module). */
  | 'E_SANDBOX_VIOLATION'
  /** The sandbox cannot run: no Docker engine or image for docker mode, Pyodide failed to load. */
  | 'E_SANDBOX_UNAVAILABLE'
  | 'E_TOOL_DENIED'
  | 'E_ROUTING'
  | 'E_STEP_LIMIT'
  | 'E_TIMEOUT'
  | 'E_CANCELLED'
  | 'E_STORE'
  /** The job store is owned by another live process (its lease), or this process lost it. */
  | 'E_STORE_LOCKED'
  /** The job store cannot write right now (disk full, I/O error, locked): retry later (HTTP 503). */
  | 'E_STORE_UNAVAILABLE'
  | 'E_NOT_FOUND'
  | 'E_CONFLICT'
  | 'E_QUEUE_FULL'
  | 'E_UNAUTHORIZED'
  /** Refused whoever asks: a Host the server does not serve, a cross-origin request (HTTP 403). */
  | 'E_FORBIDDEN'
  /** A request body that is not JSON where JSON is required (HTTP 415). */
  | 'E_UNSUPPORTED_MEDIA_TYPE'
  | 'E_PAYLOAD_TOO_LARGE'
  /** The server is shutting down or cannot take work right now (HTTP 503). */
  | 'E_UNAVAILABLE'
  | 'E_RUNTIME'
  /** A value from the deploy env file was found in the Docker build context. */
  | 'E_SECRET_IN_CONTEXT'
  | 'E_INTERNAL';

export class AgentcrateError extends Error {
  readonly code: ErrorCode;
  readonly details: Record<string, unknown> | undefined;

  constructor(
    code: ErrorCode,
    message: string,
    options: { cause?: unknown; details?: Record<string, unknown> } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'AgentcrateError';
    this.code = code;
    this.details = options.details;
  }

  toJSON(): { code: ErrorCode; message: string; details?: Record<string, unknown> } {
    return this.details === undefined
      ? { code: this.code, message: this.message }
      : { code: this.code, message: this.message, details: this.details };
  }
}

export function isAgentcrateError(value: unknown): value is AgentcrateError {
  return value instanceof AgentcrateError;
}

/** Wraps anything thrown into an AgentcrateError without losing the original. */
export function toAgentcrateError(value: unknown, fallback: ErrorCode = 'E_INTERNAL'): AgentcrateError {
  if (value instanceof AgentcrateError) return value;
  const message = value instanceof Error ? value.message : String(value);
  return new AgentcrateError(fallback, message, { cause: value });
}
