/**
 * The process entry of a served workflow (containers run this, bundled into one file).
 * Configuration comes from the environment; logs are JSON lines (pino) on stdout.
 *
 *   node entry.js                 serve $AGENTCRATE_WORKFLOW on $HOST:$PORT
 *   node entry.js --healthcheck   GET /health on 127.0.0.1:$PORT, exit 0 when it answers 200
 *                                 (Docker HEALTHCHECK: images carry no curl)
 */

import { readSettings } from '../settings/index.js';
import { VERSION } from '../version.js';
import { createLogger } from './logger.js';
import { startServer } from './serve.js';
import { SERVER_SETTINGS, type ServerSettings, serveOptionsFrom } from './settings.js';

type Env = Record<string, string | undefined>;

async function healthcheck(port: number): Promise<number> {
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3000) });
    return response.status === 200 ? 0 : 1;
  } catch {
    return 1;
  }
}

async function main(): Promise<void> {
  const env = process.env as Env;
  let settings: ServerSettings;
  try {
    settings = readSettings(SERVER_SETTINGS, { env, cwd: process.cwd() });
  } catch (error) {
    // No logger yet: its level is one of the settings. One JSON line, as the logger would write.
    process.stdout.write(
      `${JSON.stringify({ level: 50, service: 'agentcrate', code: 'E_USAGE', err: (error as Error).message, msg: 'agentcrate could not start' })}\n`,
    );
    process.exit(1);
  }
  if (process.argv.includes('--healthcheck')) {
    process.exit(await healthcheck(settings.port));
  }
  const apiKeys = settings.apiKeys;
  const logger = createLogger({ level: settings.logLevel, env, apiKeys });
  let server: Awaited<ReturnType<typeof startServer>>;
  try {
    server = await startServer({ ...serveOptionsFrom(settings), env, logger });
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
