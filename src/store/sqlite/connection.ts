/**
 * The SQLite store's one connection and how it is used: statements prepared once and cached,
 * reads run at once, writes group-committed (see `write`), failures turned into `E_STORE`
 * errors naming the file. The parts of the store (jobs, events, memory, the lease) borrow it
 * through `SqliteAccess` and never touch the database otherwise.
 *
 * Every method runs its statements to completion before it yields, so operations never
 * interleave inside the process.
 */
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
}

interface Batch {
  committed: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

export class SqliteConnection implements SqliteAccess {
  readonly db: DatabaseSync;
  readonly file: string;
  readonly now: () => number;
  readonly #statements = new Map<string, StatementSync>();
  #closed = false;
  #batch: Batch | undefined;
  /** Runs in each write transaction before its first write (the lease's fencing check). */
  #beforeWrites: (() => void) | undefined;

  #checkpointer: Checkpointer | undefined;
  /**
   * The checkpoint worker starts with the first write, not at open: a worker thread is a
   * second JavaScript engine with its own heap, which an idle server, or a
   * CLI that only reads the store, does not need.
   */
  #startCheckpointer: (() => Checkpointer) | undefined;
  readonly #checkpointerFactory: (() => Checkpointer) | undefined;

  constructor(db: DatabaseSync, file: string, now: () => number, startCheckpointer?: () => Checkpointer) {
    this.db = db;
    this.file = file;
    this.now = now;
    this.#startCheckpointer = startCheckpointer;
    this.#checkpointerFactory = startCheckpointer;
  }

  get closed(): boolean {
    return this.#closed;
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
    if (this.#closed) {
      throw new AgentcrateError('E_STORE', `The job store ${this.file} is closed; cannot ${what}.`);
    }
    try {
      return fn();
    } catch (error) {
      throw this.storeError(what, error);
    }
  }

  storeError(what: string, error: unknown): AgentcrateError {
    if (error instanceof AgentcrateError) return error;
    return new AgentcrateError(
      'E_STORE',
      `Job store ${this.file}: could not ${what}: ${(error as Error).message ?? String(error)}`,
      { cause: error, details: { path: this.file } },
    );
  }

  /**
   * Group commit. A commit costs far more than the statements in it (WAL append + syscalls),
   * so writes made in the same event-loop turn share one transaction, committed on
   * setImmediate; each write's promise settles only once its data is committed.
   * Reads run at once and so see this process's writes before their commit resolves.
   * Because the write lock is held until that turn ends, open one store per file per process.
   */
  async write<T>(what: string, fn: () => T, atomic = false, tiny = false): Promise<T> {
    if (!tiny && this.#startCheckpointer !== undefined && !this.#closed) {
      this.#checkpointer = this.#startCheckpointer();
      this.#startCheckpointer = undefined;
    }
    let batch: Batch | undefined;
    const result = this.read(what, () => {
      batch = this.#openBatch();
      return this.#guardBatch(batch, atomic ? () => this.#inSavepoint(fn) : fn);
    });
    await batch?.committed;
    return result;
  }

  #inSavepoint<T>(fn: () => T): T {
    this.q('SAVEPOINT op').run();
    try {
      const value = fn();
      this.q('RELEASE op').run();
      return value;
    } catch (error) {
      if (this.db.isTransaction) {
        this.q('ROLLBACK TO op').run();
        this.q('RELEASE op').run();
      }
      throw error;
    }
  }

  #openBatch(): Batch {
    if (this.#batch !== undefined) return this.#batch;
    this.q('BEGIN IMMEDIATE').run();
    if (this.#beforeWrites !== undefined) {
      try {
        this.#beforeWrites();
      } catch (error) {
        this.q('ROLLBACK').run();
        throw error;
      }
    }
    let resolve!: () => void;
    let reject!: (error: unknown) => void;
    const committed = new Promise<void>((res, rej) => {
      resolve = res;
      reject = rej;
    });
    committed.catch(() => {}); // each writer awaits it; this only silences the no-writer case
    const batch: Batch = { committed, resolve, reject };
    this.#batch = batch;
    setImmediate(() => this.#commit(batch));
    return batch;
  }

  /**
   * Some SQLite errors (I/O, full disk) roll back the whole transaction, taking the batch's
   * earlier writes with it: fail those now and let the next write start a fresh batch.
   */
  #guardBatch<T>(batch: Batch, fn: () => T): T {
    try {
      return fn();
    } catch (error) {
      if (!this.db.isTransaction && this.#batch === batch) {
        this.#batch = undefined;
        batch.reject(this.storeError('commit (the transaction was rolled back)', error));
      }
      throw error;
    }
  }

  #commit(batch: Batch): void {
    if (this.#batch !== batch) return;
    this.#batch = undefined;
    try {
      this.q('COMMIT').run();
      batch.resolve();
    } catch (error) {
      try {
        if (this.db.isTransaction) this.q('ROLLBACK').run();
      } catch {
        // the commit error is the one to report
      }
      batch.reject(this.storeError('commit', error));
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
    if (this.#closed || this.#batch !== undefined) return; // a write came in meanwhile
    try {
      this.db.exec('PRAGMA shrink_memory');
    } catch {
      // Only an optimisation.
    }
  }

  async close(): Promise<void> {
    if (this.#closed) return;
    // Commit what earlier writes queued, so their promises resolve and nothing is lost.
    if (this.#batch !== undefined) this.#commit(this.#batch);
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
