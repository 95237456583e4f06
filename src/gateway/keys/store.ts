/**
 * Virtual API keys in SQLite (`node:sqlite`): the key itself is shown once at creation and
 * only its SHA-256 is stored. Each key carries its limits (requests and tokens per minute, a
 * spending budget, optionally per period, optionally the models it may use) and what it has
 * spent. Spending is added with atomic increments, so several gateway processes may share
 * the file; `changed()` tells a process when another connection (the CLI creating or revoking
 * a key, another gateway) committed something.
 */
import { randomBytes } from 'node:crypto';
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync, type StatementSync } from 'node:sqlite';
import { AgentcrateError } from '../../errors.js';
import { hashKey } from './hash.js';
import type { MinuteWindow } from './window.js';

export interface KeyLimits {
  rpm?: number;
  tpm?: number;
  budgetUsd?: number;
  /** Budget resets every this many ms; undefined: one budget for the key's life. */
  budgetPeriodMs?: number;
  /** Aliases or model names the key may ask for; undefined: any. */
  models?: string[];
}

export interface KeyRecord extends KeyLimits {
  id: string;
  name: string;
  /** The first characters of the key, to recognise it in a list (never enough to use it). */
  prefix: string;
  createdAt: number;
  revokedAt?: number;
  spentUsd: number;
  periodStart?: number;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  lastUsedAt?: number;
}

export interface CreatedKey {
  record: KeyRecord;
  /** The key to hand to the client; not stored, not shown again. */
  secret: string;
}

export interface SpendDelta {
  usd: number;
  requests: number;
  inputTokens: number;
  outputTokens: number;
  lastUsedAt: number;
}

/**
 * The seam between the gateway and where its keys live: this SQLite file (the default) or a
 * PostgreSQL database (`postgres.ts`, a `postgres://` --keys-db). What the request path reads
 * (`entries`, `get`, `dataVersion`, `check`) and `addSpend` answer at once from either; the
 * administration (`create`, `list`, `revoke`, `count`) may wait on the database.
 */
export interface GatewayKeyStore {
  /** Where the keys are: a file path, or the database URL without its password. */
  readonly path: string;
  create(name: string, limits: KeyLimits): CreatedKey | Promise<CreatedKey>;
  get(id: string): KeyRecord | undefined;
  list(): KeyRecord[] | Promise<KeyRecord[]>;
  entries(): Array<{ hash: string; record: KeyRecord }>;
  count(): number | Promise<number>;
  revoke(idOrSecret: string): KeyRecord | undefined | Promise<KeyRecord | undefined>;
  addSpend(id: string, delta: SpendDelta): void;
  /** Changes when keys were created, revoked or spent on by another process. */
  dataVersion(): number;
  /**
   * True when `dataVersion()` is a field the store keeps current itself (it is told of changes),
   * so it may be read on every request instead of once a second.
   */
  readonly liveVersion?: boolean;
  /**
   * Counts what this gateway admitted for a key with per-minute limits (requests when admitted,
   * tokens when the answer finished), for stores shared by several gateways.
   */
  countUsage?(id: string, requests: number, tokens: number, nowMs: number): void;
  /** What the other gateways sharing the store admitted for the key in the last minute. */
  othersUsage?(id: string): { requests: MinuteWindow; tokens: MinuteWindow } | undefined;
  check(): { ok: boolean; reason?: string };
  close(): void | Promise<void>;
}

const MIGRATIONS = [
  `CREATE TABLE gateway_keys (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    hash TEXT NOT NULL UNIQUE,
    prefix TEXT NOT NULL,
    created_at INTEGER NOT NULL,
    revoked_at INTEGER,
    rpm INTEGER,
    tpm INTEGER,
    budget_usd REAL,
    budget_period_ms INTEGER,
    models TEXT,
    spent_usd REAL NOT NULL DEFAULT 0,
    period_start INTEGER,
    requests INTEGER NOT NULL DEFAULT 0,
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    last_used_at INTEGER
  ) WITHOUT ROWID;`,
];

export const KEY_PREFIX = 'sk-gw-';

export { hashKey };

