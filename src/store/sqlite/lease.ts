/**
 * One live owner per SQLite store: a lease row (holder, pid, host, heartbeat, expiry) renewed
 * by heartbeat, plus a lock file (lock-file.ts) the owner holds while alive.
 *
 * Taking the store: free (no row, or released), or the holder died (it held the lock file and
 * the lock is free now: a crash, kill -9 included, on this host or a container sharing the
 * volume), or its lease expired (a holder on a filesystem without working locks, or one stalled
 * longer than the lease). Otherwise the store is refused with E_STORE_LOCKED naming the owner.
 *
 * Fencing: a process that stalled past its lease may find the store taken over when it wakes.
 * Every write transaction of a leased store first checks the row is still its own, unless its
 * lease is fresh enough that nobody could have taken it (half the TTL since the last renewal),
 * so in steady state the check costs nothing. Once the lease is lost every write fails with
 * E_STORE_LOCKED and `lost` settles, so nothing this process does touches the new owner's jobs.
 * Hosts sharing one store file must keep their clocks in step (as for any lease).
 */
import { randomUUID } from 'node:crypto';
import { hostname } from 'node:os';
import { AgentcrateError } from '../../errors.js';
import { DEFAULT_LEASE_TTL_MS, type LeaseHolder, type LeaseOptions, type StoreLease } from '../types.js';
import type { SqliteConnection } from './connection.js';
import { type FileLock, tryLockFile } from './lock-file.js';

interface LeaseRow {
  holder: string;
  pid: number;
  host: string;
  since: number;
  heartbeat_at: number;
  expires_at: number;
  locked: number;
  released: number;
}

const MIN_TTL_MS = 200;

function holderOf(row: LeaseRow): LeaseHolder {
  return { id: row.holder, pid: Number(row.pid), host: row.host, since: Number(row.since) };
}

const seconds = (ms: number): string => `${(Math.max(0, ms) / 1000).toFixed(1)} s`;

function lockedError(file: string, row: LeaseRow, now: number, alive: boolean): AgentcrateError {
  const owner = holderOf(row);
  const expiresIn = Number(row.expires_at) - now;
  const since = new Date(owner.since).toISOString();
  return new AgentcrateError(
    'E_STORE_LOCKED',
    `The job store ${file} is in use by agentcrate pid ${owner.pid} on host ${owner.host} (since ${since}, last heartbeat ${seconds(now - Number(row.heartbeat_at))} ago)${alive ? '; that process is alive' : ''}. Its lease expires in ${seconds(expiresIn)} if it has stopped. Stop that process (agentcrate serve or studio) first, or point --store at another file.`,
    { details: { path: file, owner, expiresInMs: Math.max(0, expiresIn) } },
  );
}

export class SqliteLease implements StoreLease {
  readonly holder: LeaseHolder;
  readonly ttlMs: number;
  readonly tookOver?: StoreLease['tookOver'];
  readonly lost: Promise<Error>;
  readonly #c: SqliteConnection;
  #lock: FileLock | undefined;
  #timer: NodeJS.Timeout | undefined;
  /** Until then nobody can have taken the lease over: writes skip the fencing read. */
  #freshUntil: number;
  #lostError: AgentcrateError | undefined;
  #signalLost!: (error: Error) => void;
  #released = false;
  readonly #onRelease: (() => void) | undefined;

