/**
 * `startGateway`: read the configuration (refusing an invalid one with every problem listed),
 * open the key store, build the app, then bind the port — in that order, so nothing listens
 * with a broken configuration. Prints nothing: the CLI and the container entry report.
 */
import { existsSync } from 'node:fs';
import type { RequestListener } from 'node:http';
import { resolve } from 'node:path';
import type { Diagnostic } from '../config/types.js';
import { AgentcrateError } from '../errors.js';
import { loadGatewayConfigFile } from './config/load.js';
import { configFromEnvironment } from './config/resolve.js';
import type { GatewayConfig } from './config/types.js';
import { createGatewayApp, type GatewayApp, type GatewayAppOptions } from './http/app.js';
import { lazyListener } from './http/lazy-listener.js';
import { type ListeningServer, listenGateway } from './http/listen.js';
import { openKeyStore } from './keys/open.js';
import type { GatewayKeyStore } from './keys/store.js';
import type { GatewayLogger } from './ops/log.js';
import { configNamed, type GatewaySettings, readGatewaySettings, settingsWithConfig } from './settings.js';

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

/**
 * The app's node:http listener: chat requests on the gateway's fast path (http/node-chat.ts),
 * the rest through the Hono adapter, loaded by the first request that needs it
 * (http/lazy-listener.ts).
 */
export function gatewayListener(gateway: GatewayApp, host: string): RequestListener {
  const fetch = gateway.app.fetch;
  const { listener } = lazyListener(async () => {
    const { getRequestListener } = await import('@hono/node-server');
    return getRequestListener(fetch, { hostname: host });
  });
  return gateway.nodeHandler(listener) as RequestListener;
}

/** The app's options the process's settings decide. */
export function appSettings(
  settings: GatewaySettings,
  config: GatewayConfig,
  env: Record<string, string | undefined>,
  keyStore: GatewayKeyStore | undefined,
  logger: GatewayLogger | undefined,
): GatewayAppOptions {
  return {
    config,
    env,
    bodyLimitBytes: settings.bodyLimitBytes,
    boundHost: settings.host,
    idleTrimMs: settings.idleTrimMs,
    allowedHosts: settings.allowedHosts,
    ...(keyStore !== undefined ? { keyStore } : {}),
    ...(logger !== undefined ? { logger } : {}),
  };
}

export async function startGateway(options: StartGatewayOptions = {}): Promise<RunningGateway> {
  const env = options.env ?? process.env;
  const cwd = options.cwd ?? process.cwd();
  const flags = options.flags ?? {};
  const loaded: LoadedGatewayConfig = options.config
    ? { config: options.config, file: options.config.file, warnings: [] }
    : await loadConfigForSettings(readGatewaySettings(flags, env), configNamed(flags, env), env, cwd);
  const config = loaded.config;
  const { settings, keysPath } = settingsWithConfig(flags, env, config);
  const keyStore = config.keys.require === 'never' ? undefined : await openKeyStore(keysPath, cwd);

  let gateway: GatewayApp;
  try {
    gateway = createGatewayApp({
      ...options.app,
      ...appSettings(settings, config, env, keyStore, options.logger),
    });
  } catch (error) {
    await keyStore?.close();
    throw error;
  }

  let listening: ListeningServer;
  try {
    listening = await listenGateway(gatewayListener(gateway, settings.host), settings.host, settings.port);
  } catch (error) {
    await gateway.close();
    throw error;
  }
  let closing: Promise<void> | undefined;
  return {
    url: listening.url,
    port: listening.port,
    host: settings.host,
    settings,
    configFile: loaded.file,
    warnings: loaded.warnings,
    gateway,
    close() {
      closing ??= (async () => {
        await listening.close();
        await gateway.close();
      })();
      return closing;
    },
  };
}