type Row = Record<string, number | string | null>;

/**
 * A new key: the secret shown once and the values of its row, in the order of
 * `KEY_INSERT_COLUMNS` (only its hash and a prefix to recognise it are kept).
 */
export function newKey(
  name: string,
  limits: KeyLimits,
  now: number,
): { secret: string; id: string; values: unknown[] } {
  const secret = `${KEY_PREFIX}${randomBytes(24).toString('base64url')}`;
  const id = `key_${randomBytes(6).toString('hex')}`;
  const values = [
    id,
    name,
    hashKey(secret),
    secret.slice(0, KEY_PREFIX.length + 4),
    now,
    limits.rpm ?? null,
    limits.tpm ?? null,
    limits.budgetUsd ?? null,
    limits.budgetPeriodMs ?? null,
    limits.models === undefined ? null : JSON.stringify(limits.models),
    limits.budgetPeriodMs === undefined ? null : now,
  ];
  return { secret, id, values };
}

export const KEY_INSERT_COLUMNS =
  'id, name, hash, prefix, created_at, rpm, tpm, budget_usd, budget_period_ms, models, period_start';

export class KeyStore implements GatewayKeyStore {
  readonly path: string;
  readonly #db: DatabaseSync;
  readonly #now: () => number;
  readonly #statements = new Map<string, StatementSync>();

  private constructor(db: DatabaseSync, path: string, now: () => number) {
    this.#db = db;
    this.path = path;
    this.#now = now;
  }

  static open(path: string, now: () => number = Date.now): KeyStore {
    const memory = path === ':memory:';
    const file = memory ? path : resolve(path);
    let db: DatabaseSync;
    try {
      if (!memory) mkdirSync(dirname(file), { recursive: true });
      db = new DatabaseSync(file);
      db.exec('PRAGMA busy_timeout = 5000');
      db.exec('PRAGMA journal_mode = WAL');
      db.exec('PRAGMA synchronous = NORMAL');
      migrate(db, file);
    } catch (error) {
      if (error instanceof AgentcrateError) throw error;
      throw new AgentcrateError(
        'E_STORE',
        `cannot open the gateway key store ${file}: ${(error as Error).message}; choose a writable --keys-db path`,
        { cause: error, details: { path: file } },
      );
    }
    return new KeyStore(db, file, now);
  }

