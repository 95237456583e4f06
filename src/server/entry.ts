/**
 * The process entry of a served workflow (containers run this, bundled into one file).
 * Configuration comes from the environment; logs are JSON lines (pino) on stdout.
 *
 *   node entry.js                 serve $AGENTCRATE_WORKFLOW on $HOST:$PORT
 *   node entry.js --healthcheck   GET /health on 127.0.0.1:$PORT, exit 0 when it answers 200
 *                                 (Docker HEALTHCHECK: images carry no curl)
 */

import { VERSION } from '../version.js';
import { parseApiKeys } from './auth.js';
import { createLogger } from './logger.js';
import { startServer } from './serve.js';

type Env = Record<string, string | undefined>;

function num(env: Env, name: string): number | undefined {
  const raw = env[name];
  if (raw === undefined || raw.trim() === '') return undefined;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < 0) {
    throw new Error(`${name} must be a number ≥ 0, got '${raw}'`);
  }
  return value;
}

function flag(env: Env, name: string): boolean {
  return /^(1|true|yes|on)$/i.test(env[name]?.trim() ?? '');
}

async function healthcheck(env: Env): Promise<number> {
  const port = num(env, 'PORT') ?? 8000;
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3000) });
    return response.status === 200 ? 0 : 1;
  } catch {
    return 1;
  }
}

async function main(): Promise<void> {
  const env = process.env as Env;
  if (process.argv.includes('--healthcheck')) {
    process.exit(await healthcheck(env));
  }
  const apiKeys = parseApiKeys(env.AGENTCRATE_API_KEYS);
  const logger = createLogger({ level: env.AGENTCRATE_LOG_LEVEL ?? 'info', env, apiKeys });
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    const timeoutSeconds = num(env, 'AGENTCRATE_TIMEOUT');
    const maxTimeoutSeconds = num(env, 'AGENTCRATE_MAX_TIMEOUT');
    const maxConcurrentRuns = num(env, 'AGENTCRATE_MAX_CONCURRENT_RUNS');
    const queueSize = num(env, 'AGENTCRATE_QUEUE_SIZE');
    const jobTtlSeconds = num(env, 'AGENTCRATE_JOB_TTL');
    const bodyLimitBytes = num(env, 'AGENTCRATE_BODY_LIMIT');
    const graceSeconds = num(env, 'AGENTCRATE_SHUTDOWN_GRACE');
    const idleTrimMs = num(env, 'AGENTCRATE_IDLE_TRIM_MS');
    server = await startServer({
      workflowFile: env.AGENTCRATE_WORKFLOW || '/app/workflow.yaml',
      port: num(env, 'PORT') ?? 8000,
      host: env.HOST || '0.0.0.0',
      storePath: env.AGENTCRATE_STORE || '/data/agentcrate.db',
      ...(timeoutSeconds !== undefined ? { timeoutSeconds } : {}),
      ...(maxTimeoutSeconds !== undefined ? { maxTimeoutSeconds } : {}),
      ...(maxConcurrentRuns !== undefined ? { maxConcurrentRuns } : {}),
      ...(queueSize !== undefined ? { queueSize } : {}),
      ...(jobTtlSeconds !== undefined ? { jobTtlSeconds } : {}),
      ...(bodyLimitBytes !== undefined ? { bodyLimitBytes } : {}),
      ...(graceSeconds !== undefined ? { shutdownGraceMs: graceSeconds * 1000 } : {}),
      ...(idleTrimMs !== undefined ? { idleTrimMs } : {}),
      apiKeys,
      dryRun: flag(env, 'AGENTCRATE_DRY_RUN'),
      env,
      logger,
      logRequests: flag(env, 'AGENTCRATE_LOG_REQUESTS'),
      // Traces are on unless the image was deployed with --no-traces (AGENTCRATE_TRACES=false).
      traces: !/^(0|false|no|off)$/i.test(env.AGENTCRATE_TRACES?.trim() ?? ''),
      logPrompts: flag(env, 'AGENTCRATE_LOG_PROMPTS'),
      network: { allowPrivateNetwork: flag(env, 'AGENTCRATE_ALLOW_PRIVATE_NETWORK') },
      ...(env.AGENTCRATE_ALLOWED_HOSTS?.trim()
        ? { allowedHosts: env.AGENTCRATE_ALLOWED_HOSTS.split(',') }
        : {}),
    });
  } catch (error) {
    const err = error as { code?: string; message?: string };
    logger.error(
      { code: err.code ?? 'E_INTERNAL', err: err.message ?? String(error) },
      'agentcrate could not start',
    );
    process.exit(1);
  }
  logger.info(
    {
      url: server.url,
      workflow: server.workflow.flow.name,
      version: VERSION,
      resumed: server.recovered.queued,
      auth: apiKeys.length > 0,
    },
    'agentcrate serving',
  );
  for (const warning of server.warnings)
    logger.warn({ path: warning.path, code: warning.code }, warning.message);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) {
      logger.warn({ signal }, 'second signal: exiting now; running jobs resume on the next start');
      process.exit(1);
    }
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing in-flight runs');
    server.close().then(
      () => {
        logger.info({}, 'stopped');
        process.exit(0);
      },
      (error: unknown) => {
        logger.error({ err: (error as Error).message }, 'shutdown failed');
        process.exit(1);
      },
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
