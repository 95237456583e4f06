/**
 * `createApp`: the whole HTTP API as a Hono app, with no socket. Tests drive it through
 * `app.request()`; `serve.ts` puts it on @hono/node-server. Everything per workflow (plan,
 * OpenAPI document, schema, docs page) is built here once, never per request.
 */
import { randomUUID } from 'node:crypto';
import type { ServerResponse } from 'node:http';
import { Hono } from 'hono';
import type { Workflow } from '../config/types.js';
import { compile, type Plan } from '../engine/index.js';
import { AgentcrateError } from '../errors.js';
import { IdleTrim } from '../http/idle-trim.js';
import { type RequestGuardOptions, requestCheck, requestGuard } from '../http/request-guard.js';
import type { ModelClient } from '../models/types.js';
import type { NetworkAccess } from '../net/index.js';
import type { CodeSandbox } from '../sandbox/types.js';
import type { Store } from '../store/index.js';
import { createTelemetry } from '../telemetry/setup.js';
import { createToolRegistry } from '../tools/index.js';
import type { ToolRegistry } from '../tools/types.js';
import { VERSION } from '../version.js';
import { createKeyCheck, presentedToken } from './auth.js';
import { type ApiStyle, compatErrorResponse, compatNotFound, registerCompatRoutes } from './compat/index.js';
import type { App, AppEnv, ServerContext } from './context.js';
import { docsPage } from './docs-page.js';
import { errorResponse, toHttpError } from './errors.js';
import { type Logger, silentLogger } from './logger.js';
import { Metrics } from './metrics.js';
import { type NodeHandler, nodeRunHandler } from './node-run.js';
import { openApiDocument, schemaDocument } from './openapi.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerMemoryRoutes } from './routes/memory.js';
import { registerMetaRoutes } from './routes/meta.js';
import { registerRunRoutes, runRoute } from './routes/run.js';
import { JobRunner } from './runner/index.js';
import { SERVER_SETTINGS } from './settings.js';
import { registerTraceRoutes } from './traces/routes.js';
import type { WebhookOptions } from './webhook.js';

/** The app's defaults: the server settings table's (one source for flags, env and these). */
export const DEFAULTS = {
  timeoutSeconds: SERVER_SETTINGS.timeoutSeconds.default,
  maxTimeoutSeconds: SERVER_SETTINGS.maxTimeoutSeconds.default,
  maxConcurrentRuns: SERVER_SETTINGS.maxConcurrentRuns.default,
  queueSize: SERVER_SETTINGS.queueSize.default,
  jobTtlSeconds: SERVER_SETTINGS.jobTtlSeconds.default,
  bodyLimitBytes: SERVER_SETTINGS.bodyLimitBytes.default,
  idleTrimMs: SERVER_SETTINGS.idleTrimMs.default,
  shutdownGraceMs: SERVER_SETTINGS.shutdownGraceSeconds.default * 1000,
} as const;

