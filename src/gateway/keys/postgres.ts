/**
 * Virtual keys in PostgreSQL (`--keys-db postgres://…`, the `gateway_keys` table of the job
 * store's schema, migration v3), so several gateway pods share keys and budgets. The request
 * path never waits on the database: like the gateway's in-memory view of the SQLite file, the
 * rows are mirrored here and read synchronously; spending is applied to the mirror at once and
 * written in the background (added with atomic increments, so gateways never overwrite each
 * other's), and the table is polled every `pollMs` for keys created, revoked or spent on
 * elsewhere. Every write bumps the row's `version` from a sequence; a poll compares the sum
 * of versions, which changes whenever any row does (versions only grow), whatever order the
 * transactions commit in.
 */
import type { PgConnection } from '../../store/postgres/index.js';
import {
  type CreatedKey,
  type GatewayKeyStore,
  hashKey,
  KEY_INSERT_COLUMNS,
  KEY_PREFIX,
  type KeyLimits,
  type KeyRecord,
  newKey,
  type SpendDelta,
  toRecord,
} from './store.js';

type Row = Record<string, number | string | null>;

export interface PgKeyStoreOptions {
  now?: () => number;
  /** How often the table is read for others' changes and spending written (default 0.5 s). */
  pollMs?: number;
}

export class PgKeyStore implements GatewayKeyStore {
  readonly path: string;
  readonly #c: PgConnection;
  readonly #now: () => number;
  /** The rows as last read or written, by id. */
  readonly #rows = new Map<string, { hash: string; record: KeyRecord }>();
  /** Spending not yet sent, and spending being sent, by key id: both shown in the mirror. */
  #unsent = new Map<string, SpendDelta>();
  #sending = new Map<string, SpendDelta>();
  #fingerprint = '';
  #version = 0;
  #check: { ok: boolean; reason?: string } = { ok: true };
  #timer: NodeJS.Timeout | undefined;
  #syncing: Promise<void> | undefined;

  private constructor(c: PgConnection, now: () => number) {
    this.#c = c;
    this.path = c.label;
    this.#now = now;
  }

  static async open(url: string, options: PgKeyStoreOptions = {}): Promise<PgKeyStore> {
    const { openPgConnection } = await import('../../store/postgres/index.js');
    const store = new PgKeyStore(await openPgConnection(url, { poolSize: 2 }), options.now ?? Date.now);
    try {
      await store.#poll();
    } catch (error) {
      await store.#c.close().catch(() => undefined);
      throw error;
    }
    store.#timer = setInterval(() => void store.sync(), options.pollMs ?? 500);
    store.#timer.unref();
    return store;
  }

  async create(name: string, limits: KeyLimits): Promise<CreatedKey> {
    const { secret, values } = newKey(name, limits, this.#now());
    const [row] = await this.#c.q<Row>(
      'create a gateway key',
      `INSERT INTO gateway_keys (${KEY_INSERT_COLUMNS}, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, nextval('gateway_keys_changes')) RETURNING *`,
      values,
    );
    this.#keep(row!);
    return { record: toRecord(row!), secret };
  }

  get(id: string): KeyRecord | undefined {
    const row = this.#rows.get(id);
    return row === undefined ? undefined : this.#view(row.record);
  }

  async list(): Promise<KeyRecord[]> {
    await this.#poll();
    return this.entries().map((e) => e.record);
  }

  entries(): Array<{ hash: string; record: KeyRecord }> {
    return [...this.#rows.values()]
      .map(({ hash, record }) => ({ hash, record: this.#view(record) }))
      .sort((a, b) => a.record.createdAt - b.record.createdAt || a.record.id.localeCompare(b.record.id));
  }

  async count(): Promise<number> {
    const [row] = await this.#c.q<Row>(
      'count the gateway keys',
      'SELECT count(*)::int AS n FROM gateway_keys',
    );
    return Number(row!.n);
  }

  async revoke(idOrSecret: string): Promise<KeyRecord | undefined> {
    const bySecret = idOrSecret.startsWith(KEY_PREFIX);
    const [row] = await this.#c.q<Row>(
      'revoke a gateway key',
      `UPDATE gateway_keys SET revoked_at = coalesce(revoked_at, $1), version = nextval('gateway_keys_changes')
       WHERE ${bySecret ? 'hash' : 'id'} = $2 RETURNING *`,
      [this.#now(), bySecret ? hashKey(idOrSecret) : idOrSecret],
    );
    if (row === undefined) return undefined;
    this.#keep(row);
    return toRecord(row);
  }

  /** Counted in the mirror now, written with the next sync. */
  addSpend(id: string, delta: SpendDelta): void {
    const before = this.#unsent.get(id);
    this.#unsent.set(id, before === undefined ? { ...delta } : merge(before, delta));
  }

  dataVersion(): number {
    return this.#version;
  }

  check(): { ok: boolean; reason?: string } {
    return this.#check;
  }

  /** Writes spending and reads others' changes (the timer's work; tests call it to not wait). */
  sync(): Promise<void> {
    this.#syncing ??= (async () => {
      try {
        await this.#flush();
        await this.#poll();
        this.#check = { ok: true };
      } catch (error) {
        this.#check = {
          ok: false,
          reason: `the key store ${this.path} cannot be reached: ${(error as Error).message}`,
        };
      } finally {
        this.#syncing = undefined;
      }
    })();
    return this.#syncing;
  }

