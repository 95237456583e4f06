/**
 * `createStudioApp`: the studio as a Hono app with no socket (tests drive it with
 * `app.request()`; `serve.ts` binds it). Every route sits behind the access guard: Host,
 * token, Origin and content type (security.ts). Data routes live under `/api`; every other
 * path is the single page.
 */
import { join, resolve } from 'node:path';
import { Hono } from 'hono';
import { DockerRuntime } from '../deploy/runtime/docker.js';
import type { ContainerRuntime } from '../deploy/runtime/types.js';
import { AgentcrateError } from '../errors.js';
import type { ModelClient } from '../models/types.js';
import { createRedactor } from '../secrets/redact.js';
import { errorResponse, toHttpError } from '../server/errors.js';
import { type Logger, silentLogger } from '../server/logger.js';
import { registerTraceRoutes } from '../server/traces/routes.js';
import type { Store } from '../store/index.js';
import { loadPriceTable } from '../telemetry/prices.js';
import { VERSION } from '../version.js';
import { registerAssets } from './assets.js';
import type { DeployHooks, StudioContext } from './context.js';
import { RunHosts } from './hosts.js';
import { StoreOwnership } from './ownership.js';
import { registerCostRoutes } from './routes/costs.js';
import { registerDeployRoutes } from './routes/deploy.js';
import { registerJobRoutes } from './routes/jobs.js';
import { registerWorkflowRoutes } from './routes/workflows.js';
import { accessGuards } from './security.js';
import { Workspace } from './workspace.js';

export interface StudioOptions {
  /** The folder of workflow files. */
  dir: string;
  store: Store;
  /** What the page shows for the store (its path). */
  storeLabel?: string;
  /**
   * The store's owner lease (serve.ts claims it at start). Default: one taken on the first run,
   * released by the store's close.
   */
  ownership?: StoreOwnership;
  /** The access token (security.ts `newAccessToken()`). */
  token: string;
  /** The port served on: it names the cookie, so two studios on one host stay apart. */
  port: number;
  /** Host names served besides loopback. */
  allowedHosts?: readonly string[];
  /** The address the studio listens on (a specific one is served as a Host too). */
  boundHost?: string;
  /** Default `<dir>/deploy`. */
  deployDir?: string;
  deploy: DeployHooks;
  env?: Record<string, string | undefined>;
  cwd?: string;
  logger?: Logger;
  logPrompts?: boolean;
  /** Model client for real runs (default from the environment). */
  models?: ModelClient;
  runtime?: () => ContainerRuntime;
  bodyLimitBytes?: number;
}

export interface StudioApp {
  app: Hono;
  context: StudioContext;
  /** Cancels the runs started here that still run and closes their hosts (not the store). */
  close(): Promise<void>;
}

/** Whether this studio runs jobs on its store, and if not, who does and why. */
function storeAccess(ownership: StoreOwnership) {
  const state = ownership.state;
  if (state.mode !== 'read-only') return { mode: state.mode === 'owner' ? 'owner' : 'free', owner: null };
  const owner = state.owner ? { pid: state.owner.pid, host: state.owner.host } : null;
  return { mode: 'read-only', owner, message: state.reason };
}

export function createStudioApp(options: StudioOptions): StudioApp {
  const env = options.env ?? process.env;
  const logger = options.logger ?? silentLogger;
  const dir = resolve(options.dir);
  const deployDir = resolve(options.deployDir ?? join(dir, 'deploy'));
  const ownership =
    options.ownership ?? new StoreOwnership(options.store, logger, options.storeLabel ?? 'of this studio');
  const hosts = new RunHosts({
    ownership,
    store: options.store,
    env,
    cwd: options.cwd ?? dir,
    logger,
    logPrompts: options.logPrompts === true,
    ...(options.models ? { models: options.models } : {}),
  });
  let runtime: ContainerRuntime | undefined;
  const ctx: StudioContext = {
    workspace: new Workspace(
      dir,
      deployDir.startsWith(dir) ? [deployDir.slice(dir.length + 1).split('/')[0]!] : [],
    ),
    store: options.store,
    hosts,
    env,
    logger,
    deployDir,
    deploy: options.deploy,
    runtime: options.runtime ?? (() => (runtime ??= new DockerRuntime())),
    traceRead: {
      prices: loadPriceTable({ env }),
      redact: createRedactor({ env }),
      live: (id: string) => hosts.liveEvents(id),
    },
    bodyLimitBytes: options.bodyLimitBytes ?? 6 * 1024 * 1024,
  };

  const app = new Hono();
  app.use(
    '*',
    ...accessGuards({
      token: options.token,
      allowedHosts: options.allowedHosts ?? [],
      ...(options.boundHost !== undefined ? { boundHost: options.boundHost } : {}),
      cookieName: `agentcrate_studio_${options.port}`,
    }),
  );
  app.onError((error) => errorResponse(toHttpError(error)));

  const api = new Hono();
  api.get('/info', (c) =>
    c.json({
      dir,
      deploy_dir: deployDir,
      store: options.storeLabel ?? null,
      store_access: storeAccess(ownership),
      version: VERSION,
    }),
  );
  registerWorkflowRoutes(api, ctx);
  registerJobRoutes(api, ctx);
  registerTraceRoutes(api, { store: options.store, read: ctx.traceRead });
  registerCostRoutes(api, ctx);
  registerDeployRoutes(api, ctx);
  api.notFound((c) =>
    errorResponse(new AgentcrateError('E_NOT_FOUND', `no studio route ${c.req.method} ${c.req.path}`)),
  );
  api.onError((error) => {
    const err = toHttpError(error);
    if (err.code === 'E_INTERNAL' || err.code === 'E_STORE') {
      logger.error(
        { code: err.code, err: (err.cause as Error | undefined)?.message ?? err.message },
        'studio request failed',
      );
    }
    return errorResponse(err);
  });
  app.route('/api', api);
  registerAssets(app, `agentcrate studio — ${dir.split('/').pop() ?? dir}`);

  return {
    app,
    context: ctx,
    close: () => hosts.close(),
  };
}
