/**
 * The embedded Store: one SQLite file through the built-in `node:sqlite`.
 *
 * One synchronous connection per process (plus a checkpoint-only worker, see
 * sqlite-checkpointer.ts). Every method runs its statements to completion before it yields,
 * so operations never interleave inside the process. Statements are prepared once and cached.
 * Writes are group-committed (see `#write`): all writes of one event-loop turn share a
 * transaction, multi-statement ones inside a savepoint. State moves (claim, complete, cancel)
 * are single guarded `UPDATE … WHERE status … RETURNING *` statements, so they stay atomic
 * even if a second process opens the same file.
 */
import { mkdirSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { DatabaseSync, type SQLInputValue, type StatementSync } from 'node:sqlite';
import { AgentcrateError } from '../errors.js';
import { checkLimit, decodeCursor, encodeCursor } from './cursor.js';
import type { MemoryStore } from './memory-types.js';
import { type Checkpointer, startCheckpointer } from './sqlite-checkpointer.js';
import { SqliteMemory } from './sqlite-memory.js';
import { type Row, rowToEvent, rowToJob } from './sqlite-rows.js';
import { applyPragmas, migrate } from './sqlite-schema.js';
import {
  type CompleteJobInput,
  CRASH_LOOP_CODE,
  type CreateJobInput,
  type CreateJobResult,
  DEFAULT_MAX_ATTEMPTS,
  type FailJobOptions,
  FINISHED_STATUSES,
  JOB_STATUSES,
  type Job,
  type JobError,
  type JobPatch,
  type JobStatus,
  type ListJobsOptions,
  type ListJobsResult,
  MAX_PAGE_SIZE,
  type Store,
  type StoredCheckpoint,
  type StoredEvent,
  type StoreEvent,
  type StoreHealth,
} from './types.js';

export interface SqliteStoreOptions {
  /** Clock for createdAt/startedAt/completedAt (tests pin it). */
  now?: () => number;
  /** How long a write waits for another connection's lock before failing. */
  busyTimeoutMs?: number;
  /** Checkpoint the WAL from a worker thread (default true; ignored for `:memory:`). */
  backgroundCheckpoint?: boolean;
}

const SQLITE_CONSTRAINT_FOREIGNKEY = 787;
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;

const DELETE_CHUNK = 500;

const ACTIVE = `status IN ('pending','running')`;
const FINISHED = `status IN ('completed','failed','cancelled')`;

/** Opens (creating if needed) the store file at `path`; `:memory:` gives a throwaway store. */
export async function createSqliteStore(path: string, options: SqliteStoreOptions = {}): Promise<Store> {
  if (typeof path !== 'string' || path.trim() === '') {
    throw new AgentcrateError(
      'E_STORE',
      'The job store path is empty: pass a file path such as ./agentcrate.db.',
    );
  }
  const memory = path === ':memory:';
  const file = memory ? path : resolve(path);
  if (!memory) {
    try {
      mkdirSync(dirname(file), { recursive: true });
    } catch (error) {
      throw new AgentcrateError(
        'E_STORE',
        `Cannot create the directory for the job store ${file}: ${(error as Error).message}. Choose a --store path in a writable directory.`,
        { cause: error, details: { path: file } },
      );
    }
  }
  let db: DatabaseSync | undefined;
  try {
    db = new DatabaseSync(file);
    applyPragmas(db, options.busyTimeoutMs ?? 5000);
    migrate(db, file);
  } catch (error) {
    try {
      db?.close();
    } catch {
      // already failing; the open error is the one worth reporting
    }
    throw openError(file, error);
  }
  const checkpointer =
    memory || options.backgroundCheckpoint === false ? undefined : () => startCheckpointer(file);
  return new SqliteStore(db, file, options.now ?? Date.now, checkpointer);
}

function openError(file: string, error: unknown): AgentcrateError {
  if (error instanceof AgentcrateError) return error;
  const raw = (error as Error).message ?? String(error);
  let why = `it cannot be opened (${raw})`;
  if (/not a database|malformed|corrupt/i.test(raw)) {
    why = `it is not a SQLite database or is corrupt (${raw}); move it aside or point --store at another file`;
  } else if (/readonly|read-only/i.test(raw)) {
    why = `it is read-only (${raw}); make the file and its directory writable`;
  } else if (/unable to open/i.test(raw)) {
    why = `it cannot be opened (${raw}); check that the path is a file in a writable directory`;
  }
  return new AgentcrateError('E_STORE', `Cannot use the job store ${file}: ${why}.`, {
    cause: error,
    details: { path: file },
  });
}

function sqliteCode(error: unknown): number | undefined {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' ? code : undefined;
}

function invalid(message: string): AgentcrateError {
  return new AgentcrateError('E_INVALID_INPUT', message);
}

function notFound(jobId: string): AgentcrateError {
  return new AgentcrateError('E_NOT_FOUND', `No job with id "${jobId}" in the store.`, {
    details: { jobId },
  });
}

function isPlainObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value);
}

