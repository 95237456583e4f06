/**
 * The PostgreSQL store's connection pool (postgres.js) and how the store's parts use it:
 * statements prepared once per connection and pipelined, failures turned into `E_STORE` /
 * `E_STORE_UNAVAILABLE` errors naming the database (never the password), the schema the
 * tables live in, and the clocks (the process's for job times, the server's for leases, so
 * hosts whose clocks drift still agree on when a lease ends).
 */
import postgres from 'postgres';
import { AgentcrateError } from '../../errors.js';
import { storeLabel } from '../location.js';
import { GroupCommit, type Write } from './group-commit.js';

export { type EventBatch, orRefuse, REFUSED } from './group-commit.js';

export type Sql = postgres.Sql<Record<string, never>>;
export type Row = Record<string, unknown>;

/** Seconds a client should wait before retrying a write the store could not make. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/** The server's clock in epoch ms, for leases. */
export const DB_NOW = `(extract(epoch from clock_timestamp()) * 1000)::bigint`;

/**
 * SQLSTATE classes and codes that mean the database cannot take the write *now* (it is down,
 * restarting, out of disk or connections, a read-only standby after a failover, a lost
 * serialization race) rather than that the request is wrong: E_STORE_UNAVAILABLE, 503.
 */
const UNAVAILABLE_CLASSES = ['08', '53', '57P', '58'];
const UNAVAILABLE_CODES = new Set(['40001', '40P01', '25006', '55P03', '57014']);
const UNAVAILABLE_NODE_CODES = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EPIPE',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'EAI_AGAIN',
  'CONNECT_TIMEOUT',
  'CONNECTION_CLOSED',
  'CONNECTION_DESTROYED',
  'CONNECTION_ENDED',
]);

export interface PgSettings {
  /** The connection URL as given (its password is never shown). */
  url: string;
  /** Schema the store's tables live in (created if missing). */
  schema: string;
  /** Connections in the pool (the lease and the change feed hold one more each). */
  poolSize: number;
  connectTimeoutSeconds: number;
}

/** FNV-1a, 31 bits: the advisory-lock namespace of one schema, so two stores in one database never share locks. */
function lockNamespace(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) {
    hash ^= text.charCodeAt(i);
    hash = Math.imul(hash, 0x01000193);
  }
  return (hash >>> 1) & 0x7fffffff;
}

/** Advisory-lock keys (second half) the store uses besides one per replica (those start at 16). */
export const LOCK = { migrate: 0, queue: 1, recover: 2 } as const;

export class PgConnection {
  readonly sql: Sql;
  readonly label: string;
  readonly schema: string;
  /** The advisory-lock namespace (first half of every key). */
  readonly lockSpace: number;
  /** The NOTIFY channel of this schema. */
  readonly channel: string;
  readonly now: () => number;
  #closed = false;
  /** The statements of each job's turn, committed with the other jobs' ready at the same time. */
  readonly #group = new GroupCommit(this);

  constructor(settings: PgSettings, now: () => number) {
    this.label = storeLabel(settings.url);
    this.schema = settings.schema;
    this.lockSpace = lockNamespace(`agentcrate:${settings.schema}`);
    this.channel = `agentcrate.${settings.schema}`;
    this.now = now;
    this.sql = postgres(settings.url, {
      max: settings.poolSize,
      connect_timeout: settings.connectTimeoutSeconds,
      idle_timeout: 60,
      onnotice: () => {},
      // A commit returns once the server has it, not once it is flushed to disk: a replica's
      // crash loses nothing, a database server's crash at most its last moments of commits,
      // never consistency — the SQLite store's WAL with synchronous=NORMAL promises the same.
      connection: { application_name: 'agentcrate', search_path: settings.schema, synchronous_commit: 'off' },
      // int8 columns hold epoch ms and counters, all well inside Number's safe range.
      types: {
        int8: { to: 20, from: [20], serialize: (x: unknown) => String(x), parse: (x: string) => Number(x) },
      },
    }) as unknown as Sql;
  }

  get closed(): boolean {
    return this.#closed;
  }

  /** Runs a prepared statement; failures become store errors saying what could not be done. */
  async q<T extends Row = Row>(what: string, text: string, params: readonly unknown[] = []): Promise<T[]> {
    this.#open(what);
    try {
      return (await this.sql.unsafe(text, params as never[], { prepare: true })) as unknown as T[];
    } catch (error) {
      throw this.storeError(what, error);
    }
  }

  /** Runs `fn` in one transaction (statements in it may be pipelined). */
  async tx<T>(what: string, fn: (sql: postgres.TransactionSql) => Promise<T>): Promise<T> {
    this.#open(what);
    try {
      return (await this.sql.begin(fn)) as T;
    } catch (error) {
      throw this.storeError(what, error);
    }
  }

  /**
   * Runs the statement with the others of this turn for the same key (a job's events, its
   * checkpoint, its end) in one transaction, as the SQLite store's group commit does: a process
   * killed between them never leaves one without the others; the turns of all jobs ready while
   * the previous ones are out go together (group-commit.ts). `before` runs first in it; a
   * statement refused by its fence (`orRefuse`) rejects with REFUSED and takes the turn back.
   */
  qTurn(
    key: string,
    what: string,
    text: string,
    params: readonly unknown[],
    options: Pick<Write, 'before' | 'events' | 'afterEvents'> = {},
  ): Promise<Row[]> {
    return new Promise((resolve, reject) =>
      this.#group.add(key, {
        what,
        text,
        params,
        before: options.before,
        events: options.events,
        afterEvents: options.afterEvents,
        resolve,
        reject,
      }),
    );
  }

  /** Throws E_STORE once the store is closed. */
  assertOpen(what: string): void {
    this.#open(what);
  }

  #open(what: string): void {
    if (this.#closed) {
      throw new AgentcrateError('E_STORE', `The job store ${this.label} is closed; cannot ${what}.`);
    }
  }

  storeError(what: string, error: unknown): AgentcrateError {
    if (error instanceof AgentcrateError) return error;
    const message = (error as Error)?.message ?? String(error);
    if (isUnavailable(error)) {
      return new AgentcrateError(
        'E_STORE_UNAVAILABLE',
        `The job store ${this.label} cannot write right now: could not ${what}: ${message}. Retry in a few seconds; running jobs are parked until it can.`,
        { cause: error, details: { store: this.label, retryAfterSeconds: STORE_RETRY_AFTER_SECONDS } },
      );
    }
    return new AgentcrateError('E_STORE', `Job store ${this.label}: could not ${what}: ${message}`, {
      cause: error,
      details: { store: this.label, ...(sqlState(error) ? { sqlState: sqlState(error) } : {}) },
    });
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.sql.end({ timeout: 5 });
  }
}

export function sqlState(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code;
  return typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code) ? code : undefined;
}

export function isUnavailable(error: unknown): boolean {
  const code = (error as { code?: unknown } | null)?.code;
  if (typeof code !== 'string') return false;
  if (UNAVAILABLE_NODE_CODES.has(code)) return true;
  const state = sqlState(error);
  return (
    state !== undefined &&
    (UNAVAILABLE_CODES.has(state) || UNAVAILABLE_CLASSES.some((c) => state.startsWith(c)))
  );
}
