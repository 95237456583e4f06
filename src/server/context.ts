/** What every route needs, built once by `createApp` (prebuilt documents included). */
import type { Hono } from 'hono';
import type { Workflow } from '../config/types.js';
import type { Plan } from '../engine/index.js';
import type { ModelClient } from '../models/types.js';
import type { NetworkAccess } from '../net/index.js';
import type { Store } from '../store/index.js';
import type { ToolRegistry } from '../tools/types.js';
import type { Logger } from './logger.js';
import type { Metrics } from './metrics.js';
import type { JobRunner } from './runner/index.js';

export type AppEnv = { Variables: { requestId: string } };
export type App = Hono<AppEnv>;

export interface ServerContext {
  workflow: Workflow;
  plan: Plan;
  store: Store;
  runner: JobRunner;
  metrics: Metrics;
  logger: Logger;
  models: ModelClient;
  tools: ToolRegistry;
  env: Record<string, string | undefined>;
  /** What outbound requests (tools, webhooks) may reach beyond the public internet. */
  network: NetworkAccess;
  /** Default sync wait of POST /run (seconds). */
  timeoutSeconds: number;
  /** Largest `?timeout=` a caller may ask for (seconds). */
  maxTimeoutSeconds: number;
  bodyLimitBytes: number;
  /** Serialised once at start-up: these never change while the server runs. */
  documents: { openapi: string; schema: string; docs: string; root: string };
}
