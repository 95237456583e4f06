/**
 * The process entry of the gateway's container (bundled into one small CommonJS file with its
 * serving part beside it, src/deploy/gateway/bundle.ts). Settings come from the environment
 * (the settings table); logs are JSON lines on stdout.
 *
 *   node gateway.cjs                serve: GATEWAY_CONFIG (default /config/gateway.yaml when it
 *                                   exists), 0.0.0.0:$GATEWAY_PORT (8585), keys in
 *                                   $GATEWAY_KEYS_DB (default /data/gateway.db)
 *   node gateway.cjs --healthcheck  GET /health on 127.0.0.1, exit 0 when it answers 200
 *   node gateway.cjs keys create …  manage virtual keys (docker compose exec model-gateway …)
 *
 * What an idle gateway holds is most of what it costs, so this file holds only the start: the
 * configuration is read by a short-lived child process (this entry with `--compile-config`),
 * which answers it as plain JSON; the port is bound with node:http and liveness probes are
 * answered here; the serving part (lean/part.ts: the app, upstreams, keys, pino) is loaded by
 * the first other request.
 */
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { isAgentcrateError } from '../errors.js';
import { fromPlainConfig } from './config/plain.js';
import type { CompiledConfig } from './lean/part.js';
import { type LeanGateway, listenLean, loadPart } from './lean/serve-lean.js';
import { gatewaySecrets, startLogger } from './lean/start-log.js';
import type { GatewayLogger } from './ops/log.js';
import { DEFAULT_GATEWAY_PORT, readGatewaySettings, settingsWithConfig } from './settings.js';

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

/** Key administration (it opens the SQLite store). */
async function keys(args: string[], env: Env): Promise<number> {
  const { keysAdmin } = await loadPart();
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

/** The configuration, read by this entry run again as a child process (`--compile-config`). */
function compileInChild(env: Env): CompiledConfig {
  // This file: `__filename` in the bundle (no URL made), the module's URL in dist/.
  const self = typeof __filename === 'string' ? __filename : fileURLToPath(import.meta.url);
  const child = spawnSync(process.execPath, [self, '--compile-config'], {
    env,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe'],
    maxBuffer: 64 * 1024 * 1024,
  });
  try {
    if (child.status === 0) return JSON.parse(child.stdout) as CompiledConfig;
  } catch {
    // answered below
  }
  const why = child.error?.message ?? (child.stderr.trim() || `exit status ${child.status}`);
  return { ok: false, code: 'E_INTERNAL', message: `the configuration reader failed: ${why}` };
}

async function serve(env: Env): Promise<void> {
  const secrets = gatewaySecrets(env);
  let settings: ReturnType<typeof readGatewaySettings>;
  try {
    settings = readGatewaySettings({}, env);
  } catch (error) {
    process.stderr.write(`error ${(error as Error).message}\n`);
    process.exit(2);
  }
  const startLog: GatewayLogger = startLogger({
    level: settings.logLevel,
    env,
    secrets,
    file: settings.logFile,
  });
  const refuse = (code: string, message: string, diagnostics?: unknown[]): never => {
    startLog.error({ code, err: message, diagnostics }, 'the gateway could not start');
    process.exit(1);
  };
  const compiled = compileInChild(env);
  if (!compiled.ok) return refuse(compiled.code, compiled.message, compiled.diagnostics);
  const { keysPath, settings: served } = settingsWithConfig({}, env, fromPlainConfig(compiled.config, env));

  let gateway: LeanGateway;
  try {
    gateway = await listenLean({
      config: compiled.config,
      env,
      cwd: process.cwd(),
      settings: served,
      keysPath,
      secrets,
      logger: startLog,
    });
  } catch (error) {
    return refuse(isAgentcrateError(error) ? error.code : 'E_IO', (error as Error).message);
  }
  gateway.logger().info(
    {
      url: gateway.listening.url,
      config: compiled.file ?? null,
      upstreams: compiled.upstreams,
      routes: compiled.config.routes.map(([alias]) => alias),
      keysRequired: compiled.keysRequired,
    },
    'agentcrate gateway serving',
  );
  for (const warning of compiled.warnings)
    gateway.logger().warn({ path: warning.path, line: warning.line, code: warning.code }, warning.message);

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) process.exit(1);
    stopping = true;
    gateway.logger().info({ signal }, 'shutting down: finishing streams in flight');
    gateway.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

async function main(): Promise<void> {
  const env = containerEnv(process.env as Env);
  const argv = process.argv.slice(2);
  if (argv[0] === '--cli') {
    // `agentcrate gateway …` handed over by the CLI's bin: its environment, not the container's.
    const { serveFromCli } = await import('./lean/cli.js');
    return serveFromCli(argv[1] ?? '', argv.slice(2), process.env as Env);
  }
  if (argv.includes('--healthcheck')) process.exit(await healthcheck(env));
  if (argv[0] === '--compile-config') {
    const answer = await (await loadPart()).compileConfig(env, process.cwd());
    process.stdout.write(JSON.stringify(answer), () => process.exit(0));
    return;
  }
  if (argv[0] === 'keys') {
    try {
      process.exit(await keys(argv.slice(1), env));
    } catch (error) {
      const { KEYS_USAGE } = await loadPart();
      process.stderr.write(`error ${(error as Error).message}\nusage: gateway.cjs ${KEYS_USAGE}\n`);
      process.exit(isAgentcrateError(error) && (error.code === 'E_USAGE' || error.code === 'E_IO') ? 2 : 1);
    }
  }
  await serve(env);
}

void main();
