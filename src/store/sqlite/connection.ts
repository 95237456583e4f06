/**
 * The SQLite store's one connection and how it is used: statements prepared once and cached,
 * reads run at once, writes queued and run together in one transaction per event-loop turn
 * (group commit, see `write`), failures turned into `E_STORE` errors naming the file. The parts of the store (jobs, events, memory, the lease) borrow it
 * through `SqliteAccess` and never touch the database otherwise.
 *
 * A read, and a turn's group of writes, runs its statements to completion before it yields,
 * so operations never interleave inside the process.
 */
import { statfsSync } from 'node:fs';
import { dirname } from 'node:path';
import type { DatabaseSync, StatementSync } from 'node:sqlite';
import { AgentcrateError } from '../../errors.js';
import type { Checkpointer } from './checkpointer.js';

/** What the connection lends the store's parts: cached statements, reads, group-committed writes. */
export interface SqliteAccess {
  q(sql: string): StatementSync;
  read<T>(what: string, fn: () => T): T;
  /**
   * `atomic` wraps a multi-statement write in a savepoint so a failure undoes just that
   * write; `tiny` marks a write too small to start the checkpoint worker for (a probe, a
   * heartbeat, an empty sweep).
   */
  write<T>(what: string, fn: () => T, atomic?: boolean, tiny?: boolean): Promise<T>;
  now(): number;
  /** How many write transactions were rolled back (or lost) so far: what a part remembers of its writes is stale once it moves. */
  readonly rollbacks: number;
}

/**
 * SQLite result codes (primary, the low byte) that mean the store cannot write *now* — a full
 * disk, an I/O error, a lock held too long, a read-only remount — rather than a bad request
 * or a broken file: callers get E_STORE_UNAVAILABLE (HTTP 503 + Retry-After) and retry.
 */
const SQLITE_BUSY = 5;
const UNAVAILABLE_CODES = new Set([SQLITE_BUSY, 6, 8, 10, 13, 14, 15]); // LOCKED READONLY IOERR FULL CANTOPEN PROTOCOL
const SPACE_CHECK_EVERY_MS = 1000;

/** Seconds a client should wait before retrying a write the store could not make. */
export const STORE_RETRY_AFTER_SECONDS = 5;

/** A write waiting for its turn's group transaction. */
interface QueuedWrite {
  what: string;
  fn: () => unknown;
  atomic: boolean;
  resolve: (value: unknown) => void;
  reject: (error: unknown) => void;
}

export class SqliteConnection implements SqliteAccess {
  readonly db: DatabaseSync;
  readonly file: string;
  readonly now: () => number;
  readonly #statements = new Map<string, StatementSync>();
  #closed = false;
  #queue: QueuedWrite[] = [];
  /** Runs in each write transaction before its first write (the lease's fencing check). */
  #beforeWrites: (() => void) | undefined;

  /** A write failed because the store could not write, and none has been committed since. */
  #writeFailing = false;
  #rollbacks = 0;
  readonly #minFreeBytes: number;
  #space: { at: number; free: number | undefined } | undefined;

  #checkpointer: Checkpointer | undefined;
  /**
   * The checkpoint worker starts with the first write, not at open: a worker thread is a
   * second JavaScript engine with its own heap, which an idle server, or a
   * CLI that only reads the store, does not need.
   */
  #startCheckpointer: (() => Checkpointer) | undefined;
  readonly #checkpointerFactory: (() => Checkpointer) | undefined;

  constructor(
    db: DatabaseSync,
    file: string,
    now: () => number,
    startCheckpointer?: () => Checkpointer,
    minFreeBytes = 0,
  ) {
    this.db = db;
    this.file = file;
    this.now = now;
    this.#minFreeBytes = minFreeBytes;
    this.#startCheckpointer = startCheckpointer;
    this.#checkpointerFactory = startCheckpointer;
  }

  get closed(): boolean {
    return this.#closed;
  }

  get rollbacks(): number {
    return this.#rollbacks;
  }

  /** True from a write the store could not make until the next commit that succeeds. */
  get writeFailing(): boolean {
    return this.#writeFailing;
  }

  /** Bytes free for this process on the store's volume; undefined for `:memory:` or when unknown. */
  freeBytes(): number | undefined {
    if (this.file === ':memory:') return undefined;
    try {
      const stats = statfsSync(dirname(this.file));
      return Number(stats.bavail) * Number(stats.bsize);
    } catch {
      return undefined;
    }
  }

