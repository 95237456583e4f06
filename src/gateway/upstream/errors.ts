/**
 * One error type for every way an upstream attempt can fail, and the one decision that
 * follows from it: fall back (and retry) on rate limits, server errors, timeouts, stalls,
 * broken connections and malformed answers; never on the other 4xx, which are the request's
 * own fault and go back to the client as the upstream said them.
 */
import { errorStatus, isRetryableError, retryAfterMs } from '../../models/retry.js';

export { retryAfterFromHeaders } from '../../models/retry.js';

export type FailureKind =
  /** The upstream answered with a non-2xx status. */
  | 'status'
  /** No connection within connect_ms, or it was refused or reset before an answer. */
  | 'connect'
  /** No first token (or headers) within first_token_ms. */
  | 'first-token-timeout'
  /** A stream went quiet for idle_ms. */
  | 'stall'
  /** The whole request ran out of total_ms. */
  | 'total-timeout'
  /** The connection closed before the answer was complete. */
  | 'closed'
  /** The answer was not valid JSON / SSE. */
  | 'malformed'
  /** The upstream has no key or cannot be built; no call was made. */
  | 'unavailable'
  /** The circuit of the upstream is open; no call was made. */
  | 'circuit-open';

export class UpstreamError extends Error {
  readonly kind: FailureKind;
  readonly status: number | undefined;
  /** What the upstream asked for through Retry-After, when it did. */
  readonly retryAfterMs: number | undefined;
  /** The upstream's own response body (4xx passthrough). */
  readonly body: string | undefined;
  readonly contentType: string | undefined;

  constructor(
    kind: FailureKind,
    message: string,
    options: {
      status?: number;
      retryAfterMs?: number;
      body?: string;
      contentType?: string;
      cause?: unknown;
    } = {},
  ) {
    super(message, options.cause === undefined ? undefined : { cause: options.cause });
    this.name = 'UpstreamError';
    this.kind = kind;
    this.status = options.status;
    this.retryAfterMs = options.retryAfterMs;
    this.body = options.body;
    this.contentType = options.contentType;
  }

  /** Another target (or another attempt) may succeed where this one failed. */
  get fallbackable(): boolean {
    if (this.kind !== 'status') return true;
    const s = this.status ?? 500;
    return s === 408 || s === 429 || s >= 500;
  }

  /** Counts against the upstream's circuit (a request error is not the upstream's fault). */
  get countsAsFailure(): boolean {
    return this.fallbackable && this.kind !== 'unavailable' && this.kind !== 'circuit-open';
  }
}

const CONNECT_CODES = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
  'ETIMEDOUT',
]);

/** Whether an attempt was called off, and why: its `Cancellation` or a web `AbortSignal`. */
export interface Aborted {
  readonly aborted: boolean;
  readonly reason: unknown;
}

/**
 * A thrown transport error as the UpstreamError it means. `answered`: the upstream had begun
 * answering (a break is then `closed`, not `connect`). A timeout of the caller's is the
 * signal's reason and is returned as is.
 */
export function classify(error: unknown, signal: Aborted, name: string, answered: boolean): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (signal.aborted && signal.reason instanceof UpstreamError) return signal.reason;
  const code = errorCode(error);
  const message = error instanceof Error ? error.message : String(error);
  if (!answered && code !== undefined && CONNECT_CODES.has(code)) {
    return new UpstreamError('connect', `cannot connect to upstream '${name}': ${code}`, { cause: error });
  }
  return new UpstreamError(
    answered ? 'closed' : 'connect',
    `upstream '${name}' ${answered ? 'broke off the answer' : 'closed the connection'}: ${code ?? message}`,
    { cause: error },
  );
}

function errorCode(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 6; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string') return code;
    current = current.cause;
  }
  return undefined;
}

/**
 * An AI SDK error (SDK upstreams) as an UpstreamError: a non-2xx answer keeps its status,
 * retry-after and body; an answer the SDK could not read is malformed; the rest is transport.
 */
export function fromSdkError(
  error: unknown,
  upstream: string,
  signal: Aborted,
  answered: boolean,
): UpstreamError {
  if (error instanceof UpstreamError) return error;
  if (signal.aborted && signal.reason instanceof UpstreamError) return signal.reason;
  const status = errorStatus(error);
  const message = error instanceof Error ? error.message : String(error);
  if (status !== undefined && (status < 200 || status >= 300)) {
    const body = responseBody(error);
    const wait = retryAfterMs(error);
    return new UpstreamError('status', `upstream '${upstream}' answered ${status}: ${message}`, {
      status,
      ...(wait !== undefined ? { retryAfterMs: wait } : {}),
      ...(body !== undefined ? { body, contentType: 'application/json' } : {}),
      cause: error,
    });
  }
  if (status !== undefined || /json|parse|validation|no content/i.test(message) || !isRetryableError(error)) {
    return new UpstreamError(
      'malformed',
      `upstream '${upstream}' gave an answer that cannot be read: ${message}`,
      {
        cause: error,
      },
    );
  }
  return classify(error, signal, upstream, answered);
}

function responseBody(error: unknown): string | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    const body = (current as { responseBody?: unknown }).responseBody;
    if (typeof body === 'string' && body !== '') return body;
    current = current.cause;
  }
  return undefined;
}
