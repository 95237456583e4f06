/**
 * Virtual keys in PostgreSQL (`--keys-db postgres://…`, the `gateway_keys` table of the job
 * store's schema, migration v3), so several gateway pods share keys, budgets and per-minute
 * limits. The request path never waits on the database: like the gateway's in-memory view of
 * the SQLite file, the rows are mirrored here and read synchronously; spending is applied to
 * the mirror at once and written in the background (added with atomic increments, so gateways
 * never overwrite each other's). Every write bumps the row's `version` from a sequence and
 * NOTIFYs the other gateways, which read the table again at once; a poll compares the sum of
 * versions, which changes whenever any row does (versions only grow), whatever order the
 * transactions commit in. Polling remains the fallback: after the listening connection
 * (re)connects (notifications sent meanwhile are lost) and every `fallbackPollMs`.
 *
 * Per-minute limits: what this gateway admits per key and second is added to
 * `gateway_key_usage` (migration v4) with each sync, and the others' counts are read back, so
 * the gate counts them too.
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
import { MinuteWindow } from './window.js';

type Row = Record<string, number | string | null>;

export interface PgKeyStoreOptions {
  now?: () => number;
  /** How often spending and usage are written and the others' usage read (default 0.5 s). */
  pollMs?: number;
  /** How often the keys are read without having been told of a change (default 10 s). */
  fallbackPollMs?: number;
}

/** Seconds of usage rows kept (the minute the limits look at, and some slack). */
const USAGE_KEEP_SECONDS = 120;

/** Per key, per epoch second: [requests, tokens]. */
type Usage = Map<string, Map<number, [number, number]>>;

