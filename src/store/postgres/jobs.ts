/**
 * Jobs in the PostgreSQL store: creation (idempotency keys, the shared queue bound), listing,
 * claiming with `FOR UPDATE SKIP LOCKED` (replicas never wait on each other's claims), the
 * lifecycle moves and retention. Every move is one statement, so it is atomic and costs one
 * round trip; moves of a job's state are fenced: once another replica has taken a job over,
 * this one's writes to it are refused (E_STORE_LOCKED) instead of clobbering the new owner's.
 * Finishing a job and putting one back to wait notify the other replicas (NOTIFY, delivered
 * at commit).
 */
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
import { checkLimit, decodeCursor, encodeCursor } from '../cursor.js';
import { rowToJob } from '../rows.js';
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
} from '../types.js';
import { DB_NOW, LOCK, type PgConnection, REFUSED, type Row, sqlState } from './connection.js';
import { eventParams, insertEvents } from './event-insert.js';

const DELETE_CHUNK = 500;
const ACTIVE = `status IN ('pending','running')`;
const FINISHED = `status IN ('completed','failed','cancelled')`;

/** Who this store is to the jobs it claims: its lease's holder id and TTL, or none. */
export interface Ownership {
  /** The holder id, or null without a lease; throws E_STORE_LOCKED once the lease is lost. */
  owner(): string | null;
  ttlMs(): number;
}

/** `WHERE` part that fences a running job's writes to its owner; `$n` is the owner (or null). */
export function fence(n: number): string {
  return `(status <> 'running' OR $${n}::text IS NULL OR lease_owner = $${n}::text)`;
}

/** NOTIFY payloads (connection.ts `channel`); `finished` carries the job id. */
export const notifyPending = (c: PgConnection) => `pg_notify('${c.channel}', '{"k":"p"}')`;
export const notifyFinished = (c: PgConnection, idColumn: string) =>
  `pg_notify('${c.channel}', json_build_object('k', 'f', 'id', ${idColumn})::text)`;
/**
 * A run's end is told to the other replicas only when one of them may wait for it (`watched`):
 * a job that waited in the store's queue (its caller waits where it was submitted, it runs
 * wherever it was claimed) or whose idempotency key was repeated while it ran. A job stored
 * claimed runs in the replica holding its caller, and every replica LISTENs: telling them all
 * of every end would cost each of them (and each one's database backend) a wake-up per commit,
 * for nothing. Cancellation always notifies: the replica running the job must hear of it.
 */
export const notifyFinishedIfWatched = (c: PgConnection, idColumn: string) =>
  `CASE WHEN watched THEN ${notifyFinished(c, idColumn)} END`;