export interface AppOptions {
  workflow: Workflow;
  /**
   * `configurable-agents`: answer as that project's generated server does (src/server/compat/);
   * default `agentcrate`.
   */
  api?: ApiStyle;
  /** Reuse an already compiled plan (else compiled here, once). */
  plan?: Plan;
  store: Store;
  models: ModelClient;
  tools?: ToolRegistry;
  /**
   * Runs code nodes; made here (and loaded on the first call) when the workflow has any.
   * Its Python image for docker mode: AGENTCRATE_SANDBOX_IMAGE.
   */
  sandbox?: CodeSandbox;
  /** Environment for tools and credential checks (default process.env). */
  env?: Record<string, string | undefined>;
  cwd?: string;
  timeoutSeconds?: number;
  maxTimeoutSeconds?: number;
  maxConcurrentRuns?: number;
  queueSize?: number;
  /** Finished jobs are deleted after this long; 0 keeps them. */
  jobTtlSeconds?: number;
  cleanupIntervalMs?: number;
  /** When non-empty, every route but /health, /ready and /docs needs one of these keys. */
  apiKeys?: readonly string[];
  /**
   * Host values served without an API key besides loopback (`--allowed-hosts`): names, IPs or
   * CIDR ranges, `*` for any (src/http/request-guard.ts).
   */
  allowedHosts?: readonly string[];
  /** The address the server listens on: a specific IP is served as a Host value too. */
  host?: string;
  bodyLimitBytes?: number;
  /** Secret defaults to AGENTCRATE_WEBHOOK_SECRET. */
  webhook?: WebhookOptions;
  /**
   * What tools' and webhooks' outbound requests may reach beyond the public internet
   * (`allowPrivateNetwork` is `--allow-private-network`); default: nothing.
   */
  network?: NetworkAccess;
  logger?: Logger;
  /** One log line per request (debug-level cost is paid only when this is on). */
  logRequests?: boolean;
  /**
   * Quiet time (ms) after which memory grown by work is given back (a memory-reducing GC and
   * the store's caches; see idle-trim.ts). Default 500; 0 turns it off.
   */
  idleTrimMs?: number;
  /** How long `close()` lets running jobs finish before parking them. */
  shutdownGraceMs?: number;
  /** The store's lease lasts this long without a heartbeat (default 10 s; see Store.acquireLease). */
  leaseTtlMs?: number;
  /** Close the store in `close()` (default true). */
  closeStore?: boolean;
  /**
   * Traces of every run: `/traces`, `/ui` (rebuilt from the job's events) and OTLP export when
   * configured; default true. Off, the routes answer 404 and nothing is exported.
   */
  traces?: boolean;
  /** Capture prompts and responses in traces for every node (secrets redacted). */
  logPrompts?: boolean;
  /** Mounts more routes behind the same middleware (request id, auth, errors). */
  extraRoutes?: (app: App, ctx: ServerContext) => void;
  newId?: () => string;
}

export interface CreatedApp {
  app: App;
  runner: JobRunner;
  metrics: Metrics;
  context: ServerContext;
  /**
   * The `node:http` listener to serve the app with: POST /run on its fast path (node-run.ts),
   * every other request through `fallback` (the Hono adapter's listener).
   */
  nodeListener(fallback: NodeHandler): NodeHandler;
  /** Resumes jobs a previous process left and starts retention cleanup. */
  start(): Promise<{ recovered: number; queued: number }>;
  /** Stop accepting runs, let running ones finish within the grace period, park the rest, close the store. */
  close(graceMs?: number): Promise<void>;
}

const SANE_REQUEST_ID = /^[A-Za-z0-9._:-]{1,128}$/;
// /ui is a static page: it fetches /traces with the key the user pastes, so data stays protected.
/** Liveness and readiness probes (ours and --api configurable-agents'): answered whatever the Host. */
const PROBE_PATHS: ReadonlySet<string> = new Set(['/health', '/health/live', '/health/ready', '/ready']);
const OPEN_PATHS = new Set([...PROBE_PATHS, '/docs', '/ui']);

const mb = (bytes: number): number => Math.round(bytes / 104857.6) / 10;

/** The request id: the client's when sane, else a new one. */
const requestIdOf = (incoming: string | undefined): string =>
  incoming !== undefined && SANE_REQUEST_ID.test(incoming) ? incoming : randomUUID();

/** Variables the workflow's tools take credentials from, whatever their names say. */
function toolCredentialNames(workflow: Workflow, tools: ToolRegistry): string[] {
  const names = new Set<string>();
  for (const node of workflow.nodes) {
    for (const tool of node.tools) {
      const definition = tools.get(tool.canonical);
      for (const anyOf of definition?.requiredEnv({ ...node.toolConfig, ...tool.config }) ?? []) {
        for (const name of anyOf) names.add(name);
      }
    }
  }
  return [...names];
}

