/**
 * Administration of virtual keys — create, list, revoke — shared by `agentcrate gateway keys`
 * and the gateway's container entry (`node gateway.js keys …`), so both print the same. The
 * key is printed once, at creation, on stdout (so `$(… keys create)` captures it); everything
 * else goes to stderr.
 */
import { existsSync } from 'node:fs';
import { AgentcrateError } from '../../errors.js';
import { parseDuration } from '../../settings/index.js';
import { isPostgresKeyStore, openKeyStore } from './open.js';
import type { GatewayKeyStore, KeyLimits, KeyRecord } from './store.js';

export interface KeysOptions {
  name?: unknown;
  rpm?: unknown;
  tpm?: unknown;
  budgetUsd?: unknown;
  budgetPeriod?: unknown;
  models?: unknown;
  json?: unknown;
}

export interface KeysIo {
  out(text: string): void;
  err(text: string): void;
  green(text: string): string;
  dim(text: string): string;
}

export const KEYS_USAGE =
  'keys create [--name N] [--rpm N] [--tpm N] [--budget-usd USD] [--budget-period 30d] [--models a,b] | keys list | keys revoke <id>';

/** Runs one keys action on the store at `path` (a file or a postgres:// URL); returns the exit code. */
export async function keysAdmin(
  path: string,
  args: readonly string[],
  options: KeysOptions,
  io: KeysIo,
): Promise<number> {
  const [action, target] = args;
  if (action !== 'create' && action !== 'list' && action !== 'revoke') {
    throw new AgentcrateError('E_USAGE', `unknown keys action '${action ?? ''}': ${KEYS_USAGE}`);
  }
  if (action !== 'create' && path !== ':memory:' && !isPostgresKeyStore(path) && !existsSync(path)) {
    throw new AgentcrateError(
      'E_IO',
      `no key store at ${path}: create a key first (keys create), or name the file (--keys-db, GATEWAY_KEYS_DB)`,
    );
  }
  const store = await openKeyStore(path);
  try {
    if (action === 'create') return await create(store, options, io);
    if (action === 'list') return list(await store.list(), options, io);
    if (target === undefined)
      throw new AgentcrateError('E_USAGE', 'keys revoke <id>: name the key (its id, or the key itself)');
    const revoked = await store.revoke(target);
    if (revoked === undefined)
      throw new AgentcrateError('E_NOT_FOUND', `no key '${target}' in ${store.path}`);
    io.err(
      `${io.green('✓')} revoked ${revoked.id} (${revoked.name}); a running gateway refuses it within a second`,
    );
    return 0;
  } finally {
    await store.close();
  }
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

async function create(store: GatewayKeyStore, o: KeysOptions, io: KeysIo): Promise<number> {
  const limits: KeyLimits = {};
  const rpm = positive(o.rpm, '--rpm', true);
  const tpm = positive(o.tpm, '--tpm', true);
  const budget = positive(o.budgetUsd, '--budget-usd', false);
  if (rpm !== undefined) limits.rpm = rpm;
  if (tpm !== undefined) limits.tpm = tpm;
  if (budget !== undefined) limits.budgetUsd = budget;
  if (o.budgetPeriod !== undefined) {
    if (budget === undefined) throw new AgentcrateError('E_USAGE', '--budget-period needs --budget-usd');
    limits.budgetPeriodMs = parseDuration(String(o.budgetPeriod), { name: '--budget-period' });
  }
  if (o.models !== undefined) {
    limits.models = String(o.models)
      .split(',')
      .map((m) => m.trim())
      .filter((m) => m !== '');
  }
  const { record, secret } = await store.create(typeof o.name === 'string' ? o.name : 'unnamed', limits);
  if (o.json === true) {
    io.out(JSON.stringify({ key: secret, ...view(record) }, null, 2));
    return 0;
  }
  io.out(secret);
  io.err(
    `${io.green('✓')} created ${record.id} (${record.name}) in ${store.path}: ${limitsText(record)}\n` +
      io.dim('  the key is shown only now; clients send it as Authorization: Bearer <key>'),
  );
  return 0;
}

function list(records: KeyRecord[], o: KeysOptions, io: KeysIo): number {
  if (o.json === true) {
    io.out(JSON.stringify(records.map(view), null, 2));
    return 0;
  }
  if (records.length === 0) {
    io.err('no keys yet: keys create --rpm 600 --budget-usd 20');
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
  io.out([line(header), ...rows.map(line)].join('\n'));
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
