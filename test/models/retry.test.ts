import { APICallError } from 'ai';
import { describe, expect, it } from 'vitest';
import { AgentcrateError } from '../../src/errors.js';
import {
  isRetryableError,
  ModelCallTimeoutError,
  retryAfterMs,
  retryDelayMs,
  withRetry,
} from '../../src/models/retry.js';

function apiError(
  statusCode: number | undefined,
  headers?: Record<string, string>,
  message = 'boom',
): APICallError {
  return new APICallError({
    message,
    url: 'http://x',
    requestBodyValues: {},
    statusCode,
    responseHeaders: headers,
  });
}

const delayOptions = {
  random: () => 0.999,
  baseDelayMs: 500,
  maxDelayMs: 20_000,
  maxRetryAfterMs: 60_000,
  now: () => Date.parse('2030-01-01T00:00:00Z'),
};

describe('retry classification', () => {
  it('retries 408, 429, 5xx, resets, timeouts and malformed bodies; not 400/401/403/404', () => {
    for (const status of [408, 429, 500, 502, 503]) expect(isRetryableError(apiError(status))).toBe(true);
    for (const status of [400, 401, 403, 404, 422]) expect(isRetryableError(apiError(status))).toBe(false);
    const reset = Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' });
    expect(isRetryableError(new TypeError('fetch failed', { cause: reset }))).toBe(true);
    expect(isRetryableError(new Error('socket hang up'))).toBe(true);
    expect(isRetryableError(new ModelCallTimeoutError(10))).toBe(true);
    expect(isRetryableError(apiError(200, undefined, 'Invalid JSON response'))).toBe(true);
    expect(isRetryableError(new AgentcrateError('E_MODEL', 'x'))).toBe(false);
    expect(isRetryableError(new Error('schema mismatch'))).toBe(false);
  });
});

describe('retry delays', () => {
  it('backs off exponentially from 500 ms with full jitter, capped at 20 s', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelayMs(apiError(500), n, delayOptions));
    expect(delays).toEqual([499, 999, 1998, 3996, 7992, 15984, 19980, 19980]);
    expect(retryDelayMs(apiError(500), 3, { ...delayOptions, random: () => 0 })).toBe(0);
  });

  it('honours Retry-After in seconds, as an HTTP date, and retry-after-ms; capped at 60 s', () => {
    expect(retryAfterMs(apiError(429, { 'retry-after': '2' }))).toBe(2000);
    expect(retryAfterMs(apiError(429, { 'Retry-After-Ms': '150' }))).toBe(150);
    const now = Date.parse('2030-01-01T00:00:00Z');
    expect(retryAfterMs(apiError(503, { 'retry-after': 'Tue, 01 Jan 2030 00:00:05 GMT' }), now)).toBe(5000);
    expect(retryDelayMs(apiError(429, { 'retry-after': '3600' }), 1, delayOptions)).toBe(60_000);
    expect(retryAfterMs(apiError(429, { 'retry-after': 'soon' }))).toBeUndefined();
  });
});

describe('withRetry', () => {
  it('stops at once on a non-retryable error', async () => {
    let calls = 0;
    const error = await withRetry(
      async () => {
        calls++;
        throw apiError(401);
      },
      { maxRetries: 5, sleep: async () => {} },
    ).catch((e: unknown) => e);
    expect(calls).toBe(1);
    expect((error as APICallError).statusCode).toBe(401);
  });

  it('makes maxRetries + 1 attempts then rethrows the last error', async () => {
    const waits: number[] = [];
    let calls = 0;
    await expect(
      withRetry(
        async () => {
          calls++;
          throw apiError(503);
        },
        { maxRetries: 2, sleep: async (ms) => void waits.push(ms), random: () => 0.5 },
      ),
    ).rejects.toThrow('boom');
    expect(calls).toBe(3);
    expect(waits).toEqual([250, 500]);
  });

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController();
    const started = Date.now();
    setTimeout(() => controller.abort(new Error('cancelled')), 30);
    await expect(
      withRetry(
        async () => {
          throw apiError(429, { 'retry-after': '30' });
        },
        { maxRetries: 3, signal: controller.signal },
      ),
    ).rejects.toThrow('cancelled');
    expect(Date.now() - started).toBeLessThan(2000);
  });
});
