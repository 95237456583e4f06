/**
 * `startServer`: load and check the workflow, open the store, resume interrupted jobs, then
 * bind the port — in that order, so an invalid workflow or an unusable store is refused
 * before anything listens. Prints nothing: it returns what the caller (CLI, entry) reports.
 */
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { getRequestListener, type ServerType } from '@hono/node-server';
import { loadValidWorkflow } from '../config/index.js';
import type { Diagnostic, Workflow } from '../config/types.js';
import { compile } from '../engine/index.js';
import { AgentcrateError } from '../errors.js';
import { listenError, localUrl } from '../http/listen-address.js';
import { createModelClient } from '../models/index.js';
import type { LlmOverride, ModelClient } from '../models/types.js';
import { DEFAULT_STORE_FILE } from '../store/index.js';
import { openStore } from '../store/open.js';
import type { Store } from '../store/types.js';
import { type AppOptions, type CreatedApp, createApp, DEFAULTS } from './app.js';
import type { Logger } from './logger.js';
import type { NodeHandler } from './node-run.js';

export interface ServeOptions
  extends Omit<AppOptions, 'workflow' | 'store' | 'models' | 'plan' | 'closeStore'> {
  workflowFile?: string;
  /** How messages name the workflow file (default: as given). */
  workflowShownAs?: string;
  workflow?: Workflow;
  port?: number;
  host?: string;
  /** SQLite file (default ./agentcrate.db); `:memory:` for a throwaway store. */
  /** A SQLite file, `:memory:` or a postgres:// URL (several replicas share one database). */
  storePath?: string;
  /** Use this store instead of opening `storePath` (it is closed on close()). */
  store?: Store;
  dryRun?: boolean;
  override?: LlmOverride;
  /** Replaces the model client built from env/override/dryRun (tests). */
  models?: ModelClient;
  logger?: Logger;
  /**
   * Called once the workflow is loaded and compiled, before the store is opened: from then on
   * a stop has something to drain. The CLI installs its signal handlers here, so a signal during
   * a long load (which is synchronous: a handler could not run until it ended) ends the process
   * at once instead of after the load.
   */
  onLoaded?: () => void;
}

export interface RunningServer {
  /** Base URL, e.g. http://127.0.0.1:8000 */
  url: string;
  port: number;
  host: string;
  workflow: Workflow;
  /** Jobs resumed from the previous process, and all queued at start. */
  recovered: { recovered: number; queued: number };
  /** Warnings from loading the workflow (the caller shows them). */
  warnings: Diagnostic[];
  app: CreatedApp;
  /** Graceful stop: 503 for new runs, running jobs finish within the grace or are parked, store closed. */
  close(graceMs?: number): Promise<void>;
}

async function loadWorkflow(options: ServeOptions): Promise<{ workflow: Workflow; warnings: Diagnostic[] }> {
  if (options.workflow) return { workflow: options.workflow, warnings: [] };
  if (!options.workflowFile) {
    throw new AgentcrateError(
      'E_USAGE',
      'no workflow to serve: pass a workflow file (agentcrate serve <file>)',
    );
  }
  return loadValidWorkflow(
    options.workflowFile,
    options.workflowShownAs ? { shownAs: options.workflowShownAs } : {},
  );
}

function checkPort(port: number): number {
  if (!Number.isInteger(port) || port < 0 || port > 65535) {
    throw new AgentcrateError('E_USAGE', `port must be a whole number from 0 to 65535, got ${String(port)}`);
  }
  return port;
}

export async function startServer(options: ServeOptions): Promise<RunningServer> {
  const { workflow, warnings } = await loadWorkflow(options);
  const plan = compile(workflow);
  options.onLoaded?.();
  const port = checkPort(options.port ?? 8000);
  const host = options.host ?? '127.0.0.1';
  const env = options.env ?? process.env;
  const models =
    options.models ??
    createModelClient({
      env,
      ...(options.override ? { override: options.override } : {}),
      dryRun: options.dryRun === true,
    });
  const store = options.store ?? (await openStore(options.storePath ?? DEFAULT_STORE_FILE));

  let created: CreatedApp;
  try {
    created = await createApp({ ...options, host, workflow, plan, store, models, env });
  } catch (error) {
    await store.close();
    throw error;
  }
  let recovered: Awaited<ReturnType<CreatedApp['start']>>;
  try {
    recovered = await created.start();
  } catch (error) {
    // Refused (another live process owns the store) or recovery failed: nothing runs here.
    await created.close(0);
    throw error;
  }

  let server: ServerType;
  let address: AddressInfo;
  try {
    ({ server, address } = await new Promise<{ server: ServerType; address: AddressInfo }>(
      (resolve, reject) => {
        // POST /run on its node:http fast path, the rest through the Hono adapter (app.ts).
        const s = createServer(
          created.nodeListener(getRequestListener(created.app.fetch, { hostname: host }) as NodeHandler),
        );
        s.listen(port, host, () => resolve({ server: s, address: s.address() as AddressInfo }));
        s.once('error', reject);
      },
    ));
  } catch (error) {
    await created.close(0);
    throw listenError(error, host, port);
  }
  // Sockets idle between keep-alive requests must not hold a shutdown open.
  if ('keepAliveTimeout' in server) server.keepAliveTimeout = 5000;

  const url = localUrl(address);
  let closing: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    host,
    workflow,
    recovered,
    warnings,
    app: created,
    close(graceMs = options.shutdownGraceMs ?? DEFAULTS.shutdownGraceMs) {
      closing ??= (async () => {
        const httpClosed = new Promise<void>((resolve) => server.close(() => resolve()));
        if ('closeIdleConnections' in server) server.closeIdleConnections();
        await created.close(graceMs);
        // Connections that served the last in-flight requests are idle now.
        if ('closeIdleConnections' in server) server.closeIdleConnections();
        // Whatever is still open now (an SSE reader of a finished job) is cut.
        const force = setTimeout(() => {
          if ('closeAllConnections' in server) server.closeAllConnections();
        }, 1000);
        force.unref();
        await httpClosed;
        clearTimeout(force);
      })();
      return closing;
    },
  };
}
