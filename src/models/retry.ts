/**
 * Transport retry policy for model calls. The AI SDK's own retries are switched off
 * (`maxRetries: 0`) so this is the single place that decides what is worth another try,
 * how long to wait (exponential backoff with full jitter, or the server's Retry-After), and
 * when to give up. Kept free of provider knowledge so it is testable on plain errors.
 */
import { APICallError, EmptyResponseBodyError, InvalidResponseDataError } from '@ai-sdk/provider';
import { AgentcrateError } from '../errors.js';

export interface RetryOptions {
  /** Extra attempts after the first (0 → one attempt). */
  maxRetries: number;
  /** Aborting stops the waiting and the retrying at once. */
  signal?: AbortSignal;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  /** In [0, 1): the jitter source. */
  random?: () => number;
  /** First backoff ceiling (ms); doubles per retry. */
  baseDelayMs?: number;
  /** Backoff ceiling (ms). */
  maxDelayMs?: number;
  /** Longest Retry-After we honour (ms); longer asks are capped. */
  maxRetryAfterMs?: number;
  /** Told before each wait, e.g. for logs or to count attempts. */
  onRetry?: (info: { attempt: number; delayMs: number; error: unknown }) => void;
  now?: () => number;
}

export const DEFAULT_BASE_DELAY_MS = 500;
export const DEFAULT_MAX_DELAY_MS = 20_000;
export const DEFAULT_MAX_RETRY_AFTER_MS = 60_000;

/** Runs `fn` (given the 1-based attempt number) until it succeeds or retrying stops making sense. */
export async function withRetry<T>(fn: (attempt: number) => Promise<T>, options: RetryOptions): Promise<T> {
  const sleep = options.sleep ?? abortableSleep;
  const random = options.random ?? Math.random;
  const maxRetries = Math.max(0, Math.floor(options.maxRetries));
  for (let attempt = 1; ; attempt++) {
    try {
      return await fn(attempt);
    } catch (error) {
      if (options.signal?.aborted) throw error;
      if (attempt > maxRetries || !isRetryableError(error)) throw error;
      const delayMs = retryDelayMs(error, attempt, {
        random,
        baseDelayMs: options.baseDelayMs ?? DEFAULT_BASE_DELAY_MS,
        maxDelayMs: options.maxDelayMs ?? DEFAULT_MAX_DELAY_MS,
        maxRetryAfterMs: options.maxRetryAfterMs ?? DEFAULT_MAX_RETRY_AFTER_MS,
        now: options.now ?? Date.now,
      });
      options.onRetry?.({ attempt, delayMs, error });
      await sleep(delayMs, options.signal);
    }
  }
}

/** The wait before retry number `attempt` (1-based): Retry-After when given, else jittered backoff. */
export function retryDelayMs(
  error: unknown,
  attempt: number,
  options: {
    random: () => number;
    baseDelayMs: number;
    maxDelayMs: number;
    maxRetryAfterMs: number;
    now: () => number;
  },
): number {
  const asked = retryAfterMs(error, options.now());
  if (asked !== undefined) return Math.min(asked, options.maxRetryAfterMs);
  return backoffDelayMs(attempt, options);
}

/** Exponential backoff with full jitter before retry number `attempt` (1-based). */
export function backoffDelayMs(
  attempt: number,
  options: { random: () => number; baseDelayMs: number; maxDelayMs: number },
): number {
  const ceiling = Math.min(options.maxDelayMs, options.baseDelayMs * 2 ** (attempt - 1));
  // Full jitter: spreads synchronized clients (parallel nodes hitting one rate limit) apart.
  return Math.floor(options.random() * ceiling);
}

/** What the server asked for through `retry-after-ms` or `retry-after` (seconds or HTTP date). */
export function retryAfterMs(error: unknown, now: number = Date.now()): number | undefined {
  const headers = responseHeaders(error);
  return headers === undefined ? undefined : retryAfterFromHeaders(headers, now);
}

