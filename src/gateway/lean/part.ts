/**
 * The gateway's serving part: everything the lean container entry (../entry.ts) loads only when
 * it needs it, bundled into a file of its own beside the entry (src/deploy/gateway/bundle.ts).
 *
 * - `compileConfig` runs in a short-lived child process at start: it reads and checks the
 *   configuration (the YAML readers, the schemas, the rules), checks that the upstreams can be
 *   built and the key store opened, and answers the resolved configuration as plain JSON; the
 *   serving process only parses that JSON, so it never holds the reader.
 * - `serveGateway` builds, on the first request that is not a liveness probe, what serves it:
 *   the pino log, the key store, the upstreams, the app and its node:http listener.
 * - key administration (`gateway.cjs keys …`).
 */
import type { Diagnostic } from '../../config/types.js';
import { isAgentcrateError } from '../../errors.js';
import { fromPlainConfig, type PlainGatewayConfig, toPlainConfig } from '../config/plain.js';
import { createGatewayApp, type GatewayApp } from '../http/app.js';
import type { NodeListener } from '../http/lazy-listener.js';
import { KeyGate } from '../keys/gate.js';
import { openKeyStore } from '../keys/open.js';
import { createGatewayLogger, type GatewayLogger } from '../ops/log.js';
import { UpstreamPool } from '../routing/pool.js';
import { Router } from '../routing/router.js';
import { appSettings, gatewayListener, loadConfigForSettings } from '../serve.js';
import { configNamed, type GatewaySettings, readGatewaySettings, settingsWithConfig } from '../settings.js';

export { KEYS_USAGE, keysAdmin } from '../keys/admin.js';

type Env = Record<string, string | undefined>;

export type CompiledConfig =
  | {
      ok: true;
      config: PlainGatewayConfig;
      file: string | undefined;
      warnings: Diagnostic[];
      /** Each upstream and whether a client could be built for it. */
      upstreams: { name: string; available: boolean }[];
      /** Whether requests needed a key when the configuration was read. */
      keysRequired: boolean;
      /** The names `/v1/models` lists (aliases first), for the CLI's start message. */
      models: string[];
      /** The key store and how many keys it held, when one is used. */
      keyStore?: { path: string; count: number };
    }
  | { ok: false; code: string; message: string; diagnostics?: Diagnostic[] };

type Flags = Partial<Record<keyof GatewaySettings, unknown>>;
type Compiled = Extract<CompiledConfig, { ok: true }>;

/**
 * Reads the configuration the flags and the environment name, as `startGateway` does, into
 * plain JSON; throws what `startGateway` would (the CLI reports it with its own diagnostics).
 */
export async function compileGateway(env: Env, cwd: string, flags: Flags = {}): Promise<Compiled> {
  const loaded = await loadConfigForSettings(
    readGatewaySettings(flags, env),
    configNamed(flags, env),
    env,
    cwd,
  );
  const config = loaded.config;
  const { keysPath } = settingsWithConfig(flags, env, config);
  const pool = new UpstreamPool(config);
  const upstreams = pool.all().map((u) => ({ name: u.config.name, available: u.client !== undefined }));
  await pool.close();
  let keysRequired = false;
  let keyStore: Compiled['keyStore'];
  if (config.keys.require !== 'never') {
    // Opened once here so that a store that cannot be opened stops the start, as in-process.
    const store = await openKeyStore(keysPath, cwd);
    const gate = new KeyGate(store, config.keys.require);
    keysRequired = gate.required;
    keyStore = { path: store.path, count: await store.count() };
    gate.close();
    await store.close();
  }
  return {
    ok: true,
    config: toPlainConfig(config, env),
    file: loaded.file,
    warnings: loaded.warnings,
    upstreams,
    keysRequired,
    models: new Router(config).modelNames().map((m) => m.id),
    ...(keyStore !== undefined ? { keyStore } : {}),
  };
}

/** `compileGateway` for the container entry's child process: failures answered as data. */
export async function compileConfig(env: Env, cwd: string): Promise<CompiledConfig> {
  try {
    return await compileGateway(env, cwd);
  } catch (error) {
    const details = isAgentcrateError(error) ? (error.details as { diagnostics?: Diagnostic[] }) : undefined;
    return {
      ok: false,
      code: isAgentcrateError(error) ? error.code : 'E_INTERNAL',
      message: (error as Error).message ?? String(error),
      ...(details?.diagnostics !== undefined ? { diagnostics: details.diagnostics } : {}),
    };
  }
}

export interface ServedGateway {
  listener: NodeListener;
  gateway: GatewayApp;
  logger: GatewayLogger;
}

/** What the serving part is built from: a configuration `compileConfig` answered, the settings. */
export interface ServeOptions {
  config: PlainGatewayConfig;
  env: Env;
  cwd: string;
  settings: GatewaySettings;
  keysPath: string;
  secrets: readonly string[];
}

/** The app, its log and its Node listener. */
export async function serveGateway(options: ServeOptions): Promise<ServedGateway> {
  const { settings, env } = options;
  const config = fromPlainConfig(options.config, env);
  const logger = createGatewayLogger({
    level: settings.logLevel,
    env,
    secrets: options.secrets,
    file: settings.logFile,
  });
  const keyStore =
    config.keys.require === 'never' ? undefined : await openKeyStore(options.keysPath, options.cwd);
  let gateway: GatewayApp;
  try {
    gateway = createGatewayApp({
      ...appSettings(settings, config, env, keyStore, logger),
      // Start-up garbage stayed in the process that read the configuration.
      startupTrimMs: 0,
    });
  } catch (error) {
    await keyStore?.close();
    throw error;
  }
  return { listener: gatewayListener(gateway, settings.host), gateway, logger };
}
