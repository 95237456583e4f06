/**
 * Jobs in the SQLite store: creation (with idempotency keys), listing, the lifecycle moves,
 * crash recovery and retention. State moves (claim, complete, fail, cancel) are single guarded
 * `UPDATE … WHERE status … RETURNING ${JOB_COLUMNS}` statements, so they stay atomic even if a second
 * connection writes the same file.
 */
import type { SQLInputValue } from 'node:sqlite';
import { AgentcrateError } from '../../errors.js';
import {
  checkFailure,
  checkNewJob,
  checkPatch,
  checkStatus,
  invalid,
  isPlainObject,
  queueFull,
} from '../checks.js';
import { decideRecovery } from '../crash-guard.js';
import { checkLimit, decodeCursor, encodeCursor } from '../cursor.js';
import { type Row, rowToJob } from '../rows.js';
import {
  type ClaimOptions,
  type CompleteJobInput,
  type CreateJobInput,
  type CreateJobResult,
  type FailJobOptions,
  FINISHED_STATUSES,
  ISOLATE_AFTER_CRASHES,
  type Job,
  type JobError,
  type JobPatch,
  type JobStatus,
  type ListJobsOptions,
  type ListJobsResult,
  MAX_PAGE_SIZE,
  type RecoveredJob,
} from '../types.js';
import type { SqliteAccess } from './connection.js';
import type { LastSeqs } from './last-seqs.js';

const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;

const DELETE_CHUNK = 500;

const ACTIVE = `status IN ('pending','running')`;

/** The columns a Job is read from: every one but the checkpoint's (events.ts reads it). */
const JOB_COLUMNS = `id, status, workflow, inputs, outputs, error, created_at, started_at, completed_at,
  execution_time_ms, attempts, max_crashes, idempotency_key, webhook_url, progress_step, progress_nodes,
  input_tokens, output_tokens, crashes, blamed_crashes`;
const FINISHED = `status IN ('completed','failed','cancelled')`;

export function sqliteCode(error: unknown): number | undefined {
  const code = (error as { errcode?: unknown } | null)?.errcode;
  return typeof code === 'number' ? code : undefined;
}

/**
 * A job's row as the insert in createJob stores it (its `values`, in that order), the other
 * columns at their defaults (schema.ts).
 */
function insertedRow(values: readonly SQLInputValue[]): Row {
  const [id, status, workflow, inputs, createdAt, maxCrashes, key, webhookUrl, startedAt, attempts] = values;
  return {
    id,
    status,
    workflow,
    inputs,
    outputs: null,
    error: null,
    created_at: createdAt,
    started_at: startedAt,
    completed_at: null,
    execution_time_ms: null,
    attempts,
    max_crashes: maxCrashes,
    idempotency_key: key,
    webhook_url: webhookUrl,
    progress_step: 0,
    progress_nodes: '[]',
    input_tokens: 0,
    output_tokens: 0,
    crashes: 0,
    blamed_crashes: 0,
  };
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
  ['maxCrashes', ['max_crashes'], (v: number) => [v]],
  [
    'progress',
    ['progress_step', 'progress_nodes'],
    (p: Job['progress']) => [p.step, JSON.stringify(p.nodesDone)],
  ],
  ['usage', ['input_tokens', 'output_tokens'], (u: Job['usage']) => [u.inputTokens, u.outputTokens]],
];

export class SqliteJobs {
  readonly #db: SqliteAccess;
  readonly #lastSeqs: LastSeqs;

  constructor(access: SqliteAccess, lastSeqs: LastSeqs) {
    this.#db = access;
    this.#lastSeqs = lastSeqs;
  }

