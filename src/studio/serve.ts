/**
 * `startStudio`: open the store, build the app, bind the port (loopback by default) and
 * return the URL with its access token. Prints nothing: the CLI says what to open.
 */

import { stat } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';
import { type ServerType, serve } from '@hono/node-server';
import { AgentcrateError } from '../errors.js';
import { silentLogger } from '../server/logger.js';
import { resolveStoreLocation, storeLabel } from '../store/index.js';
import { openStore } from '../store/open.js';
import { createStudioApp, type StudioOptions } from './app.js';
import { type OwnershipState, StoreOwnership } from './ownership.js';
import { newAccessToken } from './security.js';
import type { StudioSettings } from './settings.js';

export interface StartStudioOptions
  extends Omit<StudioOptions, 'store' | 'token' | 'port' | 'allowedHosts' | 'deployDir' | 'logPrompts'> {
  settings: StudioSettings;
  /** Default: a new random token. */
  token?: string;
}

export interface RunningStudio {
  /** Base URL without the token. */
  url: string;
  /** The URL to open: base URL with `?token=`. */
  openUrl: string;
  token: string;
  port: number;
  /** Owner of the store (runs jobs), or read-only beside the process that owns it. */
  store: OwnershipState;
  close(): Promise<void>;
}

const WILDCARD = new Set(['0.0.0.0', '::', '[::]']);

export async function startStudio(options: StartStudioOptions): Promise<RunningStudio> {
  const { settings } = options;
  const dir = resolve(options.dir);
  const info = await stat(dir).catch(() => undefined);
  if (!info?.isDirectory()) {
    throw new AgentcrateError(
      'E_USAGE',
      `${options.dir} is not a folder; pass the folder of your workflow files`,
    );
  }
  const storePath = resolveStoreLocation(settings.store, {}, options.cwd ?? process.cwd());
  const store = await openStore(storePath);
  // Owning the store before anything is served: a `serve` started later on the same file is
  // refused instead of taking the studio's running jobs for a crash's leftovers.
  const ownership = new StoreOwnership(store, options.logger ?? silentLogger, storeLabel(storePath));
  try {
    await ownership.tryClaim();
  } catch (error) {
    await store.close();
    throw error;
  }
  const token = options.token ?? newAccessToken();

  // The port is only known once bound; the app is built after (the cookie name needs it).
  let fetchImpl: ((req: Request, env: unknown) => Response | Promise<Response>) | undefined;
  let server: ServerType;
  let address: AddressInfo;
  try {
    ({ server, address } = await new Promise<{ server: ServerType; address: AddressInfo }>((done, fail) => {
      const s = serve(
        {
          fetch: (req, env) => (fetchImpl ? fetchImpl(req, env) : new Response('starting', { status: 503 })),
          port: settings.port,
          hostname: settings.host,
        },
        (a) => done({ server: s, address: a }),
      );
      s.once('error', fail);
    }));
  } catch (error) {
    await store.close();
    const code = (error as NodeJS.ErrnoException).code;
    throw new AgentcrateError(
      'E_IO',
      code === 'EADDRINUSE'
        ? `port ${settings.port} is already in use on ${settings.host}; stop the other process or pass another --port`
        : `cannot listen on ${settings.host}:${settings.port}: ${(error as Error).message}`,
      { cause: error },
    );
  }
  const studio = createStudioApp({
    ...options,
    dir,
    store,
    storeLabel: storeLabel(storePath),
    ownership,
    token,
    port: address.port,
    allowedHosts: settings.allowedHosts,
    boundHost: settings.host,
    ...(settings.deployDir !== undefined
      ? { deployDir: resolve(options.cwd ?? process.cwd(), settings.deployDir) }
      : {}),
    logPrompts: settings.logPrompts,
  });
  fetchImpl = studio.app.fetch;
  if ('keepAliveTimeout' in server) server.keepAliveTimeout = 5000;

  const host = WILDCARD.has(address.address)
    ? '127.0.0.1'
    : address.address.includes(':')
      ? `[${address.address}]`
      : address.address;
  const url = `http://${host}:${address.port}`;
  let closing: Promise<void> | undefined;
  return {
    url,
    openUrl: `${url}/?token=${token}`,
    token,
    port: address.port,
    get store() {
      return ownership.state;
    },
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((r) => server.close(() => r()));
        if ('closeAllConnections' in server) server.closeAllConnections();
        await studio.close();
        await closed;
        await ownership.release();
        await store.close();
      })();
      return closing;
    },
  };
}