/** The wait asked for by response headers (names lower-case): `retry-after-ms`, else `retry-after`. */
export function retryAfterFromHeaders(
  headers: Readonly<Record<string, string | undefined>>,
  now: number = Date.now(),
): number | undefined {
  const ms = headers['retry-after-ms'];
  if (ms !== undefined && ms.trim() !== '') {
    const value = Number(ms);
    if (Number.isFinite(value) && value >= 0) return value;
  }
  const after = headers['retry-after'];
  if (after === undefined || after.trim() === '') return undefined;
  const seconds = Number(after);
  if (Number.isFinite(seconds)) return seconds >= 0 ? seconds * 1000 : undefined;
  const date = Date.parse(after);
  if (Number.isNaN(date)) return undefined;
  return Math.max(0, date - now);
}

const RETRYABLE_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'ETIMEDOUT',
  'EPIPE',
  'EAI_AGAIN',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_CONNECT_TIMEOUT',
  'ConnectionRefused',
  'ConnectionClosed',
  'FailedToOpenSocket',
]);

const RETRYABLE_MESSAGES = [
  'socket hang up',
  'fetch failed',
  'terminated',
  'other side closed',
  'invalid json response',
  'cannot connect to api',
];

/** True for failures of the transport or the server, false for failures of the request itself. */
export function isRetryableError(error: unknown): boolean {
  if (error instanceof AgentcrateError) return false;
  if (error instanceof ModelCallTimeoutError) return true;
  if (APICallError.isInstance(error)) {
    const status = error.statusCode;
    if (status !== undefined && status >= 400 && status < 500) return status === 408 || status === 429;
    if (status !== undefined && status >= 500) return true;
    if (error.isRetryable) return true;
  }
  if (EmptyResponseBodyError.isInstance(error)) return true;
  // A well-formed answer with nothing usable in it (`choices: []`): as malformed as bad JSON.
  if (InvalidResponseDataError.isInstance(error)) return true;
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    const code = (current as { code?: unknown }).code;
    if (typeof code === 'string' && RETRYABLE_CODES.has(code)) return true;
    const message = current.message.toLowerCase();
    if (RETRYABLE_MESSAGES.some((m) => message.includes(m))) return true;
    if (current.name === 'TimeoutError') return true;
    current = current.cause;
  }
  return false;
}

/** HTTP status of the failure, when the server answered. */
export function errorStatus(error: unknown): number | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    if (APICallError.isInstance(current)) return current.statusCode;
    current = current.cause;
  }
  return undefined;
}

function responseHeaders(error: unknown): Record<string, string> | undefined {
  for (let current: unknown = error, depth = 0; current instanceof Error && depth < 8; depth++) {
    if (APICallError.isInstance(current) && current.responseHeaders !== undefined) {
      // Header names are case-insensitive; providers differ in how they hand them over.
      const out: Record<string, string> = {};
      for (const [key, value] of Object.entries(current.responseHeaders)) out[key.toLowerCase()] = value;
      return out;
    }
    current = current.cause;
  }
  return undefined;
}

/** A single model call took longer than the per-call timeout (not the run's own deadline). */
export class ModelCallTimeoutError extends Error {
  readonly code = 'ETIMEDOUT';
  readonly timeoutMs: number;
  constructor(timeoutMs: number) {
    super(`no answer within ${timeoutMs} ms`);
    this.name = 'ModelCallTimeoutError';
    this.timeoutMs = timeoutMs;
  }
}

/** setTimeout as a promise that rejects with the signal's reason when aborted. */
export function abortableSleep(ms: number, signal?: AbortSignal): Promise<void> {
  return new Promise((resolve, reject) => {
    if (signal?.aborted) {
      reject(signal.reason);
      return;
    }
    const onAbort = (): void => {
      clearTimeout(timer);
      reject(signal?.reason);
    };
    const timer = setTimeout(() => {
      signal?.removeEventListener('abort', onAbort);
      resolve();
    }, ms);
    signal?.addEventListener('abort', onAbort, { once: true });
  });
}