  async close(): Promise<void> {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    await this.#syncing;
    if (this.#unsent.size > 0) await this.sync();
    await this.#c.close();
  }

  async #flush(): Promise<void> {
    if (this.#unsent.size === 0) return;
    this.#sending = this.#unsent;
    this.#unsent = new Map();
    const now = this.#now();
    try {
      for (const [id, d] of [...this.#sending]) {
        const [row] = await this.#c.q<Row>(
          'add a gateway key’s spending',
          `UPDATE gateway_keys SET
             spent_usd = CASE WHEN budget_period_ms IS NOT NULL AND $1 >= period_start + budget_period_ms THEN $2 ELSE spent_usd + $2 END,
             period_start = CASE WHEN budget_period_ms IS NOT NULL AND $1 >= period_start + budget_period_ms
               THEN period_start + (($1 - period_start) / budget_period_ms) * budget_period_ms ELSE period_start END,
             requests = requests + $3, input_tokens = input_tokens + $4, output_tokens = output_tokens + $5,
             last_used_at = greatest(coalesce(last_used_at, 0), $6),
             version = nextval('gateway_keys_changes')
           WHERE id = $7 RETURNING *`,
          [now, d.usd, d.requests, d.inputTokens, d.outputTokens, d.lastUsedAt, id],
        );
        this.#sending.delete(id);
        if (row !== undefined) this.#keep(row);
      }
    } finally {
      // What was not written goes back, ahead of what came since: spending is never dropped.
      for (const [id, d] of this.#sending) {
        const later = this.#unsent.get(id);
        this.#unsent.set(id, later === undefined ? d : merge(d, later));
      }
      this.#sending = new Map();
    }
  }

  async #poll(): Promise<void> {
    const [mark] = await this.#c.q<Row>(
      'read the gateway keys’ version',
      'SELECT coalesce(sum(version), 0)::text AS v, count(*)::int AS n FROM gateway_keys',
    );
    const fingerprint = `${mark!.v}/${mark!.n}`;
    if (fingerprint === this.#fingerprint) return;
    const rows = await this.#c.q<Row>('read the gateway keys', 'SELECT * FROM gateway_keys');
    this.#rows.clear();
    for (const row of rows) this.#rows.set(String(row.id), { hash: String(row.hash), record: toRecord(row) });
    this.#fingerprint = fingerprint;
    this.#version++;
  }

  #keep(row: Row): void {
    this.#rows.set(String(row.id), { hash: String(row.hash), record: toRecord(row) });
    this.#version++;
  }

  /** The stored record with the spending not yet stored added, as the database will add it. */
  #view(record: KeyRecord): KeyRecord {
    let view = record;
    const now = this.#now();
    for (const pending of [this.#sending.get(record.id), this.#unsent.get(record.id)]) {
      if (pending !== undefined) view = withSpend(view, pending, now);
    }
    return view;
  }
}

function merge(a: SpendDelta, b: SpendDelta): SpendDelta {
  return {
    usd: a.usd + b.usd,
    requests: a.requests + b.requests,
    inputTokens: a.inputTokens + b.inputTokens,
    outputTokens: a.outputTokens + b.outputTokens,
    lastUsedAt: Math.max(a.lastUsedAt, b.lastUsedAt),
  };
}

/** The UPDATE of `addSpend` (both stores), on a record. */
function withSpend(r: KeyRecord, d: SpendDelta, now: number): KeyRecord {
  const period = r.budgetPeriodMs;
  const rolled = period !== undefined && r.periodStart !== undefined && now >= r.periodStart + period;
  const next: KeyRecord = {
    ...r,
    spentUsd: rolled ? d.usd : r.spentUsd + d.usd,
    requests: r.requests + d.requests,
    inputTokens: r.inputTokens + d.inputTokens,
    outputTokens: r.outputTokens + d.outputTokens,
    lastUsedAt: Math.max(r.lastUsedAt ?? 0, d.lastUsedAt),
  };
  if (rolled) next.periodStart = r.periodStart! + Math.floor((now - r.periodStart!) / period) * period;
  return next;
}
