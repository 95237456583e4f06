/**
 * `POST /v1/chat/completions`: read and check the request, authenticate the virtual key and
 * apply its limits, pick the plan for `model`, dispatch (plain or streaming), then write the
 * one log line, the metrics and the key's usage from the request's record. Carrier-neutral:
 * it reads a `ChatExchange` and returns a `ChatReply` (exchange.ts).
 */

import { presentedToken } from '../../http/presented-token.js';
import type { LiveKey } from '../keys/gate.js';
import type { ChatRequest } from '../openai/types.js';
import { requestLogFields } from '../ops/log.js';
import { ClientGoneError, startRequestClock } from '../routing/attempt.js';
import { dispatchComplete } from '../routing/complete.js';
import { newRecord, type RequestRecord } from '../routing/record.js';
import { relayStream } from '../stream/relay.js';
import { UpstreamError } from '../upstream/errors.js';
import { BodyTooLargeError } from './body.js';
import type { GatewayContext } from './context.js';
import { dispatchFailure, errorReply, passthrough } from './errors.js';
import { type ChatExchange, type ChatReply, StreamBuffer } from './exchange.js';

export async function chatCompletions(
  c: ChatExchange,
  ctx: GatewayContext,
  requestId: string,
): Promise<ChatReply> {
  const startedAt = ctx.deps.now();
  const refuse = (
    status: number,
    type: string,
    code: string,
    message: string,
    retryAfterSeconds?: number,
  ): ChatReply => {
    ctx.metrics.refused(code, status);
    ctx.logger.info(
      {
        reqId: requestId,
        method: 'POST',
        path: c.path,
        status,
        code,
        ms: Math.round(ctx.deps.now() - startedAt),
      },
      message,
    );
    return errorReply(
      { status, type, code, message, ...(retryAfterSeconds !== undefined ? { retryAfterSeconds } : {}) },
      requestId,
    );
  };

  let key: LiveKey | undefined;
  if (ctx.gate.required) {
    const found = ctx.gate.authenticate(presentedToken(c.header('authorization'), c.header('x-api-key')));
    if ('status' in found) return refuse(found.status, 'authentication_error', found.code, found.message);
    key = found;
  }

  let body: ChatRequest;
  try {
    const text = await c.readBody(ctx.bodyLimitBytes);
    body = JSON.parse(text) as ChatRequest;
  } catch (error) {
    if (error instanceof BodyTooLargeError)
      return refuse(413, 'invalid_request_error', 'request_too_large', error.message);
    return refuse(400, 'invalid_request_error', 'invalid_json', 'the request body is not valid JSON');
  }
  const problem = checkRequest(body);
  if (problem !== undefined) return refuse(400, 'invalid_request_error', 'invalid_request', problem);

  const plan = ctx.router.plan(body.model);
  if (plan === undefined) {
    const names = ctx.router.modelNames().map((m) => m.id);
    return refuse(
      404,
      'invalid_request_error',
      'model_not_found',
      `no route or upstream serves model '${body.model}'${names.length > 0 ? `; known: ${names.slice(0, 20).join(', ')}` : '; ask for upstream/model'}`,
    );
  }
  if (key !== undefined) {
    const refusal = ctx.gate.admit(key, plan.alias);
    if (refusal !== undefined) {
      const type = refusal.status === 403 ? 'permission_error' : 'rate_limit_error';
      return refuse(refusal.status, type, refusal.code, refusal.message, refusal.retryAfterSeconds);
    }
  }

  const record = newRecord(requestId, body.stream === true);
  record.alias = plan.alias;
  if (key !== undefined) record.keyId = key.record.id;
  const clock = startRequestClock(c.watch, plan.totalMs, ctx.deps.now);
  ctx.metrics.inFlight += 1;
  const finish = (): void => {
    clock.stop();
    const ms = ctx.deps.now() - startedAt;
    // The accounting and the log line are done once the answer has gone out (after the
    // carrier's write, in the same turn of the event loop): neither changes the answer, and
    // together they took longer than the rest of a proxied request (BENCHMARKS.md, gateway).
    const path = c.path;
    setImmediate(() => {
      ctx.metrics.inFlight -= 1;
      ctx.metrics.observe(record, ms);
      if (key !== undefined) ctx.gate.settle(key, record.usage, record.costUsd);
      const fields = requestLogFields(record, 'POST', path, ms);
      if (record.status >= 500 || record.streamEnd === 'error-event' || record.failovers.length > 0)
        ctx.logger.warn(fields, 'chat');
      else ctx.logger.info(fields, 'chat');
    });
  };

  if (body.stream !== true) {
    try {
      const result = await dispatchComplete(plan, body, ctx.deps, record, clock);
      record.status = 200;
      return {
        status: 200,
        headers: {
          'content-type': 'application/json; charset=utf-8',
          'x-request-id': requestId,
          'x-gateway-upstream': record.upstream ?? '',
          'x-gateway-attempts': String(record.attempts.length),
        },
        body: result.body,
      };
    } catch (error) {
      return failed(error, record, requestId, ctx);
    } finally {
      finish();
    }
  }
  return stream(plan, body, record, clock, ctx, requestId, finish);
}