/** Patch field → the columns it sets and how its value is stored. */
const PATCH_COLUMNS: ReadonlyArray<readonly [keyof JobPatch, string[], (value: never) => unknown[]]> = [
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

export class PgJobs {
  readonly #c: PgConnection;
  readonly #own: Ownership;

  constructor(c: PgConnection, ownership: Ownership) {
    this.#c = c;
    this.#own = ownership;
  }

  /** SET part of a claim by this store: running, leased to it (or to nobody without a lease). */
  #claimSet(owner: number, ttl: number): string {
    return `status = 'running', attempts = attempts + 1,
      lease_owner = $${owner}::text,
      lease_expires_at = CASE WHEN $${owner}::text IS NULL THEN NULL ELSE ${DB_NOW} + $${ttl} END`;
  }

  async createJob(input: CreateJobInput): Promise<CreateJobResult> {
    const { id, maxCrashes, key, claim, queueLimit } = checkNewJob(input);
    const owner = claim ? this.#own.owner() : null;
    const now = this.#c.now();
    const values = [
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
      owner,
      this.#own.ttlMs(),
    ];
    // A job stored pending may run in any replica while its caller waits in this one: watched.
    // ON CONFLICT only with a key: it makes every insert a speculative one (a pre-check of the
    // key's index, a lock on the insertion and a second WAL record to confirm it), and without a
    // key nothing can conflict on it (a duplicate id raises either way).
    const insert = `INSERT INTO jobs (id, status, workflow, inputs, created_at, max_crashes, idempotency_key,
        webhook_url, started_at, attempts, lease_owner, lease_expires_at, watched)
      SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::text,
        CASE WHEN $11::text IS NULL THEN NULL ELSE ${DB_NOW} + $12 END, ${claim ? 'false' : 'true'}
      WHERE $13::integer IS NULL OR (SELECT count(*) FROM jobs WHERE status = 'pending') < $13::integer
      ${key === null ? '' : 'ON CONFLICT (idempotency_key) DO NOTHING'}
      RETURNING *${claim ? '' : `, ${notifyPending(this.#c)}`}`;
    const bounded = queueLimit !== undefined && !claim;
    let rows: Row[];
    try {
      if (key !== null) {
        // A repeated key answers with its job, even when the queue is full.
        const existing = await this.#byKey(key, true);
        if (existing !== undefined) return { job: existing, created: false };
      }
      rows = bounded
        ? // The count and the insert after one lock, so replicas submitting together hold one bound.
          await this.#c.tx('create a job', async (sql) => {
            await sql.unsafe(`SELECT pg_advisory_xact_lock($1, $2)`, [this.#c.lockSpace, LOCK.queue]);
            return (await sql.unsafe(insert, [...values, queueLimit] as never[], { prepare: true })) as Row[];
          })
        : // With the other jobs' writes of this turn (group-commit.ts): the create is stored before it returns.
          await this.#c.qTurn(id, 'create a job', insert, [...values, null]);
    } catch (error) {
      const cause = (error as AgentcrateError).cause ?? error;
      if (sqlState(cause) === '23505' && /jobs_pkey/.test(String((cause as Error).message))) {
        throw new AgentcrateError('E_CONFLICT', `A job with id "${id}" already exists; use a new id.`, {
          cause,
          details: { jobId: id },
        });
      }
      throw error;
    }
    if (rows[0] !== undefined) return { job: rowToJob(rows[0]), created: true };
    if (key !== null) {
      const existing = await this.#byKey(key, true);
      if (existing !== undefined) return { job: existing, created: false };
    }
    if (bounded) throw queueFull(queueLimit);
    throw new AgentcrateError('E_STORE', `Job store ${this.#c.label}: job ${id} was not stored; retry.`);
  }

  /**
   * The job stored under an idempotency key. `watch`: the caller will wait for its end, maybe in
   * another replica than the one running it, so an unfinished job is marked watched. Marked by
   * an UPDATE, which waits for a concurrent end to commit and then returns the ended job; an end
   * committed after it sees the mark and notifies.
   */
  async #byKey(key: string, watch = false): Promise<Job | undefined> {
    const [row] = await this.#c.q('read a job', 'SELECT * FROM jobs WHERE idempotency_key = $1', [key]);
    if (row === undefined) return undefined;
    if (!watch || row.watched === true || !['pending', 'running'].includes(row.status as string)) {
      return rowToJob(row);
    }
    const [marked] = await this.#c.q(
      'read a job',
      'UPDATE jobs SET watched = true WHERE id = $1 RETURNING *',
      [row.id],
    );
    return rowToJob(marked ?? row);
  }

  async getJob(id: string): Promise<Job | undefined> {
    const [row] = await this.#c.q('read a job', 'SELECT * FROM jobs WHERE id = $1', [id]);
    return row === undefined ? undefined : rowToJob(row);
  }

  async listJobs(options: ListJobsOptions): Promise<ListJobsResult> {
    const limit = checkLimit(options.limit, MAX_PAGE_SIZE, 'job list');
    const status = options.status;
    checkStatus(status);
    const after = options.cursor === undefined ? undefined : decodeCursor(options.cursor, 'job list');
    const where: string[] = [];
    const params: unknown[] = [];
    if (status !== undefined) {
      params.push(status);
      where.push(`status = $${params.length}`);
    }
    if (after !== undefined) {
      params.push(after.t, after.id);
      where.push(`(created_at, id) < ($${params.length - 1}, $${params.length})`);
    }
    params.push(limit + 1);
    const rows = await this.#c.q(
      'list jobs',
      `SELECT * FROM jobs ${where.length > 0 ? `WHERE ${where.join(' AND ')}` : ''}
       ORDER BY created_at DESC, id DESC LIMIT $${params.length}`,
      params,
    );
    const jobs = rows.slice(0, limit).map(rowToJob);
    const last = jobs[jobs.length - 1];
    return rows.length > limit && last !== undefined
      ? { jobs, nextCursor: encodeCursor({ t: last.createdAt, id: last.id }) }
      : { jobs };
  }

  async claimJob(id: string): Promise<Job | undefined> {
    const [row] = await this.#c.q(
      'claim a job',
      `UPDATE jobs SET ${this.#claimSet(3, 4)}, started_at = COALESCE(started_at, $2)
       WHERE id = $1 AND status = 'pending' RETURNING *`,
      [id, this.#c.now(), this.#own.owner(), this.#own.ttlMs()],
    );
    return row === undefined ? undefined : rowToJob(row);
  }

  async claimNextPending(options: ClaimOptions = {}): Promise<Job | undefined> {
    const isolated = options.skipIsolated === true ? `AND crashes < ${ISOLATE_AFTER_CRASHES}` : '';
    const ofWorkflow = options.workflow === undefined ? '' : 'AND workflow = $4';
    const params = options.workflow === undefined ? [] : [options.workflow];
    // SKIP LOCKED: replicas claiming at once each take a different job instead of queueing
    // behind the first one's row lock.
    const [row] = await this.#c.q(
      'claim the next pending job',
      `UPDATE jobs SET ${this.#claimSet(2, 3)}, started_at = COALESCE(started_at, $1)
       WHERE id = (SELECT id FROM jobs WHERE status = 'pending' ${isolated} ${ofWorkflow}
                   ORDER BY created_at, id LIMIT 1 FOR UPDATE SKIP LOCKED)
       RETURNING *`,
      [this.#c.now(), this.#own.owner(), this.#own.ttlMs(), ...params],
    );
    return row === undefined ? undefined : rowToJob(row);
  }

  /** Why a fenced write to a job changed nothing: missing (undefined) or taken by another owner. */
  async refusal(id: string, owner: string | null): Promise<AgentcrateError | undefined> {
    const [row] = await this.#c.q(
      'read a job',
      `SELECT j.status, j.lease_owner, r.pid, r.host FROM jobs j
       LEFT JOIN replicas r ON r.id = j.lease_owner WHERE j.id = $1`,
      [id],
    );
    if (row === undefined || owner === null || row.status !== 'running' || row.lease_owner === owner) {
      return undefined;
    }
    const by = row.pid === null ? 'no live owner' : `agentcrate pid ${row.pid} on host ${row.host}`;
    return new AgentcrateError(
      'E_STORE_LOCKED',
      `Job ${id} is no longer this process's to run: it was taken over (now ${by}) after this process went longer than its lease without renewing it.`,
      { details: { jobId: id, store: this.#c.label } },
    );
  }

  async updateJob(id: string, patch: JobPatch): Promise<Job | undefined> {
    checkPatch(id, patch);
    const owner = this.#own.owner();
    const sets: string[] = [];
    const params: unknown[] = [id, owner];
    for (const [field, columns, encode] of PATCH_COLUMNS) {
      const value = patch[field];
      if (value === undefined) continue;
      const encoded = encode(value as never);
      columns.forEach((column, i) => {
        params.push(encoded[i]);
        sets.push(`${column} = $${params.length}`);
      });
    }
    const finished = patch.status !== undefined && FINISHED_STATUSES.includes(patch.status);
    // A finished job always has completed_at, so retention can find it.
    if (finished && patch.completedAt === undefined) {
      params.push(this.#c.now());
      sets.push(`completed_at = COALESCE(completed_at, $${params.length})`);
    }
    if (sets.length === 0) return this.getJob(id);
    let notify = '';
    if (patch.status !== undefined && patch.status !== 'running') {
      sets.push('lease_owner = NULL', 'lease_expires_at = NULL');
      // Back in the store's queue, it may run in any replica: its end is told to all.
      if (patch.status === 'pending') sets.push('watched = true');
      notify = `, ${patch.status === 'pending' ? notifyPending(this.#c) : notifyFinishedIfWatched(this.#c, 'id')}`;
    }
    const [row] = await this.#c.q(
      'update a job',
      `UPDATE jobs SET ${sets.join(', ')} WHERE id = $1 AND ${fence(2)} RETURNING *${notify}`,
      params,
    );
    if (row !== undefined) return rowToJob(row);
    const refused = await this.refusal(id, owner);
    if (refused !== undefined) throw refused;
    return undefined;
  }

  async completeJob(id: string, result: CompleteJobInput): Promise<Job | undefined> {
    if (!isPlainObject(result?.outputs)) throw invalid(`Job ${id}: outputs must be a JSON object.`);
    const owner = this.#own.owner();
    const set = `status = 'completed', outputs = $3, error = NULL, execution_time_ms = $4,
         input_tokens = $5, output_tokens = $6, completed_at = $7, lease_owner = NULL, lease_expires_at = NULL,
         progress_step = COALESCE($8::integer, progress_step), progress_nodes = COALESCE($9::text, progress_nodes)`;
    const where = `id = $1 AND ${ACTIVE} AND ${fence(2)}`;
    const returning = `*, ${notifyFinishedIfWatched(this.#c, 'id')} AS notified`;
    const params = [
      id,
      owner,
      JSON.stringify(result.outputs),
      result.executionTimeMs,
      result.usage.inputTokens,
      result.usage.outputTokens,
      this.#c.now(),
      result.progress?.step ?? null,
      result.progress ? JSON.stringify(result.progress.nodesDone) : null,
    ];
    const [row] = await this.#c
      .qTurn(id, 'complete a job', `UPDATE jobs SET ${set} WHERE ${where} RETURNING ${returning}`, params, {
        // With the run's last events: one UPDATE reserves their seqs and ends the job.
        afterEvents: (events) => ({
          text: `WITH j AS (UPDATE jobs SET ${set}, event_seq = event_seq + $10 WHERE ${where} RETURNING ${returning}),
            e AS (${insertEvents('j', 10)})
            SELECT j.*, ARRAY(SELECT seq FROM e ORDER BY seq) AS event_seqs FROM j`,
          params: [...params, ...eventParams(events)],
        }),
      })
      .catch((error: unknown) => {
        // Taken back with the job's other writes of this turn (fenced): answered as refused below.
        if (error === REFUSED) return [];
        throw error;
      });
    if (row !== undefined) return rowToJob(row);
    const refused = await this.refusal(id, owner);
    if (refused !== undefined) throw refused;
    return undefined;
  }

  async failJob(id: string, error: JobError, options: FailJobOptions = {}): Promise<Job | undefined> {
    checkFailure(id, error);
    const owner = this.#own.owner();
    const [row] = await this.#c
      .qTurn(
        id,
        'fail a job',
        `UPDATE jobs SET status = 'failed', error = $3, completed_at = $4,
         execution_time_ms = COALESCE($5, execution_time_ms),
         input_tokens = COALESCE($6, input_tokens), output_tokens = COALESCE($7, output_tokens),
         lease_owner = NULL, lease_expires_at = NULL
       WHERE id = $1 AND ${ACTIVE} AND ${fence(2)} RETURNING *, ${notifyFinishedIfWatched(this.#c, 'id')}`,
        [
          id,
          owner,
          JSON.stringify(error),
          this.#c.now(),
          options.executionTimeMs ?? null,
          options.usage?.inputTokens ?? null,
          options.usage?.outputTokens ?? null,
        ],
      )
      .catch((error: unknown) => {
        // Taken back with the job's other writes of this turn (fenced): answered as refused below.
        if (error === REFUSED) return [];
        throw error;
      });
    if (row !== undefined) return rowToJob(row);
    const refused = await this.refusal(id, owner);
    if (refused !== undefined) throw refused;
    return undefined;
  }

  /** Any replica may cancel any job: the one running it hears of it and stops the run. */
  async cancelJob(id: string): Promise<boolean> {
    const rows = await this.#c.q(
      'cancel a job',
      `UPDATE jobs SET status = 'cancelled', completed_at = $2, lease_owner = NULL, lease_expires_at = NULL
       WHERE id = $1 AND ${ACTIVE} RETURNING id, ${notifyFinished(this.#c, 'id')}`,
      [id, this.#c.now()],
    );
    return rows.length > 0;
  }

  async deleteFinishedBefore(epochMs: number): Promise<number> {
    if (typeof epochMs !== 'number' || Number.isNaN(epochMs)) {
      throw invalid('deleteFinishedBefore needs a time in epoch ms.');
    }
    // In chunks, each its own commit, so a large sweep never holds many row locks for long.
    // Checkpoints and events go with their job (the `jobs_deleted` trigger, schema.ts).
    let total = 0;
    for (;;) {
      const rows = await this.#c.q(
        'delete finished jobs',
        `DELETE FROM jobs WHERE id IN (SELECT id FROM jobs WHERE ${FINISHED} AND completed_at < $1
           LIMIT ${DELETE_CHUNK} FOR UPDATE SKIP LOCKED) RETURNING 1 AS x`,
        [epochMs],
      );
      total += rows.length;
      if (rows.length < DELETE_CHUNK) break;
    }
    return total;
  }

  async countByStatus(): Promise<Record<JobStatus, number>> {
    const counts: Record<JobStatus, number> = {
      pending: 0,
      running: 0,
      completed: 0,
      failed: 0,
      cancelled: 0,
    };
    const rows = await this.#c.q('count jobs', 'SELECT status, count(*) AS n FROM jobs GROUP BY status');
    for (const row of rows) counts[row.status as JobStatus] = Number(row.n);
    return counts;
  }
}
