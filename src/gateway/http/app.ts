/**
 * `createGatewayApp`: the gateway as a Hono app with no socket (tests use `app.request()`,
 * `serve.ts` puts it on @hono/node-server). Request ids, the chat route, models, operations.
 */
import { type Context, Hono } from 'hono';
import { isAgentcrateError } from '../../errors.js';
import { DEFAULT_IDLE_TRIM_MS, IdleTrim, type TrimResult } from '../../http/idle-trim.js';
import { presentedToken } from '../../http/presented-token.js';
import { requestCheck, requestGuard } from '../../http/request-guard.js';
import { abortableSleep } from '../../models/retry.js';
import { createRedactor } from '../../secrets/index.js';
import { VERSION } from '../../version.js';
import type { GatewayConfig } from '../config/types.js';
import { KeyGate } from '../keys/gate.js';
import type { GatewayKeyStore } from '../keys/store.js';
import { type GatewayLogger, silentGatewayLogger } from '../ops/log.js';
import { GatewayMetrics } from '../ops/metrics.js';
import { type UpstreamFactory, UpstreamPool } from '../routing/pool.js';
import type { DispatchDeps } from '../routing/record.js';
import { Router } from '../routing/router.js';
import { DEFAULT_GATEWAY_IDLE_TRIM_MS } from '../settings.js';
import { chatCompletions } from './chat.js';
import type { GatewayContext } from './context.js';
import { errorReply, errorResponse } from './errors.js';
import type { ChatReply } from './exchange.js';
import { honoExchange, replyResponse } from './hono-chat.js';
import { type NodeHandler, nodeChatHandler } from './node-chat.js';
import { registerOpsRoutes } from './ops.js';

export const DEFAULT_BODY_LIMIT_BYTES = 10 * 1024 * 1024;

export interface GatewayAppOptions {
  config: GatewayConfig;
  /** Opened key store; without one no key is ever required. */
  keyStore?: GatewayKeyStore;
  env?: Record<string, string | undefined>;
  logger?: GatewayLogger;
  bodyLimitBytes?: number;
  /** Builds upstream clients (tests swap transports). */
  upstreamFactory?: UpstreamFactory;
  now?: () => number;
  random?: () => number;
  sleep?: (ms: number, signal?: AbortSignal) => Promise<void>;
  version?: string;
  /** The address the server is bound to (served as a Host value) and more Host values to serve without keys. */
  boundHost?: string;
  allowedHosts?: readonly string[];
  /** Quiet time (ms) after which memory grown by work is given back (src/http/idle-trim.ts); 0 never. */
  idleTrimMs?: number;
  /** Quiet time (ms) after start before start-up garbage is given back (default: the server's; 0: never). */
  startupTrimMs?: number;
}

export interface GatewayApp {
  app: Hono;
  context: GatewayContext;
  /**
   * The `node:http` handler a server uses: chat requests answered on the fast path
   * (node-chat.ts), everything else handed to `other` (the Hono app's listener).
   */
  nodeHandler(other: NodeHandler): NodeHandler;
  close(): Promise<void>;
}

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;