async function stream(
  plan: NonNullable<ReturnType<GatewayContext['router']['plan']>>,
  body: ChatRequest,
  record: RequestRecord,
  clock: ReturnType<typeof startRequestClock>,
  ctx: GatewayContext,
  requestId: string,
  finish: () => void,
): Promise<ChatReply> {
  let markStarted!: () => void;
  const started = new Promise<'started'>((resolve) => {
    markStarted = () => resolve('started');
  });
  const sink = new StreamBuffer(() => markStarted());
  const relay = relayStream(plan, body, ctx.deps, record, clock, sink).then(
    () => 'done' as const,
    (error: unknown) => error,
  );
  const first = await Promise.race([started, relay]);
  if (first === 'started') {
    void relay.then((outcome) => {
      if (outcome !== 'done') {
        // A relay bug after the stream began: end it rather than leave the client hanging.
        record.status = 500;
        record.error = String(outcome);
        sink.end();
      }
      finish();
    });
    return {
      status: 200,
      headers: {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache',
        'x-accel-buffering': 'no',
        'x-request-id': requestId,
      },
      stream: sink,
    };
  }
  try {
    if (first === 'done')
      return failed(new Error('the stream ended before it began'), record, requestId, ctx);
    return failed(first, record, requestId, ctx);
  } finally {
    finish();
  }
}

function failed(error: unknown, record: RequestRecord, requestId: string, ctx: GatewayContext): ChatReply {
  if (error instanceof ClientGoneError) {
    record.status = 499;
    return { status: 499, headers: {}, body: null };
  }
  const info = dispatchFailure(error, ctx.deps.redact);
  if (info instanceof UpstreamError) {
    record.status = info.status ?? 400;
    record.error = ctx.deps.redact(info.message);
    return passthrough(info, requestId, ctx.deps.redact);
  }
  record.status = info.status;
  record.error = info.message;
  if (info.status === 500) ctx.logger.error({ reqId: requestId, err: String(error) }, 'gateway error');
  return errorReply(info, requestId, {
    attempts: record.attempts.map((a) => ({
      upstream: a.upstream,
      outcome: a.outcome,
      ...(a.status !== undefined ? { status: a.status } : {}),
    })),
  });
}

/** The request's problem in words, or undefined when it can be routed. */
export function checkRequest(body: unknown): string | undefined {
  if (body === null || typeof body !== 'object' || Array.isArray(body))
    return 'the body must be a JSON object';
  const b = body as Record<string, unknown>;
  if (typeof b.model !== 'string' || b.model.trim() === '')
    return "'model' is required: a route alias or a model name";
  if (!Array.isArray(b.messages) || b.messages.length === 0) return "'messages' must be a non-empty list";
  for (const [i, m] of b.messages.entries()) {
    if (m === null || typeof m !== 'object' || typeof (m as { role?: unknown }).role !== 'string') {
      return `messages[${i}] must be an object with a 'role'`;
    }
  }
  if (b.stream !== undefined && typeof b.stream !== 'boolean') return "'stream' must be true or false";
  return undefined;
}