  /**
   * Why new work should be refused for lack of space (free bytes below the floor), or
   * undefined. Measured at most once a second, so it costs nothing per request.
   */
  spaceProblem(fresh = false): string | undefined {
    if (this.#minFreeBytes <= 0) return undefined;
    const now = Date.now();
    if (fresh || this.#space === undefined || now - this.#space.at >= SPACE_CHECK_EVERY_MS) {
      this.#space = { at: now, free: this.freeBytes() };
    }
    const free = this.#space.free;
    if (free === undefined || free >= this.#minFreeBytes) return undefined;
    const mb = (bytes: number) => `${(bytes / 1048576).toFixed(1)} MB`;
    return `only ${mb(free)} free on the volume of the job store ${this.file} (new runs need ${mb(this.#minFreeBytes)}, so the jobs already running can still checkpoint); free some space`;
  }

  /** Refuses new work while the volume is nearly full (E_STORE_UNAVAILABLE). */
  checkSpace(): void {
    const problem = this.spaceProblem();
    if (problem !== undefined) throw unavailable(this.file, `cannot take new work: ${problem}`);
  }

  /** Runs `check` at the start of every write transaction; a throw fails that transaction's writes. */
  setBeforeWrites(check: (() => void) | undefined): void {
    this.#beforeWrites = check;
  }

  q(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `fn` against the open database; SQLite failures become E_STORE naming the file. */
  read<T>(what: string, fn: () => T): T {
    if (this.#closed) throw this.#closedError(what);
    try {
      return fn();
    } catch (error) {
      throw this.#failure(what, error);
    }
  }

  storeError(what: string, error: unknown): AgentcrateError {
    if (error instanceof AgentcrateError) return error;
    const code = (error as { errcode?: unknown } | null)?.errcode;
    if (typeof code === 'number' && UNAVAILABLE_CODES.has(code & 0xff)) {
      return unavailable(this.file, `could not ${what}: ${(error as Error).message ?? String(error)}`, error);
    }
    return new AgentcrateError(
      'E_STORE',
      `Job store ${this.file}: could not ${what}: ${(error as Error).message ?? String(error)}`,
      { cause: error, details: { path: this.file } },
    );
  }

  /**
   * Group commit. A commit costs far more than the statements in it (WAL append + syscalls),
   * so writes made in the same event-loop turn share one transaction: they are queued and run
   * together on setImmediate, between one BEGIN and one COMMIT, and each write's promise
   * settles only once its data is committed (or its own statements failed). Running the
   * statements back to back, rather than each where it was asked for amid the rest of the
   * turn's work, also keeps SQLite's code and pages hot, and holds the write lock only for the
   * group's own statements. A reader sees a write once its promise has resolved (not before).
   * Because the group's lock is taken per turn, open one store per file per process.
   */
  write<T>(what: string, fn: () => T, atomic = false, tiny = false): Promise<T> {
    if (this.#closed) return Promise.reject(this.#closedError(what));
    if (!tiny && this.#startCheckpointer !== undefined) {
      this.#checkpointer = this.#startCheckpointer();
      this.#startCheckpointer = undefined;
    }
    return new Promise<T>((resolve, reject) => {
      if (this.#queue.length === 0) setImmediate(this.#flushQueue);
      this.#queue.push({ what, fn, atomic, resolve: resolve as (value: unknown) => void, reject });
    });
  }

  readonly #flushQueue = (): void => {
    const group = this.#queue;
    if (group.length === 0) return;
    this.#queue = [];
    this.#runGroup(group);
  };

  /**
   * One transaction for `group`. A write whose statements fail is rejected alone: its
   * savepoint (atomic writes) or SQLite's statement rollback undoes its part, and the others
   * still commit. Some errors (I/O, full disk) roll back the whole transaction instead: the
   * writes before it are then rejected (their data is gone) and the rest run in a new one.
   */
  #runGroup(group: readonly QueuedWrite[]): void {
    try {
      this.q('BEGIN IMMEDIATE').run();
    } catch (error) {
      for (const op of group) op.reject(this.#failure(op.what, error));
      return;
    }
    if (this.#beforeWrites !== undefined) {
      try {
        this.#beforeWrites();
      } catch (error) {
        this.#rollback();
        for (const op of group) op.reject(this.#failure(op.what, error));
        return;
      }
    }
    const done: Array<{ op: QueuedWrite; value: unknown }> = [];
    for (let i = 0; i < group.length; i++) {
      const op = group[i]!;
      try {
        done.push({ op, value: op.atomic ? this.#inSavepoint(op.fn) : op.fn() });
      } catch (error) {
        op.reject(this.#failure(op.what, error));
        if (!inTransaction(this.db)) {
          this.#rollbacks += 1;
          const lost = this.#failure('commit (the transaction was rolled back)', error);
          for (const earlier of done) earlier.op.reject(lost);
          this.#runGroup(group.slice(i + 1));
          return;
        }
      }
    }
    try {
      this.q('COMMIT').run();
    } catch (error) {
      const failure = this.#failure('commit', error);
      this.#rollback();
      for (const { op } of done) op.reject(failure);
      return;
    }
    this.#writeFailing = false;
    for (const { op, value } of done) op.resolve(value);
  }

  /** An error of `what` as the store reports it; a write the store cannot make marks it failing. */
  #failure(what: string, error: unknown): AgentcrateError {
    const failure = this.storeError(what, error);
    if (failure.code === 'E_STORE_UNAVAILABLE') this.#writeFailing = true;
    return failure;
  }

  #rollback(): void {
    this.#rollbacks += 1;
    try {
      if (inTransaction(this.db)) this.q('ROLLBACK').run();
    } catch {
      // the error that led here is the one to report
    }
  }

  #closedError(what: string): AgentcrateError {
    return new AgentcrateError('E_STORE', `The job store ${this.file} is closed; cannot ${what}.`);
  }

  #inSavepoint<T>(fn: () => T): T {
    this.q('SAVEPOINT op').run();
    try {
      const value = fn();
      this.q('RELEASE op').run();
      return value;
    } catch (error) {
      if (inTransaction(this.db)) {
        this.q('ROLLBACK TO op').run();
        this.q('RELEASE op').run();
      }
      throw error;
    }
  }

  /**
   * For a quiet server: SQLite hands back its page cache (refilled from the OS cache on
   * demand) and the checkpoint worker, a second JavaScript engine, stops; the next job write
   * starts it again (the connection's own auto-checkpoint covers the gap).
   */
  async releaseMemory(): Promise<void> {
    if (this.#closed) return;
    const worker = this.#checkpointer;
    if (worker !== undefined && this.#checkpointerFactory !== undefined) {
      this.#checkpointer = undefined;
      this.#startCheckpointer = this.#checkpointerFactory;
      await worker.stop();
    }
    if (this.#closed || this.#queue.length > 0) return; // a write came in meanwhile
    try {
      this.db.exec('PRAGMA shrink_memory');
    } catch {
      // Only an optimisation.
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // Commit what earlier writes queued, so their promises resolve and nothing is lost.
    this.#flushQueue();
    this.#closed = true;
    this.#statements.clear();
    // Stop the checkpointer first so this connection closes last and folds the WAL back in.
    await this.#checkpointer?.stop();
    try {
      // Cheap on close; keeps the query planner's statistics fresh for the next start.
      this.db.exec('PRAGMA optimize');
    } catch {
      // Only an optimisation; closing matters more.
    }
    this.db.close();
  }
}

function unavailable(file: string, why: string, cause?: unknown): AgentcrateError {
  return new AgentcrateError(
    'E_STORE_UNAVAILABLE',
    `The job store ${file} cannot write right now: ${why}. Retry in a few seconds; running jobs are parked until it can.`,
    {
      ...(cause === undefined ? {} : { cause }),
      details: { path: file, retryAfterSeconds: STORE_RETRY_AFTER_SECONDS },
    },
  );
}

/**
 * Whether a transaction is open. `isTransaction` exists from Node 22.16 and 24.0 on; on the
 * older Node 22 releases the project supports, a deferred BEGIN tells: it fails inside a
 * transaction and is rolled straight back outside one (it takes no lock until a statement runs).
 * Only error paths ask, so the probe costs nothing on the hot path.
 */
function inTransaction(db: DatabaseSync): boolean {
  const flag = (db as { isTransaction?: unknown }).isTransaction;
  if (typeof flag === 'boolean') return flag;
  try {
    db.exec('BEGIN');
  } catch {
    return true;
  }
  db.exec('ROLLBACK');
  return false;
}