export async function createApp(options: AppOptions): Promise<CreatedApp> {
  const env = options.env ?? process.env;
  const workflow = options.workflow;
  const plan = options.plan ?? compile(workflow);
  const logger = options.logger ?? silentLogger;
  const metrics = new Metrics();
  const positive = (value: number | undefined, fallback: number, name: string): number => {
    const v = value ?? fallback;
    if (!Number.isFinite(v) || v < 0) {
      throw new AgentcrateError('E_USAGE', `${name} must be a number ≥ 0, got ${String(value)}`);
    }
    return v;
  };
  const maxConcurrentRuns = Math.max(
    1,
    Math.floor(positive(options.maxConcurrentRuns, DEFAULTS.maxConcurrentRuns, 'max concurrent runs')),
  );
  const apiKeyList = options.apiKeys ?? [];
  const tools = options.tools ?? createToolRegistry();
  const network = options.network ?? {};
  const webhookSecret = options.webhook?.secret ?? env[SERVER_SETTINGS.webhookSecret.env];
  // Always made: with traces off it still redacts every event the store, SSE and webhooks see.
  const telemetry = await createTelemetry({
    workflow,
    traces: options.traces !== false,
    storesEvents: true,
    env,
    capturePrompts: options.logPrompts === true,
    ...(workflow.config.observability.prices ? { prices: workflow.config.observability.prices } : {}),
    secrets: [...apiKeyList, webhookSecret],
    secretNames: toolCredentialNames(workflow, tools),
    onError: (error) =>
      logger.warn({ err: error instanceof Error ? error.message : String(error) }, 'trace export failed'),
  });
  const redact = telemetry.redact;
  // Only a workflow with code nodes loads the sandbox room (and, on the first call, Pyodide).
  let sandbox = options.sandbox;
  const ownSandbox = sandbox === undefined && workflow.nodes.some((n) => n.code !== undefined);
  if (ownSandbox) {
    const { createCodeSandbox } = await import('../sandbox/index.js');
    sandbox = createCodeSandbox({
      ...(env.AGENTCRATE_SANDBOX_IMAGE ? { dockerImage: env.AGENTCRATE_SANDBOX_IMAGE } : {}),
      ...(env.AGENTCRATE_PYODIDE_DIR ? { pyodideDir: env.AGENTCRATE_PYODIDE_DIR } : {}),
    });
  }
  const runner = new JobRunner({
    events: (jobId) => telemetry.eventsOf(jobId),
    redact,
    ...(options.logPrompts ? { logPrompts: true } : {}),
    store: options.store,
    plan,
    deps: {
      models: options.models,
      tools,
      env,
      cwd: options.cwd ?? process.cwd(),
      network,
      ...(sandbox ? { sandbox } : {}),
      // Memory lives in the job store, so a container keeps it on its volume.
      ...(workflow.nodes.some((n) => n.memory?.enabled) ? { memory: options.store.memory } : {}),
    },
    metrics,
    logger,
    maxConcurrentRuns,
    queueSize: Math.floor(positive(options.queueSize, DEFAULTS.queueSize, 'queue size')),
    jobTtlSeconds: positive(options.jobTtlSeconds, DEFAULTS.jobTtlSeconds, 'job TTL'),
    ...(options.cleanupIntervalMs !== undefined ? { cleanupIntervalMs: options.cleanupIntervalMs } : {}),
    webhook: { network, ...options.webhook, ...(webhookSecret ? { secret: webhookSecret } : {}) },
    ...(options.newId ? { newId: options.newId } : {}),
    ...(options.leaseTtlMs !== undefined ? { leaseTtlMs: options.leaseTtlMs } : {}),
  });

  const timeoutSeconds = positive(options.timeoutSeconds, DEFAULTS.timeoutSeconds, 'timeout');
  const context: ServerContext = {
    workflow,
    plan,
    store: options.store,
    runner,
    metrics,
    logger,
    models: options.models,
    tools,
    env,
    network,
    timeoutSeconds,
    maxTimeoutSeconds: Math.max(
      timeoutSeconds,
      positive(options.maxTimeoutSeconds, DEFAULTS.maxTimeoutSeconds, 'max timeout'),
    ),
    bodyLimitBytes: Math.floor(positive(options.bodyLimitBytes, DEFAULTS.bodyLimitBytes, 'body limit')),
    documents: {
      openapi: JSON.stringify(openApiDocument(workflow)),
      schema: JSON.stringify(schemaDocument(workflow)),
      docs: docsPage(workflow.flow.name),
      root: JSON.stringify({
        name: 'agentcrate',
        version: VERSION,
        workflow: {
          name: workflow.flow.name,
          description: workflow.flow.description ?? null,
          version: workflow.flow.version ?? null,
        },
        links: {
          run: '/run',
          status: '/status/{job_id}',
          jobs: '/jobs',
          events: '/jobs/{job_id}/events',
          memory: '/memory',
          schema: '/schema',
          openapi: '/openapi.json',
          docs: '/docs',
          health: '/health',
          ready: '/ready',
          metrics: '/metrics',
        },
      }),
    },
  };

  const compat = options.api === 'configurable-agents';
  const renderError = compat ? compatErrorResponse : errorResponse;
  const app: App = new Hono<AppEnv>();
  const logRequests = options.logRequests === true;
  const idle = new IdleTrim({
    delayMs: positive(options.idleTrimMs, DEFAULTS.idleTrimMs, 'idle trim delay'),
    busy: () => runner.inFlight > 0 || runner.queueDepth > 0,
    release: () => options.store.releaseMemory?.(),
    onTrim: (r) =>
      logger.debug(
        { rssBeforeMb: mb(r.rssBefore), rssAfterMb: mb(r.rssAfter), ms: Math.round(r.ms) },
        'idle: memory trimmed',
      ),
  });

  app.use('*', async (c, next) => {
    const requestId = requestIdOf(c.req.header('x-request-id'));
    c.set('requestId', requestId);
    metrics.httpRequests += 1;
    const started = logRequests ? performance.now() : 0;
    // Under @hono/node-server the id goes on Node's response, which joins it to whatever the
    // route answers: setting it on `c.res` would turn every answer's plain header record into
    // a fetch Headers object first. Elsewhere (app.request(), other runtimes) on `c.res`.
    const outgoing = (c.env as { outgoing?: ServerResponse } | undefined)?.outgoing;
    const direct = outgoing !== undefined && typeof outgoing.setHeader === 'function';
    if (direct) outgoing.setHeader('X-Request-Id', requestId);
    idle.enter();
    try {
      await next();
    } finally {
      idle.leave();
    }
    if (!direct) {
      try {
        c.res.headers.set('X-Request-Id', requestId);
      } catch {
        // immutable headers (a proxied response): the id is still in the log line
      }
    }
    if (logRequests) {
      logger.info(
        {
          reqId: requestId,
          method: c.req.method,
          path: c.req.path,
          status: c.res.status,
          ms: Math.round((performance.now() - started) * 10) / 10,
        },
        'request',
      );
    }
  });

  const keys = (options.apiKeys ?? []).filter((k) => k.trim() !== '');
  const guardOptions: RequestGuardOptions = {
    authenticated: keys.length > 0,
    anyHostPaths: PROBE_PATHS,
    ...(options.allowedHosts ? { allowedHosts: options.allowedHosts } : {}),
    ...(options.host ? { boundHost: options.host } : {}),
  };
  app.use('*', requestGuard(guardOptions));
  const keyCheck = keys.length > 0 ? createKeyCheck(keys) : undefined;
  /** The answer to a request without a valid API key (when keys are set), else undefined. */
  const refuseKey = (header: (name: string) => string | undefined): Response | undefined =>
    keyCheck === undefined || keyCheck(presentedToken(header('authorization'), header('x-api-key')))
      ? undefined
      : renderError(
          new AgentcrateError(
            'E_UNAUTHORIZED',
            'missing or invalid API key; send it as "Authorization: Bearer <key>"',
          ),
          { 'WWW-Authenticate': 'Bearer' },
        );
  if (keyCheck !== undefined) {
    app.use('*', async (c, next) => {
      if (OPEN_PATHS.has(c.req.path)) return next();
      return refuseKey((name) => c.req.header(name)) ?? next();
    });
  }

  if (compat) registerCompatRoutes(app, context);
  registerMetaRoutes(app, context);
  registerRunRoutes(app, context);
  registerJobRoutes(app, context);
  registerMemoryRoutes(app, context);
  if (options.traces !== false) {
    registerTraceRoutes(app, {
      store: options.store,
      apiKeys: apiKeyList,
      title: workflow.flow.name,
      read: { prices: telemetry.prices, redact, live: (id) => runner.liveEvents(id) },
    });
  } else {
    const off = () =>
      renderError(
        new AgentcrateError(
          'E_NOT_FOUND',
          'traces are off on this server (started with --no-traces / AGENTCRATE_TRACES=false)',
        ),
      );
    app.get('/traces', off);
    app.get('/traces/*', off);
    app.get('/ui', off);
  }
  options.extraRoutes?.(app, context);

  app.notFound((c) =>
    compat
      ? compatNotFound()
      : errorResponse(
          new AgentcrateError(
            'E_NOT_FOUND',
            `no route ${c.req.method} ${c.req.path}; see GET /docs for the API`,
            {
              details: { method: c.req.method, path: c.req.path },
            },
          ),
        ),
  );
  const onError = (error: unknown, requestId: string): Response => {
    const err = toHttpError(error);
    if (err.code === 'E_INTERNAL' || err.code === 'E_STORE') {
      logger.error(
        {
          reqId: requestId,
          code: err.code,
          err: (err.cause as Error | undefined)?.message ?? err.message,
        },
        'request failed',
      );
    }
    const headers: Record<string, string> = {};
    if (err.code === 'E_QUEUE_FULL') {
      headers['Retry-After'] = String(err.details?.retryAfterSeconds ?? 1);
    }
    if (err.code === 'E_UNAVAILABLE') headers['Retry-After'] = '5';
    if (err.code === 'E_STORE_UNAVAILABLE' || err.code === 'E_STORE_LOCKED') {
      // Not the request's fault, and passing: the store cannot write now (a full disk) or this
      // server lost it to another; the message says which.
      logger.warn({ reqId: requestId, code: err.code, err: err.message }, 'request refused: store');
      headers['Retry-After'] = String(err.details?.retryAfterSeconds ?? 5);
    }
    return renderError(err, headers);
  };
  app.onError((error, c) => onError(error, c.get('requestId')));

  // POST /run on node:http directly (node-run.ts); not for the configurable-agents API (its
  // own /run) or with a log line per request (the Hono middleware writes it).
  const fastRun = !compat && !logRequests;
  const guardCheck = fastRun ? requestCheck(guardOptions) : undefined;
  let closing: Promise<void> | undefined;
  return {
    app,
    runner,
    metrics,
    context,
    nodeListener: (fallback) =>
      guardCheck === undefined
        ? fallback
        : nodeRunHandler(
            {
              check: guardCheck,
              refuse: refuseKey,
              requestIdOf,
              count: () => {
                metrics.httpRequests += 1;
              },
              run: (req) => runRoute(req, context),
              errorResponse: onError,
              enter: () => idle.enter(),
              leave: () => idle.leave(),
            },
            fallback,
          ),
    async start() {
      const started = await runner.start();
      idle.touch(); // start-up garbage goes once the server is quiet
      return started;
    },
    close(graceMs = options.shutdownGraceMs ?? DEFAULTS.shutdownGraceMs) {
      idle.stop();
      closing ??= (async () => {
        await runner.shutdown(graceMs);
        // Spans still batched for export go out before the process ends.
        await telemetry.shutdown().catch(() => undefined);
        if (ownSandbox) await sandbox?.close();
        if (options.closeStore !== false) await options.store.close();
      })();
      return closing;
    },
  };
}