  private constructor(
    c: SqliteConnection,
    holder: LeaseHolder,
    ttlMs: number,
    lock: FileLock | undefined,
    tookOver: StoreLease['tookOver'],
    onRelease: (() => void) | undefined,
  ) {
    this.#c = c;
    this.#onRelease = onRelease;
    this.holder = holder;
    this.ttlMs = ttlMs;
    this.#lock = lock;
    if (tookOver !== undefined) this.tookOver = tookOver;
    this.#freshUntil = holder.since + ttlMs / 2;
    this.lost = new Promise<Error>((resolve) => {
      this.#signalLost = resolve;
    });
    c.setBeforeWrites(() => this.#fence());
    this.#timer = setInterval(() => void this.#heartbeat(), Math.max(50, Math.floor(ttlMs / 4)));
    this.#timer.unref();
  }

  static async acquire(
    c: SqliteConnection,
    options: LeaseOptions = {},
    onRelease?: () => void,
  ): Promise<SqliteLease> {
    const ttlMs = Math.max(MIN_TTL_MS, Math.floor(options.ttlMs ?? DEFAULT_LEASE_TTL_MS));
    const memory = c.file === ':memory:';
    const attempt = memory ? undefined : tryLockFile(`${c.file}-lock`);
    const lock = attempt?.state === 'held' ? attempt.lock : undefined;
    const id = randomUUID();
    const decide = (): StoreLease['tookOver'] => {
      const now = c.now();
      const row = c.q('SELECT * FROM lease WHERE id = 1').get() as LeaseRow | undefined;
      if (row === undefined || row.released !== 0 || memory) return undefined;
      if (lock !== undefined && row.locked === 1) return { holder: holderOf(row), reason: 'died' };
      if (now >= Number(row.expires_at)) return { holder: holderOf(row), reason: 'expired' };
      throw lockedError(c.file, row, now, attempt?.state === 'busy');
    };
    try {
      // Decided by a read first, so a refusal never holds the write lock; then again inside
      // the write, where no other process can move in between.
      c.read('read the store lease', decide);
      const { holder, tookOver } = await c.write(
        'take the store lease',
        () => {
          const tookOver = decide();
          const now = c.now();
          const holder: LeaseHolder = { id, pid: process.pid, host: hostname(), since: now };
          c.q(
            `INSERT INTO lease (id, holder, pid, host, since, heartbeat_at, expires_at, locked, released)
             VALUES (1, ?, ?, ?, ?, ?, ?, ?, 0)
             ON CONFLICT (id) DO UPDATE SET holder = excluded.holder, pid = excluded.pid, host = excluded.host,
               since = excluded.since, heartbeat_at = excluded.heartbeat_at, expires_at = excluded.expires_at,
               locked = excluded.locked, released = 0`,
          ).run(id, holder.pid, holder.host, now, now, now + ttlMs, lock === undefined ? 0 : 1);
          return { holder, tookOver };
        },
        true,
        true,
      );
      return new SqliteLease(c, holder, ttlMs, lock, tookOver, onRelease);
    } catch (error) {
      lock?.release();
      throw error;
    }
  }

  /** Why writes fail now, if they do. */
  get lostError(): AgentcrateError | undefined {
    return this.#lostError;
  }

  #fence(): void {
    if (this.#lostError !== undefined) throw this.#lostError;
    if (this.#released || this.#c.now() < this.#freshUntil) return;
    const row = this.#c.q('SELECT * FROM lease WHERE id = 1').get() as LeaseRow | undefined;
    if (row?.holder === this.holder.id && row.released === 0) return;
    throw this.#lose(row);
  }

  #lose(row: LeaseRow | undefined): AgentcrateError {
    if (this.#lostError !== undefined) return this.#lostError;
    const by = row !== undefined && row.released === 0 ? holderOf(row) : undefined;
    this.#lostError = new AgentcrateError(
      'E_STORE_LOCKED',
      by !== undefined
        ? `This process no longer owns the job store ${this.#c.file}: agentcrate pid ${by.pid} on host ${by.host} took it over at ${new Date(by.since).toISOString()}, after this process went ${seconds(this.ttlMs)} without renewing its lease (it was stopped or stalled). Restart this server once the other one stops.`
        : `This process no longer owns the job store ${this.#c.file}: its lease was released or removed. Restart this server.`,
      { details: { path: this.#c.file, ...(by ? { owner: by } : {}) } },
    );
    this.#stop();
    this.#signalLost(this.#lostError);
    return this.#lostError;
  }

  async #heartbeat(): Promise<void> {
    if (this.#released || this.#lostError !== undefined || this.#c.closed) return;
    // A lock file deleted or replaced under us no longer proves anything: drop it, so a new
    // owner must wait for our lease to expire rather than think us dead.
    if (this.#lock !== undefined && !this.#lock.intact()) {
      this.#lock.release();
      this.#lock = undefined;
    }
    if (this.#lock === undefined && this.#c.file !== ':memory:') {
      const attempt = tryLockFile(`${this.#c.file}-lock`);
      if (attempt.state === 'held') this.#lock = attempt.lock;
    }
    try {
      await this.#c.write(
        'renew the store lease',
        () => {
          const now = this.#c.now();
          const renewed = this.#c
            .q(
              `UPDATE lease SET heartbeat_at = ?, expires_at = ?, locked = ?
               WHERE id = 1 AND holder = ? AND released = 0`,
            )
            .run(now, now + this.ttlMs, this.#lock === undefined ? 0 : 1, this.holder.id);
          if (Number(renewed.changes) === 0) {
            throw this.#lose(this.#c.q('SELECT * FROM lease WHERE id = 1').get() as LeaseRow | undefined);
          }
          this.#freshUntil = now + this.ttlMs / 2;
        },
        false,
        true,
      );
    } catch {
      // A failed renewal (disk full, busy) is retried next beat; a lost lease has settled `lost`.
    }
  }

  #stop(): void {
    if (this.#timer !== undefined) clearInterval(this.#timer);
    this.#timer = undefined;
    this.#lock?.release();
    this.#lock = undefined;
  }

  async release(): Promise<void> {
    if (this.#released) return;
    this.#released = true;
    this.#onRelease?.();
    this.#stop();
    if (this.#lostError !== undefined || this.#c.closed) return;
    try {
      await this.#c.write(
        'release the store lease',
        () => {
          this.#c.q('UPDATE lease SET released = 1 WHERE id = 1 AND holder = ?').run(this.holder.id);
        },
        false,
        true,
      );
    } catch {
      // Not released in the row: the next owner waits for the expiry, or sees the lock free.
    } finally {
      this.#c.setBeforeWrites(undefined);
    }
  }
}
