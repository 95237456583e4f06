/**
 * A replica's lease on the shared store: a row in `replicas` renewed by heartbeat, plus a
 * session advisory lock held on a connection of its own while the process lives.
 *
 * Each running job is leased to the replica that claimed it (`jobs.lease_owner`,
 * `lease_expires_at`); the heartbeat renews the replica's row and all its jobs' leases in one
 * statement, every quarter of the TTL. A replica is dead when its lease expired (no heartbeat
 * for the TTL: a hung process, a host gone without closing its sockets) or when its lock is
 * free (the server ended its session: the process died, kill -9 included, and the kernel closed
 * its socket), which other replicas see in `pg_locks` at once instead of waiting out the TTL.
 *
 * The lease is lost when the heartbeat finds the row taken (another replica declared this one
 * dead) or the lock's session replaced (the connection dropped: whatever the driver reconnected
 * to holds no lock). From then on this store refuses job writes with E_STORE_LOCKED and `lost`
 * settles; the job writes of a replica that stalled are fenced per job anyway (jobs.ts `fence`).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import type postgres from 'postgres';
import { AgentcrateError } from '../../errors.js';
import { DEFAULT_LEASE_TTL_MS, type LeaseHolder, type LeaseOptions, type StoreLease } from '../types.js';
import { DB_NOW, type PgConnection } from './connection.js';

const MIN_TTL_MS = 200;

/** `pg_locks` has the lock of the replica whose lock_key is `column` (this schema's namespace is $1). */
export function lockHeld(column: string): string {
  return `EXISTS (SELECT 1 FROM pg_locks l WHERE l.locktype = 'advisory' AND l.granted AND l.objsubid = 2
    AND l.database = (SELECT oid FROM pg_database WHERE datname = current_database())
    AND l.classid = $1::int::oid AND l.objid = ${column}::oid)`;
}

export class PgLease implements StoreLease {
  readonly holder: LeaseHolder;
  readonly ttlMs: number;
  readonly lost: Promise<Error>;
  readonly #c: PgConnection;
  readonly #session: postgres.ReservedSql;
  readonly #backendPid: number;
  #timer: NodeJS.Timeout | undefined;
  #renewedAt: number;
  #lostError: AgentcrateError | undefined;
  #signalLost!: (error: Error) => void;
  #released = false;
  readonly #onRelease: (() => void) | undefined;

  private constructor(
    c: PgConnection,
    session: postgres.ReservedSql,
    holder: LeaseHolder,
    ttlMs: number,
    backendPid: number,
    onRelease: (() => void) | undefined,
  ) {
    this.#c = c;
    this.#session = session;
    this.holder = holder;
    this.ttlMs = ttlMs;
    this.#backendPid = backendPid;
    this.#onRelease = onRelease;
    this.#renewedAt = Date.now();
    this.lost = new Promise<Error>((resolve) => {
      this.#signalLost = resolve;
    });
    this.#timer = setInterval(() => void this.#heartbeat(), Math.max(50, Math.floor(ttlMs / 4)));
    this.#timer.unref();
  }

  static async acquire(
    c: PgConnection,
    options: LeaseOptions = {},
    onRelease?: () => void,
  ): Promise<PgLease> {
    const ttlMs = Math.max(MIN_TTL_MS, Math.floor(options.ttlMs ?? DEFAULT_LEASE_TTL_MS));
    let session: postgres.ReservedSql;
    try {
      session = await c.sql.reserve();
    } catch (error) {
      throw c.storeError('take a replica lease', error);
    }
    try {
      const id = randomUUID();
      const [key] = await session.unsafe(
        `SELECT nextval('replica_lock_keys')::int AS k, pg_backend_pid() AS pid`,
      );
      await session.unsafe(`SELECT pg_advisory_lock($1, $2)`, [c.lockSpace, key!.k]);
      const [row] = await session.unsafe(
        `INSERT INTO replicas (id, lock_key, backend_pid, pid, host, since, heartbeat_at, expires_at)
         VALUES ($1, $2, $3, $4, $5, ${DB_NOW}, ${DB_NOW}, ${DB_NOW} + $6) RETURNING since`,
        [id, key!.k, key!.pid, process.pid, hostname(), ttlMs],
      );
      const holder: LeaseHolder = { id, pid: process.pid, host: hostname(), since: Number(row!.since) };
      return new PgLease(c, session, holder, ttlMs, Number(key!.pid), onRelease);
    } catch (error) {
      session.release();
      throw c.storeError('take a replica lease', error);
    }
  }

  /** Why job writes fail now, if they do. */
  get lostError(): AgentcrateError | undefined {
    return this.#lostError;
  }

  get released(): boolean {
    return this.#released;
  }

  #lose(why: string): AgentcrateError {
    if (this.#lostError !== undefined) return this.#lostError;
    this.#lostError = new AgentcrateError(
      'E_STORE_LOCKED',
      `This process no longer holds its lease on the job store ${this.#c.label}: ${why}. Its running jobs go on in other replicas from their last checkpoint; it takes a new lease to run jobs again.`,
      { details: { store: this.#c.label, holder: this.holder } },
    );
    this.#stop();
    this.#signalLost(this.#lostError);
    return this.#lostError;
  }

  async #heartbeat(): Promise<void> {
    if (this.#released || this.#lostError !== undefined || this.#c.closed) return;
    try {
      const [row] = await this.#session.unsafe(
        `WITH r AS (
           UPDATE replicas SET heartbeat_at = ${DB_NOW}, expires_at = ${DB_NOW} + $2
           WHERE id = $1 AND NOT released AND pg_backend_pid() = $3 RETURNING id),
         j AS (
           UPDATE jobs SET lease_expires_at = ${DB_NOW} + $2
           WHERE status = 'running' AND lease_owner IN (SELECT id FROM r) RETURNING 1)
         SELECT (SELECT count(*) FROM r)::int AS alive, pg_backend_pid() AS pid`,
        [this.holder.id, this.ttlMs, this.#backendPid],
      );
      if (row?.alive === 1) {
        this.#renewedAt = Date.now();
        return;
      }
      this.#lose(
        Number(row?.pid) !== this.#backendPid
          ? 'its database session was replaced (the connection dropped), so its lock is gone'
          : 'another replica declared it dead after it went longer than its lease without a heartbeat',
      );
    } catch (error) {
      const code = (error as { code?: string }).code;
      if (code === 'CONNECTION_CLOSED' || code === 'CONNECTION_DESTROYED' || code?.startsWith('57P')) {
        this.#lose(`its database session ended (${(error as Error).message}), so its lock is gone`);
      } else if (Date.now() - this.#renewedAt > this.ttlMs) {
        this.#lose(`it could not renew its lease for ${this.ttlMs} ms (${(error as Error).message})`);
      }
      // Otherwise retried next beat, and lost once the TTL passes without a renewal.
    }
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    this.#onRelease?.();
    this.#stop();
    if (this.#lostError === undefined && !this.#c.closed) {
      try {
        // Its running jobs (a shutdown leaves none: it parks them) go to whoever recovers next.
        await this.#session.unsafe(
          `UPDATE replicas SET released = true, ended = 'released', ended_at = ${DB_NOW} WHERE id = $1`,
          [this.holder.id],
        );
      } catch {
        // Not marked released: others see the lock free (or the lease expire) and recover its jobs.
      }
    }
    try {
      // The session goes back to the pool: it must not keep the lock that says this replica lives.
      if (!this.#c.closed) await this.#session.unsafe('SELECT pg_advisory_unlock_all()');
    } catch {
      // A session that cannot answer has ended, and its lock with it.
    } finally {
      this.#session.release();
    }
  }
}