function addUsage(into: Usage, id: string, second: number, requests: number, tokens: number): void {
  let seconds = into.get(id);
  if (seconds === undefined) {
    seconds = new Map();
    into.set(id, seconds);
  }
  const counts = seconds.get(second);
  if (counts === undefined) seconds.set(second, [requests, tokens]);
  else {
    counts[0] += requests;
    counts[1] += tokens;
  }
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
  #fallback: NodeJS.Timeout | undefined;
  #syncing: Promise<void> | undefined;
  #polling: Promise<void> | undefined;
  #pollAgain = false;
  #listening: { unlisten(): Promise<void> } | undefined;
  readonly liveVersion = true;
  /** This gateway's usage not yet written, and written (told apart from the others' in the sums). */
  #usageUnsent: Usage = new Map();
  readonly #usageSent: Usage = new Map();
  readonly #others = new Map<string, { requests: MinuteWindow; tokens: MinuteWindow }>();
  #sweptAt = 0;

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
    store.#fallback = setInterval(() => void store.#pollSafely(), options.fallbackPollMs ?? 10_000);
    store.#fallback.unref();
    // Told of others' changes at once; on each (re)connect, read again what may have been missed.
    store.#listening = await store.#c.sql
      .listen(
        store.#channel,
        () => void store.#pollSafely(),
        () => void store.#pollSafely(),
      )
      .catch(() => undefined);
    return store;
  }

  /** The NOTIFY channel of this schema's keys (short: a channel name has at most 63 bytes). */
  get #channel(): string {
    return `agentcrate_keys_${this.#c.lockSpace}`;
  }

  #notify(): string {
    return `pg_notify('${this.#channel}', '')`;
  }

  /** Reads the keys again; calls made meanwhile read once more after (a change may have come in between). */
  #pollSafely(): Promise<void> {
    if (this.#polling !== undefined) {
      this.#pollAgain = true;
      return this.#polling;
    }
    this.#polling = (async () => {
      try {
        do {
          this.#pollAgain = false;
          await this.#poll();
        } while (this.#pollAgain);
      } catch {
        // The periodic sync reports the store unreachable; the next notification or poll reads again.
      } finally {
        this.#polling = undefined;
      }
    })();
    return this.#polling;
  }

  countUsage(id: string, requests: number, tokens: number, nowMs: number): void {
    addUsage(this.#usageUnsent, id, Math.floor(nowMs / 1000), requests, tokens);
  }

  othersUsage(id: string): { requests: MinuteWindow; tokens: MinuteWindow } | undefined {
    return this.#others.get(id);
  }

  async create(name: string, limits: KeyLimits): Promise<CreatedKey> {
    const { secret, values } = newKey(name, limits, this.#now());
    const [row] = await this.#c.q<Row>(
      'create a gateway key',
      `INSERT INTO gateway_keys (${KEY_INSERT_COLUMNS}, version)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, nextval('gateway_keys_changes')) RETURNING *, ${this.#notify()}`,
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
       WHERE ${bySecret ? 'hash' : 'id'} = $2 RETURNING *, ${this.#notify()}`,
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
        await this.#shareUsage();
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
    if (this.#fallback !== undefined) clearInterval(this.#fallback);
    this.#timer = undefined;
    this.#fallback = undefined;
    await this.#listening?.unlisten().catch(() => undefined);
    await this.#syncing;
    await this.#polling;
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
           WHERE id = $7 RETURNING *, ${this.#notify()}`,
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

  /**
   * Adds this gateway's usage per key and second to the shared counts, then reads everyone's
   * for the last minute: the others' are the sums less what this gateway wrote.
   */
  async #shareUsage(): Promise<void> {
    const nowSecond = Math.floor(this.#now() / 1000);
    if (this.#usageUnsent.size > 0) {
      const sending = this.#usageUnsent;
      this.#usageUnsent = new Map();
      const ids: string[] = [];
      const seconds: number[] = [];
      const requests: number[] = [];
      const tokens: number[] = [];
      for (const [id, bySecond] of sending) {
        for (const [second, [r, t]] of bySecond) {
          ids.push(id);
          seconds.push(second);
          requests.push(r);
          tokens.push(t);
        }
      }
      try {
        await this.#c.q(
          'count a gateway key’s usage',
          `INSERT INTO gateway_key_usage (key_id, second, requests, tokens)
           SELECT * FROM unnest($1::text[], $2::bigint[], $3::bigint[], $4::bigint[])
           ON CONFLICT (key_id, second) DO UPDATE SET requests = gateway_key_usage.requests + excluded.requests,
             tokens = gateway_key_usage.tokens + excluded.tokens`,
          [ids, seconds, requests, tokens],
        );
      } catch (error) {
        // Counted again with the next sync.
        for (const [i, id] of ids.entries())
          addUsage(this.#usageUnsent, id, seconds[i]!, requests[i]!, tokens[i]!);
        throw error;
      }
      for (const [i, id] of ids.entries())
        addUsage(this.#usageSent, id, seconds[i]!, requests[i]!, tokens[i]!);
    }
    for (const bySecond of this.#usageSent.values()) {
      for (const second of bySecond.keys()) if (second <= nowSecond - 60) bySecond.delete(second);
    }
    const limited = [...this.#rows.values()].some(
      ({ record }) => record.rpm !== undefined || record.tpm !== undefined,
    );
    if (!limited) {
      this.#others.clear();
      return;
    }
    const rows = await this.#c.q<Row>(
      'read the gateway keys’ usage',
      'SELECT key_id, second, requests, tokens FROM gateway_key_usage WHERE second > $1',
      [nowSecond - 60],
    );
    this.#others.clear();
    for (const row of rows) {
      const id = String(row.key_id);
      const second = Number(row.second);
      const [ownRequests, ownTokens] = this.#usageSent.get(id)?.get(second) ?? [0, 0];
      let others = this.#others.get(id);
      if (others === undefined) {
        others = { requests: new MinuteWindow(), tokens: new MinuteWindow() };
        this.#others.set(id, others);
      }
      others.requests.add(Math.max(0, Number(row.requests) - ownRequests), second * 1000);
      others.tokens.add(Math.max(0, Number(row.tokens) - ownTokens), second * 1000);
    }
    if (nowSecond - this.#sweptAt >= 60) {
      this.#sweptAt = nowSecond;
      await this.#c.q('sweep the gateway keys’ usage', 'DELETE FROM gateway_key_usage WHERE second < $1', [
        nowSecond - USAGE_KEEP_SECONDS,
      ]);
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