export function createGatewayApp(options: GatewayAppOptions): GatewayApp {
  const config = options.config;
  const env = options.env ?? process.env;
  const now = options.now ?? (() => performance.now());
  const pool = new UpstreamPool(config, options.upstreamFactory);
  const upstreamKeys = pool.all().flatMap((u) => (u.config.apiKey !== undefined ? [u.config.apiKey] : []));
  const redact = createRedactor({ env, secrets: upstreamKeys });
  const deps: DispatchDeps = {
    pool,
    prices: config.prices,
    redact,
    midStreamFailover: config.midStreamFailover,
    now,
    random: options.random ?? Math.random,
    sleep: options.sleep ?? abortableSleep,
  };
  const gate = new KeyGate(
    config.keys.require === 'never' ? undefined : options.keyStore,
    config.keys.require,
  );
  const context: GatewayContext = {
    config,
    router: new Router(config, deps.random),
    pool,
    gate,
    keyStore: options.keyStore,
    metrics: new GatewayMetrics(),
    logger: options.logger ?? silentGatewayLogger,
    deps,
    bodyLimitBytes: options.bodyLimitBytes ?? config.server.bodyLimitBytes ?? DEFAULT_BODY_LIMIT_BYTES,
    version: options.version ?? VERSION,
  };

  const app = new Hono();
  const trimOptions = {
    busy: () => context.metrics.inFlight > 0,
    onTrim: (r: TrimResult) =>
      context.logger.info(
        {
          rssBeforeMb: Math.round(r.rssBefore / 1048576),
          rssAfterMb: Math.round(r.rssAfter / 1048576),
          ms: Math.round(r.ms),
        },
        'idle: memory trimmed',
      ),
  };
  const trimMs = options.idleTrimMs ?? DEFAULT_GATEWAY_IDLE_TRIM_MS;
  const idle = new IdleTrim({ ...trimOptions, delayMs: trimMs });
  // Start-up garbage (configuration parsing, module loading) goes soon after start, once.
  const startup = new IdleTrim({
    ...trimOptions,
    delayMs: trimMs === 0 ? 0 : (options.startupTrimMs ?? DEFAULT_IDLE_TRIM_MS),
  });
  startup.touch();
  app.use('*', async (_c, next) => {
    idle.enter();
    try {
      await next();
    } finally {
      idle.leave();
    }
  });
  // Host, Origin and content type, as every agentcrate server checks them (src/http/).
  const guardOptions = {
    authenticated: () => gate.required,
    allowedHosts: [...config.server.allowedHosts, ...(options.allowedHosts ?? [])],
    ...(options.boundHost !== undefined ? { boundHost: options.boundHost } : {}),
    hostHint:
      'add it with --allowed-hosts (GATEWAY_ALLOWED_HOSTS, server.allowed_hosts), or create a key (agentcrate gateway keys create)',
  };
  app.use('*', requestGuard(guardOptions));
  const chat = async (c: Context): Promise<Response> =>
    replyResponse(await chatCompletions(honoExchange(c), context, requestIdOf(c.req.header('x-request-id'))));
  app.post('/v1/chat/completions', chat);
  app.post('/chat/completions', chat);
  const models = (c: { req: { header(name: string): string | undefined } }): Response => {
    const requestId = requestIdOf(c.req.header('x-request-id'));
    let allowed: string[] | undefined;
    if (gate.required) {
      const found = gate.authenticate(
        presentedToken(c.req.header('authorization'), c.req.header('x-api-key')),
      );
      if ('status' in found) {
        return errorResponse(
          { status: found.status, type: 'authentication_error', code: found.code, message: found.message },
          requestId,
        );
      }
      allowed = found.record.models;
    }
    const data = context.router
      .modelNames()
      .filter((m) => allowed === undefined || allowed.includes(m.id))
      .map((m) => ({ id: m.id, object: 'model', created: 0, owned_by: m.ownedBy }));
    return Response.json({ object: 'list', data }, { headers: { 'x-request-id': requestId } });
  };
  app.get('/v1/models', (c) => models(c));
  app.get('/models', (c) => models(c));
  registerOpsRoutes(app, context);
  app.notFound((c) =>
    errorResponse(
      {
        status: 404,
        type: 'invalid_request_error',
        code: 'not_found',
        message: `no route ${c.req.method} ${c.req.path}`,
      },
      requestIdOf(c.req.header('x-request-id')),
    ),
  );
  // A refusal of the request guard in the gateway's own error format, or a 500 for a bug.
  const thrownReply = (error: unknown, requestId: string): ChatReply => {
    if (
      isAgentcrateError(error) &&
      (error.code === 'E_FORBIDDEN' || error.code === 'E_UNSUPPORTED_MEDIA_TYPE')
    ) {
      const status = error.code === 'E_FORBIDDEN' ? 403 : 415;
      context.metrics.refused(error.code === 'E_FORBIDDEN' ? 'forbidden' : 'unsupported_media_type', status);
      return errorReply(
        {
          status,
          type: status === 403 ? 'permission_error' : 'invalid_request_error',
          code: status === 403 ? 'forbidden' : 'unsupported_media_type',
          message: error.message,
        },
        requestId,
      );
    }
    context.logger.error({ reqId: requestId, err: redact(String(error)) }, 'gateway error');
    return errorReply(
      {
        status: 500,
        type: 'api_error',
        code: 'internal_error',
        message: 'internal gateway error; see the gateway log',
      },
      requestId,
    );
  };
  app.onError((error, c) => replyResponse(thrownReply(error, requestIdOf(c.req.header('x-request-id')))));
  const check = requestCheck(guardOptions);
  const nodeHandler = (other: NodeHandler): NodeHandler =>
    nodeChatHandler(
      {
        defaultHost: options.boundHost ?? 'localhost',
        check,
        requestIdOf,
        run: (exchange, requestId) => chatCompletions(exchange, context, requestId),
        errorReply: thrownReply,
        enter: () => idle.enter(),
        leave: () => idle.leave(),
      },
      other,
    );

  let closing: Promise<void> | undefined;
  return {
    app,
    context,
    nodeHandler,
    close() {
      closing ??= (async () => {
        idle.stop();
        startup.stop();
        gate.close();
        await pool.close();
        await options.keyStore?.close();
      })();
      return closing;
    },
  };
}

// node:crypto, loaded by the first request that needs an id rather than with the gateway.
let crypto: typeof import('node:crypto') | undefined;

function requestIdOf(incoming: string | undefined): string {
  if (incoming !== undefined && SANE_REQUEST_ID.test(incoming)) return incoming;
  crypto ??= process.getBuiltinModule('node:crypto');
  return crypto.randomUUID();
}