  #stmt(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  create(name: string, limits: KeyLimits): CreatedKey {
    const { secret, id, values } = newKey(name, limits, this.#now());
    this.#stmt(
      `INSERT INTO gateway_keys (${KEY_INSERT_COLUMNS}) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
    ).run(...(values as Array<string | number | null>));
    return { record: this.get(id) as KeyRecord, secret };
  }

  get(id: string): KeyRecord | undefined {
    const row = this.#stmt('SELECT * FROM gateway_keys WHERE id = ?').get(id) as Row | undefined;
    return row === undefined ? undefined : toRecord(row);
  }

  findByHash(hash: string): KeyRecord | undefined {
    const row = this.#stmt('SELECT * FROM gateway_keys WHERE hash = ?').get(hash) as Row | undefined;
    return row === undefined ? undefined : toRecord(row);
  }

  list(): KeyRecord[] {
    return (this.#stmt('SELECT * FROM gateway_keys ORDER BY created_at, id').all() as Row[]).map(toRecord);
  }

  /** Every key with its hash (for the gateway's in-memory lookup). */
  entries(): Array<{ hash: string; record: KeyRecord }> {
    return (this.#stmt('SELECT * FROM gateway_keys ORDER BY created_at, id').all() as Row[]).map((row) => ({
      hash: String(row.hash),
      record: toRecord(row),
    }));
  }

  /** How many keys were ever created (revoked ones included). */
  count(): number {
    return Number((this.#stmt('SELECT count(*) AS n FROM gateway_keys').get() as Row).n);
  }

  /** Revokes by id or by the full key; false when there is no such key. */
  revoke(idOrSecret: string): KeyRecord | undefined {
    const where = idOrSecret.startsWith(KEY_PREFIX) ? 'hash = ?' : 'id = ?';
    const value = idOrSecret.startsWith(KEY_PREFIX) ? hashKey(idOrSecret) : idOrSecret;
    const row = this.#stmt(
      `UPDATE gateway_keys SET revoked_at = coalesce(revoked_at, ?) WHERE ${where} RETURNING *`,
    ).get(this.#now(), value) as Row | undefined;
    return row === undefined ? undefined : toRecord(row);
  }

  /** Adds spending; a key whose budget period ended starts a new period first. */
  addSpend(id: string, delta: SpendDelta): void {
    const now = this.#now();
    this.#stmt(
      `UPDATE gateway_keys SET
         spent_usd = CASE WHEN budget_period_ms IS NOT NULL AND ? >= period_start + budget_period_ms THEN ? ELSE spent_usd + ? END,
         period_start = CASE WHEN budget_period_ms IS NOT NULL AND ? >= period_start + budget_period_ms
           THEN period_start + ((? - period_start) / budget_period_ms) * budget_period_ms ELSE period_start END,
         requests = requests + ?, input_tokens = input_tokens + ?, output_tokens = output_tokens + ?,
         last_used_at = max(coalesce(last_used_at, 0), ?)
       WHERE id = ?`,
    ).run(
      now,
      delta.usd,
      delta.usd,
      now,
      now,
      delta.requests,
      delta.inputTokens,
      delta.outputTokens,
      delta.lastUsedAt,
      id,
    );
  }

  /** SQLite's data_version: changes when another connection commits to the file. */
  dataVersion(): number {
    return Number((this.#stmt('PRAGMA data_version').get() as Row).data_version);
  }

  /** A write and read of the file, for readiness. */
  check(): { ok: boolean; reason?: string } {
    try {
      this.#stmt('SELECT 1 FROM gateway_keys LIMIT 1').get();
      return { ok: true };
    } catch (error) {
      return { ok: false, reason: `the key store cannot be read: ${(error as Error).message}` };
    }
  }

  close(): void {
    this.#statements.clear();
    if (this.#db.isOpen) this.#db.close();
  }
}

function migrate(db: DatabaseSync, path: string): void {
  const current = Number((db.prepare('PRAGMA user_version').get() as Row).user_version ?? 0);
  if (current > MIGRATIONS.length) {
    throw new AgentcrateError(
      'E_STORE',
      `the gateway key store ${path} has schema version ${current}, newer than this agentcrate supports (${MIGRATIONS.length}); upgrade agentcrate`,
    );
  }
  for (let version = current; version < MIGRATIONS.length; version++) {
    db.exec('BEGIN IMMEDIATE');
    try {
      db.exec(MIGRATIONS[version] as string);
      db.exec(`PRAGMA user_version = ${version + 1}`);
      db.exec('COMMIT');
    } catch (error) {
      db.exec('ROLLBACK');
      throw error;
    }
  }
}

/** A row of `gateway_keys` (SQLite's or PostgreSQL's: the same columns) as a record. */
export function toRecord(row: Row): KeyRecord {
  const num = (name: string): number | undefined =>
    row[name] === null || row[name] === undefined ? undefined : Number(row[name]);
  const record: KeyRecord = {
    id: String(row.id),
    name: String(row.name),
    prefix: String(row.prefix),
    createdAt: Number(row.created_at),
    spentUsd: Number(row.spent_usd),
    requests: Number(row.requests),
    inputTokens: Number(row.input_tokens),
    outputTokens: Number(row.output_tokens),
  };
  const optional: Array<[keyof KeyRecord, string]> = [
    ['revokedAt', 'revoked_at'],
    ['rpm', 'rpm'],
    ['tpm', 'tpm'],
    ['budgetUsd', 'budget_usd'],
    ['budgetPeriodMs', 'budget_period_ms'],
    ['periodStart', 'period_start'],
    ['lastUsedAt', 'last_used_at'],
  ];
  for (const [key, column] of optional) {
    const value = num(column);
    if (value !== undefined) (record as unknown as Record<string, number>)[key] = value;
  }
  if (typeof row.models === 'string') record.models = JSON.parse(row.models) as string[];
  return record;
}
