/**
 * `agentcrate gateway keys create|list|revoke`: virtual keys in the gateway's SQLite file.
 * The key is printed once, at creation, on stdout (so `$(agentcrate gateway keys create)`
 * captures it); everything else goes to stderr.
 */
import { existsSync } from 'node:fs';
import { resolve } from 'node:path';
import { AgentcrateError } from '../../errors.js';
import type { KeyLimits, KeyRecord } from '../../gateway/keys/store.js';
import type { GatewaySettings } from '../../gateway/settings.js';
import type { CommandContext } from '../commands.js';

export async function keysCommand(
  ctx: CommandContext,
  args: string[],
  flags: Partial<Record<keyof GatewaySettings, unknown>>,
): Promise<number> {
  const { KeyStore } = await import('../../gateway/keys/store.js');
  const path = await keysPath(ctx, flags);
  const [action, target] = args;
  if (action !== 'create' && action !== 'list' && action !== 'revoke') {
    throw new AgentcrateError(
      'E_USAGE',
      `use agentcrate gateway keys create|list|revoke <id>, not '${action ?? ''}'`,
    );
  }
  if (action !== 'create' && path !== ':memory:' && !existsSync(path)) {
    throw new AgentcrateError(
      'E_IO',
      `no key store at ${path}: create a key first (agentcrate gateway keys create), or pass --keys-db`,
    );
  }
  const store = KeyStore.open(path);
  try {
    if (action === 'create') return create(ctx, store);
    if (action === 'list') return list(ctx, store.list());
    if (target === undefined)
      throw new AgentcrateError(
        'E_USAGE',
        'agentcrate gateway keys revoke <id>: name the key (its id, or the key itself)',
      );
    const revoked = store.revoke(target);
    if (revoked === undefined) throw new AgentcrateError('E_NOT_FOUND', `no key '${target}' in ${path}`);
    ctx.output.err(
      `${ctx.output.color.green('✓')} revoked ${revoked.id} (${revoked.name}); a running gateway refuses it within a second`,
    );
    return 0;
  } finally {
    store.close();
  }
}

async function keysPath(
  ctx: CommandContext,
  flags: Partial<Record<keyof GatewaySettings, unknown>>,
): Promise<string> {
  const { readGatewaySettings } = await import('../../gateway/settings.js');
  const settings = readGatewaySettings(flags, ctx.env);
  if (flags.keysDb !== undefined || ctx.env.GATEWAY_KEYS_DB) return resolve(ctx.cwd, settings.keysDb);
  // The configuration file may name the store (keys.db); read leniently, it may not exist.
  const configFile = resolve(ctx.cwd, settings.config);
  if (existsSync(configFile)) {
    const { loadGatewayConfigFile } = await import('../../gateway/config/load.js');
    const db = (await loadGatewayConfigFile(configFile, ctx.env)).config?.keys.db;
    if (db !== undefined) return resolve(ctx.cwd, db);
  }
  return resolve(ctx.cwd, settings.keysDb);
}

function positive(value: unknown, flag: string, integer: boolean): number | undefined {
  if (value === undefined) return undefined;
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0 || (integer && !Number.isInteger(n))) {
    throw new AgentcrateError(
      'E_USAGE',
      `${flag} expects a ${integer ? 'whole ' : ''}number > 0, got '${String(value)}'`,
    );
  }
  return n;
}

async function create(
  ctx: CommandContext,
  store: import('../../gateway/keys/store.js').KeyStore,
): Promise<number> {
  const o = ctx.options;
  const limits: KeyLimits = {};
  const rpm = positive(o.rpm, '--rpm', true);
  const tpm = positive(o.tpm, '--tpm', true);
  const budget = positive(o.budgetUsd, '--budget-usd', false);
  if (rpm !== undefined) limits.rpm = rpm;
  if (tpm !== undefined) limits.tpm = tpm;
  if (budget !== undefined) limits.budgetUsd = budget;
  if (o.budgetPeriod !== undefined) {
    if (budget === undefined) throw new AgentcrateError('E_USAGE', '--budget-period needs --budget-usd');
    const { parseDuration } = await import('../../telemetry/costs.js');
    limits.budgetPeriodMs = parseDuration(String(o.budgetPeriod), '--budget-period');
  }
  if (o.models !== undefined) {
    limits.models = String(o.models)
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m !== '');
  }
  const { record, secret } = store.create(typeof o.name === 'string' ? o.name : 'unnamed', limits);
  if (o.json === true) {
    ctx.output.out(JSON.stringify({ key: secret, ...view(record) }, null, 2));
    return 0;
  }
  ctx.output.out(secret);
  ctx.output.err(
    `${ctx.output.color.green('✓')} created ${record.id} (${record.name}) in ${store.path}: ${limitsText(record)}\n` +
      ctx.output.color.dim('  the key is shown only now; clients send it as Authorization: Bearer <key>'),
  );
  return 0;
}

function list(ctx: CommandContext, records: KeyRecord[]): number {
  if (ctx.options.json === true) {
    ctx.output.out(JSON.stringify(records.map(view), null, 2));
    return 0;
  }
  if (records.length === 0) {
    ctx.output.err('no keys yet: agentcrate gateway keys create --rpm 600 --budget-usd 20');
    return 0;
  }
  const rows = records.map((r) => [
    r.id,
    r.name,
    `${r.prefix}…`,
    r.revokedAt !== undefined ? 'revoked' : 'active',
    limitsText(r),
    `$${r.spentUsd.toFixed(4)}${r.budgetUsd !== undefined ? ` / $${r.budgetUsd}` : ''}`,
    String(r.requests),
    r.lastUsedAt !== undefined ? new Date(r.lastUsedAt).toISOString().slice(0, 19).replace('T', ' ') : '-',
  ]);
  const header = ['id', 'name', 'key', 'status', 'limits', 'spent', 'requests', 'last used'];
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((row) => row[i]!.length)));
  const line = (cells: string[]) =>
    cells
      .map((cell, i) => cell.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  ctx.output.out([line(header), ...rows.map(line)].join('\n'));
  return 0;
}

function limitsText(r: KeyRecord): string {
  const parts: string[] = [];
  if (r.rpm !== undefined) parts.push(`${r.rpm} rpm`);
  if (r.tpm !== undefined) parts.push(`${r.tpm} tpm`);
  if (r.budgetUsd !== undefined) {
    parts.push(
      `$${r.budgetUsd}${r.budgetPeriodMs !== undefined ? ` per ${Math.round(r.budgetPeriodMs / 3_600_000)}h` : ''}`,
    );
  }
  if (r.models !== undefined) parts.push(`models ${r.models.join(',')}`);
  return parts.length > 0 ? parts.join(', ') : 'no limits';
}

function view(r: KeyRecord): Record<string, unknown> {
  return {
    id: r.id,
    name: r.name,
    prefix: r.prefix,
    status: r.revokedAt !== undefined ? 'revoked' : 'active',
    rpm: r.rpm ?? null,
    tpm: r.tpm ?? null,
    budget_usd: r.budgetUsd ?? null,
    budget_period_ms: r.budgetPeriodMs ?? null,
    models: r.models ?? null,
    spent_usd: r.spentUsd,
    requests: r.requests,
    input_tokens: r.inputTokens,
    output_tokens: r.outputTokens,
    created_at: new Date(r.createdAt).toISOString(),
    last_used_at: r.lastUsedAt !== undefined ? new Date(r.lastUsedAt).toISOString() : null,
    revoked_at: r.revokedAt !== undefined ? new Date(r.revokedAt).toISOString() : null,
  };
}
