/** The job store as the reading commands (traces, report) open it. */
import { existsSync } from 'node:fs';
import { AgentcrateError } from '../../errors.js';
import { createSqliteStore, isPostgresLocation, type Store } from '../../store/index.js';
import { openStore } from '../../store/open.js';
import { loadPriceTable, type TraceReadOptions } from '../../telemetry/index.js';

/** Prices for calls stored unpriced (events of older versions): the defaults and AGENTCRATE_PRICES. */
export function traceReadOptions(env: NodeJS.ProcessEnv): TraceReadOptions {
  return { prices: loadPriceTable({ env }) };
}

/** Opens an existing store; reading traces must not create an empty one by accident. */
export async function openExistingStore(path: string): Promise<Store> {
  if (isPostgresLocation(path)) return openStore(path);
  if (!existsSync(path)) {
    throw new AgentcrateError(
      'E_IO',
      `no job store at ${path}; runs are recorded there by 'agentcrate run' and 'agentcrate serve' (pass --store <path> or set AGENTCRATE_STORE for another file)`,
    );
  }
  return createSqliteStore(path);
}