function checkId(value: unknown, what: string): string {
  if (typeof value !== 'string' || value === '') throw invalid(`${what} must be a non-empty string.`);
  return value;
}

function checkEvent(event: unknown, index: number): StoreEvent {
  if (
    !isPlainObject(event) ||
    typeof event.type !== 'string' ||
    event.type === '' ||
    typeof event.at !== 'number' ||
    !Number.isFinite(event.at)
  ) {
    throw invalid(
      `Event #${index} must be an object with a non-empty string "type" and a numeric "at" (epoch ms).`,
    );
  }
  return event as unknown as StoreEvent;
}

/** Patch field → the columns it sets and how its value is stored. */
const PATCH_COLUMNS: ReadonlyArray<readonly [keyof JobPatch, string[], (value: never) => SQLInputValue[]]> = [
  ['status', ['status'], (s: JobStatus) => [s]],
  ['outputs', ['outputs'], (o: Record<string, unknown> | null) => [o === null ? null : JSON.stringify(o)]],
  ['error', ['error'], (e: JobError | null) => [e === null ? null : JSON.stringify(e)]],
  ['startedAt', ['started_at'], (v: number | null) => [v]],
  ['completedAt', ['completed_at'], (v: number | null) => [v]],
  ['executionTimeMs', ['execution_time_ms'], (v: number | null) => [v]],
  ['webhookUrl', ['webhook_url'], (v: string | null) => [v]],
  ['maxAttempts', ['max_attempts'], (v: number) => [v]],
  [
    'progress',
    ['progress_step', 'progress_nodes'],
    (p: Job['progress']) => [p.step, JSON.stringify(p.nodesDone)],
  ],
  ['usage', ['input_tokens', 'output_tokens'], (u: Job['usage']) => [u.inputTokens, u.outputTokens]],
];

interface Batch {
  committed: Promise<void>;
  resolve: () => void;
  reject: (error: unknown) => void;
}

class SqliteStore implements Store {
  readonly #db: DatabaseSync;
  readonly #file: string;
  readonly #now: () => number;
  readonly #statements = new Map<string, StatementSync>();
  #closed = false;
  #batch: Batch | undefined;
  readonly memory: MemoryStore;

  #checkpointer: Checkpointer | undefined;
  /**
   * The checkpoint worker starts with the first write, not at open: a worker thread is a
   * second JavaScript engine (about 12 MB resident), which an idle server, or a CLI that only
   * reads the store, does not need.
   */
  #startCheckpointer: (() => Checkpointer) | undefined;
  readonly #checkpointerFactory: (() => Checkpointer) | undefined;

