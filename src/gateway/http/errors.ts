/**
 * Errors the way OpenAI clients expect them: `{error: {message, type, code, param}}` with the
 * matching status, so every SDK raises its usual exception (rate limit, auth, bad request).
 * One table maps each way a request can fail to its status, type and retry hint.
 */
import { TargetsExhaustedError } from '../routing/complete.js';
import { UpstreamError } from '../upstream/errors.js';
import type { ChatReply } from './exchange.js';

export interface GatewayErrorInfo {
  status: number;
  type: string;
  code: string;
  message: string;
  retryAfterSeconds?: number;
}

export function errorResponse(
  info: GatewayErrorInfo,
  requestId: string,
  extra: Record<string, unknown> = {},
): Response {
  const reply = errorReply(info, requestId, extra);
  return new Response(reply.body as string, { status: reply.status, headers: reply.headers });
}

/** The error as a carrier-neutral reply (the chat route's answers, `exchange.ts`). */
export function errorReply(
  info: GatewayErrorInfo,
  requestId: string,
  extra: Record<string, unknown> = {},
): ChatReply & { body: string } {
  const headers: Record<string, string> = {
    'content-type': 'application/json; charset=utf-8',
    'x-request-id': requestId,
  };
  if (info.retryAfterSeconds !== undefined) headers['retry-after'] = String(info.retryAfterSeconds);
  if (info.status === 401) headers['www-authenticate'] = 'Bearer';
  return {
    status: info.status,
    headers,
    body: JSON.stringify({
      error: { message: info.message, type: info.type, code: info.code, param: null, ...extra },
    }),
  };
}

const TYPE_BY_STATUS: Record<number, string> = {
  400: 'invalid_request_error',
  401: 'authentication_error',
  403: 'permission_error',
  404: 'invalid_request_error',
  413: 'invalid_request_error',
  429: 'rate_limit_error',
};

export function typeFor(status: number): string {
  return TYPE_BY_STATUS[status] ?? (status >= 500 ? 'api_error' : 'invalid_request_error');
}

/** What the client is told when dispatch failed before any answer. */
export function dispatchFailure(
  error: unknown,
  redact: (s: string) => string,
): GatewayErrorInfo | UpstreamError {
  if (error instanceof UpstreamError && !error.fallbackable) return error; // the upstream's own words
  const last =
    error instanceof TargetsExhaustedError ? error.last : error instanceof UpstreamError ? error : undefined;
  const message = redact(error instanceof Error ? error.message : String(error));
  const kind = last?.kind;
  if (kind === 'total-timeout' || kind === 'first-token-timeout' || kind === 'stall') {
    return { status: 504, type: 'timeout', code: 'upstream_timeout', message };
  }
  if (kind === 'status' && last?.status === 429) {
    return {
      status: 429,
      type: 'rate_limit_error',
      code: 'upstream_rate_limited',
      message,
      retryAfterSeconds: Math.max(1, Math.ceil((last.retryAfterMs ?? 1000) / 1000)),
    };
  }
  if (kind === 'circuit-open' || kind === 'unavailable') {
    return {
      status: 503,
      type: 'api_error',
      code: kind === 'circuit-open' ? 'circuit_open' : 'upstream_unavailable',
      message,
      retryAfterSeconds: 5,
    };
  }
  if (last === undefined)
    return {
      status: 500,
      type: 'api_error',
      code: 'internal_error',
      message: 'internal gateway error; see the gateway log',
    };
  return { status: 502, type: 'api_error', code: 'upstream_failed', message };
}

/** An upstream's request error passed on as it said it (its JSON body), or rebuilt when it sent none. */
export function passthrough(
  error: UpstreamError,
  requestId: string,
  redact: (s: string) => string,
): ChatReply {
  const status = error.status ?? 400;
  const body = error.body;
  if (body !== undefined && body !== '' && (error.contentType ?? '').includes('json')) {
    return {
      status,
      headers: { 'content-type': 'application/json; charset=utf-8', 'x-request-id': requestId },
      body: redact(body),
    };
  }
  return errorReply(
    { status, type: typeFor(status), code: 'upstream_request_error', message: redact(error.message) },
    requestId,
  );
}
