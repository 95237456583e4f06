/**
 * `agentcrate gateway keys create|list|revoke`: virtual keys in the gateway's SQLite file
 * (the administration itself is the gateway room's, shared with its container entry).
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import type { GatewaySettings } from '../../gateway/settings.js';
import type { GatewayContext } from '../commands/gateway.js';

export async function keysCommand(
  ctx: GatewayContext,
  args: string[],
  flags: Partial<Record<keyof GatewaySettings, unknown>>,
): Promise<number> {
  const { keysAdmin } = await import('../../gateway/keys/admin.js');
  const c = ctx.output.color;
  const o = ctx.options;
  return keysAdmin(
    await keysPath(ctx, flags),
    args,
    {
      name: o.name,
      rpm: o.rpm,
      tpm: o.tpm,
      budgetUsd: o.budgetUsd,
      budgetPeriod: o.budgetPeriod,
      ...(o.models.length > 0 ? { models: o.models.join(',') } : {}),
      json: o.json,
    },
    { out: ctx.output.out, err: ctx.output.err, green: c.green, dim: c.dim },
  );
}

async function keysPath(
  ctx: GatewayContext,
  flags: Partial<Record<keyof GatewaySettings, unknown>>,
): Promise<string> {
  const { readGatewaySettings } = await import('../../gateway/settings.js');
  const settings = readGatewaySettings(flags, ctx.env);
  const { isPostgresKeyStore } = await import('../../gateway/keys/open.js');
  const at = (location: string) => (isPostgresKeyStore(location) ? location : resolve(ctx.cwd, location));
  if (flags.keysDb !== undefined || ctx.env.GATEWAY_KEYS_DB) return at(settings.keysDb);
  // The configuration file may name the store (keys.db); read leniently, it may not exist.
  const configFile = resolve(ctx.cwd, settings.config);
  if (existsSync(configFile)) {
    const { loadGatewayConfigFile } = await import('../../gateway/config/load.js');
    const db = (await loadGatewayConfigFile(configFile, ctx.env)).config?.keys.db;
    if (db !== undefined) return at(db);
  }
  return at(settings.keysDb);
}
