/**
 * The process entry of the gateway's container (bundled into one CommonJS file, src/deploy/gateway/bundle.ts).
 * Settings come from the environment (the settings table); logs are JSON lines on stdout.
 *
 *   node gateway.cjs                serve: GATEWAY_CONFIG (default /config/gateway.yaml when it
 *                                   exists), 0.0.0.0:$GATEWAY_PORT (8585), keys in
 *                                   $GATEWAY_KEYS_DB (default /data/gateway.db)
 *   node gateway.cjs --healthcheck  GET /health on 127.0.0.1, exit 0 when it answers 200
 *   node gateway.cjs keys create …  manage virtual keys (docker compose exec model-gateway …)
 */
import { existsSync } from 'node:fs';
import { parseArgs } from 'node:util';
import { isAgentcrateError } from '../errors.js';
import { createGatewayLogger } from './ops/log.js';
import { startGateway } from './serve.js';
import { DEFAULT_GATEWAY_PORT, readGatewaySettings } from './settings.js';

type Env = Record<string, string | undefined>;

/** Container defaults: bind every interface, the mounted config, the data volume. */
function containerEnv(env: Env): Env {
  return {
    ...env,
    GATEWAY_HOST: env.GATEWAY_HOST || '0.0.0.0',
    GATEWAY_PORT: env.GATEWAY_PORT || env.PORT || String(DEFAULT_GATEWAY_PORT),
    GATEWAY_KEYS_DB: env.GATEWAY_KEYS_DB || '/data/gateway.db',
    ...(!env.GATEWAY_CONFIG && existsSync('/config/gateway.yaml')
      ? { GATEWAY_CONFIG: '/config/gateway.yaml' }
      : {}),
  };
}

async function healthcheck(env: Env): Promise<number> {
  const port = readGatewaySettings({}, env).port;
  try {
    const response = await fetch(`http://127.0.0.1:${port}/health`, { signal: AbortSignal.timeout(3000) });
    return response.status === 200 ? 0 : 1;
  } catch {
    return 1;
  }
}

/** Key administration, loaded only for this command (it opens the SQLite store). */
async function keys(args: string[], env: Env): Promise<number> {
  const { keysAdmin } = await import('./keys/admin.js');
  const { values, positionals } = parseArgs({
    args,
    allowPositionals: true,
    options: {
      name: { type: 'string' },
      rpm: { type: 'string' },
      tpm: { type: 'string' },
      'budget-usd': { type: 'string' },
      'budget-period': { type: 'string' },
      models: { type: 'string' },
      json: { type: 'boolean' },
      'keys-db': { type: 'string' },
    },
  });
  const path = values['keys-db'] ?? readGatewaySettings({}, env).keysDb;
  const plain = (text: string) => text;
  return keysAdmin(
    path,
    positionals,
    {
      name: values.name,
      rpm: values.rpm,
      tpm: values.tpm,
      budgetUsd: values['budget-usd'],
      budgetPeriod: values['budget-period'],
      models: values.models,
      json: values.json,
    },
    {
      out: (text) => process.stdout.write(`${text}\n`),
      err: (text) => process.stderr.write(`${text}\n`),
      green: plain,
      dim: plain,
    },
  );
}

async function main(): Promise<void> {
  const env = containerEnv(process.env as Env);
  const argv = process.argv.slice(2);
  if (argv.includes('--healthcheck')) process.exit(await healthcheck(env));
  if (argv[0] === 'keys') {
    try {
      process.exit(await keys(argv.slice(1), env));
    } catch (error) {
      const { KEYS_USAGE } = await import('./keys/admin.js');
      process.stderr.write(`error ${(error as Error).message}\nusage: gateway.cjs ${KEYS_USAGE}\n`);
      process.exit(isAgentcrateError(error) && (error.code === 'E_USAGE' || error.code === 'E_IO') ? 2 : 1);
    }
  }
  const secrets = Object.entries(env)
    .filter(([name, value]) => /^GATEWAY_.*_API_KEY$/.test(name) && value)
    .map(([, value]) => value as string);
  let settings: ReturnType<typeof readGatewaySettings>;
  try {
    settings = readGatewaySettings({}, env);
  } catch (error) {
    process.stderr.write(`error ${(error as Error).message}\n`);
    process.exit(2);
  }
  const logger = createGatewayLogger({ level: settings.logLevel, env, secrets, file: settings.logFile });
  let gateway: Awaited<ReturnType<typeof startGateway>>;
  try {
    gateway = await startGateway({ env, logger });
  } catch (error) {
    const err = error as { code?: string; message?: string; details?: { diagnostics?: unknown[] } };
    logger.error(
      {
        code: err.code ?? 'E_INTERNAL',
        err: err.message ?? String(error),
        diagnostics: err.details?.diagnostics,
      },
      'the gateway could not start',
    );
    process.exit(1);
  }
  const context = gateway.gateway.context;
  logger.info(
    {
      url: gateway.url,
      config: gateway.configFile ?? null,
      upstreams: context.pool.all().map((u) => ({ name: u.config.name, available: u.client !== undefined })),
      routes: [...context.config.routes.keys()],
      keysRequired: context.gate.required,
    },
    'agentcrate gateway serving',
  );
  for (const warning of gateway.warnings)
    logger.warn({ path: warning.path, line: warning.line, code: warning.code }, warning.message);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    logger.info({ signal }, 'shutting down: finishing streams in flight');
    const exit = (code: number) => {
      logger.flush?.();
      process.exit(code);
    };
    gateway.close().then(
      () => exit(0),
      () => exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
