/**
 * `startGateway`: read the configuration (refusing an invalid one with every problem listed),
 * open the key store, build the app, then bind the port — in that order, so nothing listens
 * with a broken configuration. Prints nothing: the CLI and the container entry report.
 */
import { existsSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import type { Diagnostic } from '../config/types.js';
import { AgentcrateError } from '../errors.js';
import { loadGatewayConfigFile } from './config/load.js';
import { configFromEnvironment } from './config/resolve.js';
import type { GatewayConfig } from './config/types.js';
import { createGatewayApp, type GatewayApp, type GatewayAppOptions } from './http/app.js';
import { lazyListener } from './http/lazy-listener.js';
import { openKeyStore } from './keys/open.js';
import type { GatewayLogger } from './ops/log.js';
import { type GatewaySettings, readGatewaySettings } from './settings.js';

export interface StartGatewayOptions {
  /** Flag values by setting key (the CLI's); the environment fills the rest. */
  flags?: Partial<Record<keyof GatewaySettings, unknown>>;
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Use this configuration instead of reading one (tests). */
  config?: GatewayConfig;
  logger?: GatewayLogger;
  app?: Omit<GatewayAppOptions, 'config' | 'keyStore' | 'logger' | 'env'>;
}

export interface RunningGateway {
  url: string;
  port: number;
  host: string;
  settings: GatewaySettings;
  /** The file read, or undefined when the configuration came from the environment. */
  configFile: string | undefined;
  warnings: Diagnostic[];
  gateway: GatewayApp;
  close(): Promise<void>;
}

export interface LoadedGatewayConfig {
  config: GatewayConfig;
  file: string | undefined;
  warnings: Diagnostic[];
}

/** The configuration named by the settings, or the environment's when the default file is absent. */
export async function loadConfigForSettings(
  settings: GatewaySettings,
  explicit: boolean,
  env: Record<string, string | undefined>,
  cwd: string,
): Promise<LoadedGatewayConfig> {
  const file = resolve(cwd, settings.config);
  if (!explicit && !existsSync(file))
    return { config: configFromEnvironment(env), file: undefined, warnings: [] };
  const result = await loadGatewayConfigFile(file, env);
  if (result.config === undefined) {
    const errors = result.diagnostics.filter((d) => d.severity === 'error');
    throw new AgentcrateError(
      'E_INVALID_CONFIG',
      `${settings.config} is not a valid gateway configuration (${errors.length} error${errors.length === 1 ? '' : 's'}); the gateway was not started`,
      { details: { diagnostics: result.diagnostics, file } },
    );
  }
  return {
    config: result.config,
    file,
    warnings: result.diagnostics.filter((d) => d.severity === 'warning'),
  };
}

export async function startGateway(options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const flags = options.flags ?? {};
  let settings = readGatewaySettings(flags, env);
  const explicit =
    (flags.config !== undefined && flags.config !== '') || (env.GATEWAY_CONFIG ?? '').trim() !== '';
  const loaded: LoadedGatewayConfig = options.config
    ? { config: options.config, file: options.config.file, warnings: [] }
    : await loadConfigForSettings(settings, explicit, env, cwd);
  const config = loaded.config;
  // The file's `server:` section sits between the environment and the defaults.
  settings = readGatewaySettings(flags, env, config.server);
  if (settings.requireKeys !== undefined) config.keys = { ...config.keys, require: settings.requireKeys };
  const keysPath =
    flags.keysDb !== undefined || env.GATEWAY_KEYS_DB ? settings.keysDb : (config.keys.db ?? settings.keysDb);
  const keyStore = config.keys.require === 'never' ? undefined : await openKeyStore(keysPath, cwd);

  let gateway: GatewayApp;
  try {
    gateway = createGatewayApp({
      ...options.app,
      config,
      env,
      bodyLimitBytes: settings.bodyLimitBytes,
      boundHost: settings.host,
      idleTrimMs: settings.idleTrimMs,
      allowedHosts: settings.allowedHosts,
      ...(keyStore !== undefined ? { keyStore } : {}),
      ...(options.logger !== undefined ? { logger: options.logger } : {}),
    });
  } catch (error) {
    await keyStore?.close();
    throw error;
  }

  let server: Server;
  let address: AddressInfo;
  try {
    // node:http directly: chat requests on the gateway's fast path (http/node-chat.ts), the
    // rest through the Hono adapter, loaded by the first request that needs it (http/lazy-listener.ts).
    const fetch = gateway.app.fetch;
    const { listener } = lazyListener(async () => {
      const { getRequestListener } = await import('@hono/node-server');
      return getRequestListener(fetch, { hostname: settings.host });
    });
    server = createServer(gateway.nodeHandler(listener));
    address = await new Promise<AddressInfo>((ok, fail) => {
      server.once('error', fail);
      server.listen(settings.port, settings.host, () => {
        server.off('error', fail);
        ok(server.address() as AddressInfo);
      });
    });
  } catch (error) {
    await gateway.close();
    const code = (error as NodeJS.ErrnoException).code;
    const why =
      code === 'EADDRINUSE'
        ? `port ${settings.port} is already in use on ${settings.host}; stop the other process or pass another --port`
        : code === 'EACCES'
          ? `no permission to listen on ${settings.host}:${settings.port}; use a port above 1023`
          : `cannot listen on ${settings.host}:${settings.port}: ${(error as Error).message}`;
    throw new AgentcrateError('E_IO', why, {
      cause: error,
      details: { host: settings.host, port: settings.port },
    });
  }
  server.keepAliveTimeout = 65_000;
  const shown = address.address.includes(':') ? `[${address.address}]` : address.address;
  const url = `http://${shown === '0.0.0.0' || shown === '[::]' ? '127.0.0.1' : shown}:${address.port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    port: address.port,
    host: settings.host,
    settings,
    configFile: loaded.file,
    warnings: loaded.warnings,
    gateway,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((done) => server.close(() => done()));
        server.closeIdleConnections();
        // Streams still open get a moment to finish, then are cut.
        const force = setTimeout(() => {
          server.closeAllConnections();
        }, 5_000);
        force.unref();
        await closed;
        clearTimeout(force);
        await gateway.close();
      })();
      return closing;
    },
  };
}