  constructor(db: DatabaseSync, file: string, now: () => number, startCheckpointer?: () => Checkpointer) {
    this.#db = db;
    this.#file = file;
    this.#now = now;
    this.#startCheckpointer = startCheckpointer;
    this.#checkpointerFactory = startCheckpointer;
    this.memory = new SqliteMemory({
      q: (sql) => this.#q(sql),
      read: (what, fn) => this.#use(what, fn),
      write: (what, fn, atomic) => this.#write(what, fn, atomic),
      now: () => this.#now(),
    });
  }

  // --- plumbing -------------------------------------------------------------------------

  #q(sql: string): StatementSync {
    let statement = this.#statements.get(sql);
    if (statement === undefined) {
      statement = this.#db.prepare(sql);
      this.#statements.set(sql, statement);
    }
    return statement;
  }

  /** Runs `fn` against the open database; SQLite failures become E_STORE naming the file. */
  #use<T>(what: string, fn: () => T): T {
    if (this.#closed) {
      throw new AgentcrateError('E_STORE', `The job store ${this.#file} is closed; cannot ${what}.`);
    }
    try {
      return fn();
    } catch (error) {
      throw this.#storeError(what, error);
    }
  }

  #storeError(what: string, error: unknown): AgentcrateError {
    if (error instanceof AgentcrateError) return error;
    return new AgentcrateError(
      'E_STORE',
      `Job store ${this.#file}: could not ${what}: ${(error as Error).message ?? String(error)}`,
      { cause: error, details: { path: this.#file } },
    );
  }

  /**
   * Group commit. A commit costs far more than the statements in it (WAL append + syscalls),
   * so writes made in the same event-loop turn share one transaction, committed on
   * setImmediate; each write's promise settles only once its data is committed. `atomic`
   * wraps a multi-statement write in a savepoint so a failure undoes just that write.
   * Reads run at once and so see this process's writes before their commit resolves.
   * Because the write lock is held until that turn ends, open one store per file per process.
   */
  async #write<T>(what: string, fn: () => T, atomic = false, tiny = false): Promise<T> {
    // A tiny write (the readiness probe's one meta row) leaves WAL upkeep to the connection's
    // own auto-checkpoint, so probing an idle server does not start the worker.
    if (!tiny && this.#startCheckpointer !== undefined && !this.#closed) {
      this.#checkpointer = this.#startCheckpointer();
      this.#startCheckpointer = undefined;
    }
    let batch: Batch | undefined;
    const result = this.#use(what, () => {
      batch = this.#openBatch();
      return this.#guardBatch(batch, atomic ? () => this.#inSavepoint(fn) : fn);
    });
    await batch?.committed;
    return result;
  }

  #inSavepoint<T>(fn: () => T): T {
    this.#q('SAVEPOINT op').run();
    try {
      const value = fn();
      this.#q('RELEASE op').run();
      return value;
    } catch (error) {
      if (this.#db.isTransaction) {
        this.#q('ROLLBACK TO op').run();
        this.#q('RELEASE op').run();
      }
      throw error;
    }
  }

  #openBatch(): Batch {
    if (this.#batch !== undefined) return this.#batch;
    this.#q('BEGIN IMMEDIATE').run();
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
      if (!this.#db.isTransaction && this.#batch === batch) {
        this.#batch = undefined;
        batch.reject(this.#storeError('commit (the transaction was rolled back)', error));
      }
      throw error;
    }
  }

  #commit(batch: Batch): void {
    if (this.#batch !== batch) return;
    this.#batch = undefined;
    try {
      this.#q('COMMIT').run();
      batch.resolve();
    } catch (error) {
      try {
        if (this.#db.isTransaction) this.#q('ROLLBACK').run();
      } catch {
        // the commit error is the one to report
      }
      batch.reject(this.#storeError('commit', error));
    }
  }

  #jobRow(id: string): Row | undefined {
    return this.#q('SELECT * FROM jobs WHERE id = ?').get(id) as Row | undefined;
  }

  // --- jobs -----------------------------------------------------------------------------

  async createJob(input: CreateJobInput): Promise<CreateJobResult> {
    const id = checkId(input?.id, 'Job id');
    checkId(input.workflow, 'Job workflow name');
    if (!isPlainObject(input.inputs)) throw invalid(`Job ${id}: inputs must be a JSON object.`);
    const maxAttempts = input.maxAttempts ?? DEFAULT_MAX_ATTEMPTS;
    if (!Number.isInteger(maxAttempts) || maxAttempts < 1) {
      throw invalid(`Job ${id}: maxAttempts must be a whole number ≥ 1 (got ${String(input.maxAttempts)}).`);
    }
    const key = input.idempotencyKey ?? null;
    if (key !== null && (typeof key !== 'string' || key === '')) {
      throw invalid(`Job ${id}: idempotencyKey must be a non-empty string when given.`);
    }
    const claim = input.claim === true;
    return this.#write('create a job', () => {
      const now = this.#now();
      const values: SQLInputValue[] = [
        id,
        claim ? 'running' : 'pending',
        input.workflow,
        JSON.stringify(input.inputs),
        now,
        maxAttempts,
        key,
        input.webhookUrl ?? null,
        claim ? now : null,
        claim ? 1 : 0,
      ];
      const insert = `INSERT INTO jobs (id, status, workflow, inputs, created_at, max_attempts, idempotency_key, webhook_url, started_at, attempts)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
      try {
        if (key === null) {
          return { job: rowToJob(this.#q(`${insert} RETURNING *`).get(...values) as Row), created: true };
        }
        const row = this.#q(`${insert} ON CONFLICT (idempotency_key) DO NOTHING RETURNING *`).get(...values);
        if (row !== undefined) return { job: rowToJob(row as Row), created: true };
        const existing = this.#q('SELECT * FROM jobs WHERE idempotency_key = ?').get(key) as Row | undefined;
        if (existing === undefined)
          throw new Error(`idempotency key "${key}" conflicted but no job holds it`);
        return { job: rowToJob(existing), created: false };
      } catch (error) {
        if (sqliteCode(error) === SQLITE_CONSTRAINT_PRIMARYKEY) {
          throw new AgentcrateError('E_CONFLICT', `A job with id "${id}" already exists; use a new id.`, {
            cause: error,
            details: { jobId: id },
          });
        }
        throw error;
      }
    });
  }

  async getJob(id: string): Promise<Job | undefined> {
    return this.#use('read a job', () => {
      const row = this.#jobRow(id);
      return row === undefined ? undefined : rowToJob(row);
    });
  }

  async listJobs(options: ListJobsOptions): Promise<ListJobsResult> {
    const limit = checkLimit(options.limit, MAX_PAGE_SIZE, 'job list');
    const status = options.status;
    if (status !== undefined && !JOB_STATUSES.includes(status)) {
      throw invalid(`Unknown job status "${String(status)}": use one of ${JOB_STATUSES.join(', ')}.`);
    }
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor, 'job list');
    return this.#use('list jobs', () => {
      const where: string[] = [];
      const params: SQLInputValue[] = [];
      if (status !== undefined) {
        where.push('status = ?');
        params.push(status);
      }
      if (after !== undefined) {
        where.push('(created_at, id) < (?, ?)');
        params.push(after.t, after.id);
      }
      const sql = `SELECT * FROM jobs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT ?`;
      const rows = this.#q(sql).all(...params, limit + 1) as Row[];
      const jobs = rows.slice(0, limit).map(rowToJob);
      const last = jobs[jobs.length - 1];
      return rows.length > limit && last !== undefined
        ? { jobs, nextCursor: encodeCursor({ t: last.createdAt, id: last.id }) }
        : { jobs };
    });
  }

  async claimJob(id: string): Promise<Job | undefined> {
    return this.#write('claim a job', () => {
      const row = this.#q(
        `UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, ?), attempts = attempts + 1
         WHERE id = ? AND status = 'pending' RETURNING *`,
      ).get(this.#now(), id);
      return row === undefined ? undefined : rowToJob(row as Row);
    });
  }

  async claimNextPending(): Promise<Job | undefined> {
    return this.#write('claim the next pending job', () => {
      const row = this.#q(
        `UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, ?), attempts = attempts + 1
         WHERE id = (SELECT id FROM jobs WHERE status = 'pending' ORDER BY created_at, id LIMIT 1)
           AND status = 'pending'
         RETURNING *`,
      ).get(this.#now());
      return row === undefined ? undefined : rowToJob(row as Row);
    });
  }

  async updateJob(id: string, patch: JobPatch): Promise<Job | undefined> {
    if (patch.status !== undefined && !JOB_STATUSES.includes(patch.status)) {
      throw invalid(`Unknown job status "${String(patch.status)}": use one of ${JOB_STATUSES.join(', ')}.`);
    }
    if (patch.maxAttempts !== undefined && (!Number.isInteger(patch.maxAttempts) || patch.maxAttempts < 1)) {
      throw invalid(`Job ${id}: maxAttempts must be a whole number ≥ 1.`);
    }
    return this.#write('update a job', () => {
      const sets: string[] = [];
      const params: SQLInputValue[] = [];
      for (const [field, columns, encode] of PATCH_COLUMNS) {
        const value = patch[field];
        if (value === undefined) continue;
        for (const column of columns) sets.push(`${column} = ?`);
        params.push(...encode(value as never));
      }
      // A finished job always has completed_at, so retention can find it.
      if (
        patch.status !== undefined &&
        FINISHED_STATUSES.includes(patch.status) &&
        patch.completedAt === undefined
      ) {
        sets.push('completed_at = COALESCE(completed_at, ?)');
        params.push(this.#now());
      }
      if (sets.length === 0) {
        const row = this.#jobRow(id);
        return row === undefined ? undefined : rowToJob(row);
      }
      const row = this.#q(`UPDATE jobs SET ${sets.join(', ')} WHERE id = ? RETURNING *`).get(...params, id);
      return row === undefined ? undefined : rowToJob(row as Row);
    });
  }

  async completeJob(id: string, result: CompleteJobInput): Promise<Job | undefined> {
    if (!isPlainObject(result?.outputs)) throw invalid(`Job ${id}: outputs must be a JSON object.`);
    return this.#write('complete a job', () => {
      const row = this.#q(
        `UPDATE jobs SET status = 'completed', outputs = ?, error = NULL, execution_time_ms = ?,
           input_tokens = ?, output_tokens = ?, completed_at = ?
         WHERE id = ? AND ${ACTIVE} RETURNING *`,
      ).get(
        JSON.stringify(result.outputs),
        result.executionTimeMs,
        result.usage.inputTokens,
        result.usage.outputTokens,
        this.#now(),
        id,
      );
      return row === undefined ? undefined : rowToJob(row as Row);
    });
  }

  async failJob(id: string, error: JobError, options: FailJobOptions = {}): Promise<Job | undefined> {
    if (typeof error?.code !== 'string' || typeof error.message !== 'string') {
      throw invalid(`Job ${id}: a failure needs an error with a string code and message.`);
    }
    return this.#write('fail a job', () => {
      const row = this.#q(
        `UPDATE jobs SET status = 'failed', error = ?, completed_at = ?,
           execution_time_ms = COALESCE(?, execution_time_ms),
           input_tokens = COALESCE(?, input_tokens), output_tokens = COALESCE(?, output_tokens)
         WHERE id = ? AND ${ACTIVE} RETURNING *`,
      ).get(
        JSON.stringify(error),
        this.#now(),
        options.executionTimeMs ?? null,
        options.usage?.inputTokens ?? null,
        options.usage?.outputTokens ?? null,
        id,
      );
      return row === undefined ? undefined : rowToJob(row as Row);
    });
  }

  async cancelJob(id: string): Promise<boolean> {
    return this.#write('cancel a job', () => {
      const result = this.#q(
        `UPDATE jobs SET status = 'cancelled', completed_at = ? WHERE id = ? AND ${ACTIVE}`,
      ).run(this.#now(), id);
      return Number(result.changes) > 0;
    });
  }

  async recoverInterrupted(): Promise<Job[]> {
    return this.#write(
      'recover interrupted jobs',
      () => {
        const now = this.#now();
        const crashLoopers = this.#q(
          `SELECT id, attempts, max_attempts FROM jobs WHERE status = 'running' AND attempts >= max_attempts`,
        ).all() as Array<{ id: string; attempts: number; max_attempts: number }>;
        for (const { id, attempts, max_attempts: maxAttempts } of crashLoopers) {
          const error: JobError = {
            code: CRASH_LOOP_CODE,
            message: `Job ${id} crashed the process ${attempts} times (limit ${maxAttempts}), so it is not resumed again; check the server logs around its last runs for the cause.`,
            details: { attempts, maxAttempts },
          };
          this.#q(`UPDATE jobs SET status = 'failed', error = ?, completed_at = ? WHERE id = ?`).run(
            JSON.stringify(error),
            now,
            id,
          );
        }
        const resumed = this.#q(
          `UPDATE jobs SET status = 'pending' WHERE status = 'running' AND attempts < max_attempts RETURNING *`,
        ).all() as Row[];
        // Oldest first, so the runner resumes them in submission order.
        return resumed.map(rowToJob).sort((a, b) => a.createdAt - b.createdAt || (a.id < b.id ? -1 : 1));
      },
      true,
      // Usually changes nothing; resumed jobs start the worker with their own first writes.
      true,
    );
  }

  async deleteFinishedBefore(epochMs: number): Promise<number> {
    if (typeof epochMs !== 'number' || Number.isNaN(epochMs)) {
      throw invalid('deleteFinishedBefore needs a time in epoch ms.');
    }
    // In chunks, each its own commit, so a large sweep never holds the write lock (and the
    // event loop) for long. Checkpoints and events go with their job (ON DELETE CASCADE).
    let total = 0;
    for (;;) {
      const deleted = await this.#write(
        'delete finished jobs',
        () =>
          Number(
            this.#q(
              `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_finished_by_completed
               WHERE ${FINISHED} AND completed_at < ? LIMIT ${DELETE_CHUNK})`,
            ).run(epochMs).changes,
          ),
        false,
        // A periodic sweep (usually deleting nothing) must not start the checkpoint worker of
        // an idle server; the connection's auto-checkpoint trims the WAL after a large one.
        true,
      );
      total += deleted;
      if (deleted < DELETE_CHUNK) break;
    }
    return total;
  }

  async countByStatus(): Promise<Record<JobStatus, number>> {
    return this.#use('count jobs', () => {
      const counts: Record<JobStatus, number> = {
        pending: 0,
        running: 0,
        completed: 0,
        failed: 0,
        cancelled: 0,
      };
      const rows = this.#q('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status').all() as Array<{
        status: JobStatus;
        n: number;
      }>;
      for (const { status, n } of rows) counts[status] = Number(n);
      return counts;
    });
  }

  // --- checkpoints ----------------------------------------------------------------------

  async saveCheckpoint(jobId: string, checkpoint: unknown): Promise<void> {
    if (!isPlainObject(checkpoint)) throw invalid(`Job ${jobId}: a checkpoint must be a JSON object.`);
    const step =
      typeof checkpoint.step === 'number' && Number.isFinite(checkpoint.step) ? checkpoint.step : 0;
    const nodesDone = Array.isArray(checkpoint.completed)
      ? checkpoint.completed.filter((node): node is string => typeof node === 'string')
      : [];
    const data = JSON.stringify(checkpoint);
    await this.#write(
      'save a checkpoint',
      () => {
        const updated = this.#q('UPDATE jobs SET progress_step = ?, progress_nodes = ? WHERE id = ?').run(
          step,
          JSON.stringify(nodesDone),
          jobId,
        );
        if (Number(updated.changes) === 0) throw notFound(jobId);
        this.#q(
          `INSERT INTO checkpoints (job_id, step, saved_at, data) VALUES (?, ?, ?, ?)
           ON CONFLICT (job_id) DO UPDATE SET step = excluded.step, saved_at = excluded.saved_at, data = excluded.data`,
        ).run(jobId, step, this.#now(), data);
      },
      true,
    );
  }

  async getCheckpoint(jobId: string): Promise<StoredCheckpoint | undefined> {
    return this.#use('read a checkpoint', () => {
      const row = this.#q('SELECT step, saved_at, data FROM checkpoints WHERE job_id = ?').get(jobId) as
        | { step: number; saved_at: number; data: string }
        | undefined;
      if (row === undefined) return undefined;
      return {
        jobId,
        step: Number(row.step),
        savedAt: Number(row.saved_at),
        checkpoint: JSON.parse(row.data) as unknown,
      };
    });
  }

  // --- events ---------------------------------------------------------------------------

  async appendEvent(jobId: string, event: StoreEvent): Promise<StoredEvent> {
    const [stored] = await this.appendEvents(jobId, [event]);
    return stored!;
  }

  async appendEvents(jobId: string, events: readonly StoreEvent[]): Promise<StoredEvent[]> {
    if (!Array.isArray(events)) throw invalid(`Job ${jobId}: events must be an array.`);
    const checked = events.map(checkEvent);
    if (checked.length === 0) return [];
    const data = checked.map((event) => JSON.stringify(event));
    return this.#write(
      'append events',
      () => {
        const last = this.#q('SELECT MAX(seq) AS seq FROM events WHERE job_id = ?').get(jobId) as
          | { seq: number | null }
          | undefined;
        let seq = Number(last?.seq ?? 0);
        const insert = this.#q('INSERT INTO events (job_id, seq, type, at, data) VALUES (?, ?, ?, ?, ?)');
        const stored: StoredEvent[] = [];
        try {
          for (let i = 0; i < checked.length; i++) {
            const event = checked[i]!;
            seq += 1;
            insert.run(jobId, seq, event.type, event.at, data[i]!);
            stored.push({ jobId, seq, event: event as StoredEvent['event'] });
          }
        } catch (error) {
          if (sqliteCode(error) === SQLITE_CONSTRAINT_FOREIGNKEY) throw notFound(jobId);
          throw error;
        }
        return stored;
      },
      true,
    );
  }

  async listEvents(jobId: string, afterSeq = 0, limit?: number): Promise<StoredEvent[]> {
    if (limit !== undefined) checkLimit(limit, Number.MAX_SAFE_INTEGER, 'event list');
    return this.#use('list events', () => {
      const rows = this.#q(
        'SELECT job_id, seq, data FROM events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?',
      ).all(jobId, afterSeq, limit ?? -1) as Row[];
      return rows.map(rowToEvent);
    });
  }

  // --- lifecycle ------------------------------------------------------------------------

  async health(): Promise<StoreHealth> {
    if (this.#closed) return { ok: false, reason: `the job store ${this.#file} is closed` };
    try {
      await this.#write(
        'write a health check',
        () => {
          this.#q(
            `INSERT INTO meta (key, value) VALUES ('health_checked_at', ?)
           ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
          ).run(String(this.#now()));
        },
        false,
        true,
      );
      return { ok: true };
    } catch (error) {
      return {
        ok: false,
        reason: `cannot write to the job store ${this.#file}: ${(error as Error).message}`,
      };
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
      this.#db.exec('PRAGMA shrink_memory');
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
      this.#db.exec('PRAGMA optimize');
    } catch {
      // Only an optimisation; closing matters more.
    }
    this.#db.close();
  }
}