  #jobRow(id: string): Row | undefined {
    return this.#db.q(`SELECT ${JOB_COLUMNS} FROM jobs WHERE id = ?`).get(id) as Row | undefined;
  }

  async createJob(input: CreateJobInput): Promise<CreateJobResult> {
    const { id, maxCrashes, key, claim, queueLimit } = checkNewJob(input);
    return this.#db.write('create a job', () => {
      if (key !== null) {
        const existing = this.#db.q(`SELECT ${JOB_COLUMNS} FROM jobs WHERE idempotency_key = ?`).get(key);
        if (existing !== undefined) return { job: rowToJob(existing as Row), created: false };
      }
      if (queueLimit !== undefined && !claim) {
        const waiting = this.#db.q(`SELECT COUNT(*) AS n FROM jobs WHERE status = 'pending'`).get() as Row;
        if (Number(waiting.n) >= queueLimit) throw queueFull(queueLimit);
      }
      const now = this.#db.now();
      const values: SQLInputValue[] = [
        id,
        claim ? 'running' : 'pending',
        input.workflow,
        JSON.stringify(input.inputs),
        now,
        maxCrashes,
        key,
        input.webhookUrl ?? null,
        claim ? now : null,
        claim ? 1 : 0,
      ];
      const insert = `INSERT INTO jobs (id, status, workflow, inputs, created_at, max_crashes, idempotency_key, webhook_url, started_at, attempts)
        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`;
      try {
        if (key === null) {
          // Every column is known here: the job is made from them rather than read back
          // (RETURNING costs about as much as the insert itself).
          this.#db.q(insert).run(...values);
          this.#lastSeqs.set(id, 0);
          return { job: rowToJob(insertedRow(values)), created: true };
        }
        const row = this.#db
          .q(
            `${insert} ON CONFLICT (idempotency_key) WHERE idempotency_key IS NOT NULL DO NOTHING RETURNING ${JOB_COLUMNS}`,
          )
          .get(...values);
        if (row !== undefined) {
          this.#lastSeqs.set(id, 0);
          return { job: rowToJob(row as Row), created: true };
        }
        const existing = this.#db.q(`SELECT ${JOB_COLUMNS} FROM jobs WHERE idempotency_key = ?`).get(key) as
          | Row
          | undefined;
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
    return this.#db.read('read a job', () => {
      const row = this.#jobRow(id);
      return row === undefined ? undefined : rowToJob(row);
    });
  }

  async listJobs(options: ListJobsOptions): Promise<ListJobsResult> {
    const limit = checkLimit(options.limit, MAX_PAGE_SIZE, 'job list');
    const status = options.status;
    checkStatus(status);
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor, 'job list');
    return this.#db.read('list jobs', () => {
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
      const sql = `SELECT ${JOB_COLUMNS} FROM jobs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
        ORDER BY created_at DESC, id DESC LIMIT ?`;
      const rows = this.#db.q(sql).all(...params, limit + 1) as Row[];
      const jobs = rows.slice(0, limit).map(rowToJob);
      const last = jobs[jobs.length - 1];
      return rows.length > limit && last !== undefined
        ? { jobs, nextCursor: encodeCursor({ t: last.createdAt, id: last.id }) }
        : { jobs };
    });
  }

  async claimJob(id: string): Promise<Job | undefined> {
    return this.#db.write('claim a job', () => {
      const row = this.#db
        .q(
          `UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, ?), attempts = attempts + 1
         WHERE id = ? AND status = 'pending' RETURNING ${JOB_COLUMNS}`,
        )
        .get(this.#db.now(), id);
      return row === undefined ? undefined : rowToJob(row as Row);
    });
  }

  async claimNextPending(options: ClaimOptions = {}): Promise<Job | undefined> {
    const isolated = options.skipIsolated === true ? `AND crashes < ${ISOLATE_AFTER_CRASHES}` : '';
    const ofWorkflow = options.workflow === undefined ? '' : 'AND workflow = ?';
    const params = options.workflow === undefined ? [] : [options.workflow];
    return this.#db.write('claim the next pending job', () => {
      const row = this.#db
        .q(
          `UPDATE jobs SET status = 'running', started_at = COALESCE(started_at, ?), attempts = attempts + 1
         WHERE id = (SELECT id FROM jobs WHERE status = 'pending' ${isolated} ${ofWorkflow}
                     ORDER BY created_at, id LIMIT 1)
           AND status = 'pending'
         RETURNING ${JOB_COLUMNS}`,
        )
        .get(this.#db.now(), ...params);
      return row === undefined ? undefined : rowToJob(row as Row);
    });
  }

  async updateJob(id: string, patch: JobPatch): Promise<Job | undefined> {
    checkPatch(id, patch);
    return this.#db.write('update a job', () => {
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
        params.push(this.#db.now());
      }
      if (sets.length === 0) {
        const row = this.#jobRow(id);
        return row === undefined ? undefined : rowToJob(row);
      }
      const row = this.#db
        .q(`UPDATE jobs SET ${sets.join(', ')} WHERE id = ? RETURNING ${JOB_COLUMNS}`)
        .get(...params, id);
      return row === undefined ? undefined : rowToJob(row as Row);
    });
  }

  async completeJob(id: string, result: CompleteJobInput): Promise<Job | undefined> {
    if (!isPlainObject(result?.outputs)) throw invalid(`Job ${id}: outputs must be a JSON object.`);
    return this.#db.write('complete a job', () => {
      const row = this.#db
        .q(
          `UPDATE jobs SET status = 'completed', outputs = ?, error = NULL, execution_time_ms = ?,
           input_tokens = ?, output_tokens = ?, completed_at = ?,
           progress_step = COALESCE(?, progress_step), progress_nodes = COALESCE(?, progress_nodes)
         WHERE id = ? AND ${ACTIVE} RETURNING ${JOB_COLUMNS}`,
        )
        .get(
          JSON.stringify(result.outputs),
          result.executionTimeMs,
          result.usage.inputTokens,
          result.usage.outputTokens,
          this.#db.now(),
          result.progress?.step ?? null,
          result.progress ? JSON.stringify(result.progress.nodesDone) : null,
          id,
        );
      this.#lastSeqs.forget(id);
      return row === undefined ? undefined : rowToJob(row as Row);
    });
  }

  async failJob(id: string, error: JobError, options: FailJobOptions = {}): Promise<Job | undefined> {
    checkFailure(id, error);
    return this.#db.write('fail a job', () => {
      const row = this.#db
        .q(
          `UPDATE jobs SET status = 'failed', error = ?, completed_at = ?,
           execution_time_ms = COALESCE(?, execution_time_ms),
           input_tokens = COALESCE(?, input_tokens), output_tokens = COALESCE(?, output_tokens)
         WHERE id = ? AND ${ACTIVE} RETURNING ${JOB_COLUMNS}`,
        )
        .get(
          JSON.stringify(error),
          this.#db.now(),
          options.executionTimeMs ?? null,
          options.usage?.inputTokens ?? null,
          options.usage?.outputTokens ?? null,
          id,
        );
      this.#lastSeqs.forget(id);
      return row === undefined ? undefined : rowToJob(row as Row);
    });
  }

  async cancelJob(id: string): Promise<boolean> {
    return this.#db.write('cancel a job', () => {
      const result = this.#db
        .q(`UPDATE jobs SET status = 'cancelled', completed_at = ? WHERE id = ? AND ${ACTIVE}`)
        .run(this.#db.now(), id);
      this.#lastSeqs.forget(id);
      return Number(result.changes) > 0;
    });
  }

  async recoverInterrupted(): Promise<RecoveredJob[]> {
    return this.#db.write(
      'recover interrupted jobs',
      () => {
        const now = this.#db.now();
        const interrupted = (
          this.#db
            .q(`SELECT ${JOB_COLUMNS} FROM jobs WHERE status = 'running' ORDER BY created_at, id`)
            .all() as Row[]
        ).map(rowToJob);
        if (interrupted.length === 0) return [];
        const fail = this.#db.q(
          `UPDATE jobs SET status = 'failed', error = ?, completed_at = ?, crashes = ?, blamed_crashes = ?
           WHERE id = ? RETURNING ${JOB_COLUMNS}`,
        );
        const resume = this.#db.q(
          `UPDATE jobs SET status = 'pending', crashes = ?, blamed_crashes = ? WHERE id = ? RETURNING ${JOB_COLUMNS}`,
        );
        // Oldest first, so the runner resumes them in submission order.
        return decideRecovery(interrupted).map((d): RecoveredJob => {
          const row = (
            d.error !== undefined
              ? fail.get(JSON.stringify(d.error), now, d.crashes, d.blamedCrashes, d.id)
              : resume.get(d.crashes, d.blamedCrashes, d.id)
          ) as Row;
          return {
            job: rowToJob(row),
            action: d.action,
            reason: d.reason,
            blamed: d.blamed,
            suspects: d.suspects,
          };
        });
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
      const deleted = await this.#db.write(
        'delete finished jobs',
        () => {
          const changes = Number(
            this.#db
              .q(
                `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs INDEXED BY jobs_finished_by_completed
               WHERE ${FINISHED} AND completed_at < ? LIMIT ${DELETE_CHUNK})`,
              )
              .run(epochMs).changes,
          );
          // A deleted job's id may be given again: its events then start over from 1.
          if (changes > 0) this.#lastSeqs.clear();
          return changes;
        },
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
    return this.#db.read('count jobs', () => {
      const counts: Record<JobStatus, number> = {
        pending: 0,
        running: 0,
        completed: 0,
        failed: 0,
        cancelled: 0,
      };
      const rows = this.#db.q('SELECT status, COUNT(*) AS n FROM jobs GROUP BY status').all() as Array<{
        status: JobStatus;
        n: number;
      }>;
      for (const { status, n } of rows) counts[status] = Number(n);
      return counts;
    });
  }
}
