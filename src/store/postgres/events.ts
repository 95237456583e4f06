/**
 * Checkpoints (the latest per job, with the job's progress) and events (the append-only log
 * SSE replays and traces are rebuilt from) in the PostgreSQL store. Each write is one
 * statement: the job row is updated first (progress, or the seqs the batch reserves), which
 * both serialises writers of one job and fences them to its owner. The writes of one job issued
 * in the same turn (a node's events and its checkpoint, with the node's memory writes) commit
 * in one transaction, as the SQLite store's group commit does: a replica killed between them
 * must not leave a node's end stored without the checkpoint that says it finished (its resume
 * would run the node again and store its end twice).
 */

import type { TransactionSql } from 'postgres';
import type { AgentcrateError } from '../../errors.js';
import { checkEvent, checkpointProgress, invalid, notFound } from '../checks.js';
import { checkLimit } from '../cursor.js';
import { rowToEvent } from '../rows.js';
import type { StoredCheckpoint, StoredEvent, StoreEvent } from '../types.js';
import { type EventBatch, orRefuse, type PgConnection, REFUSED } from './connection.js';
import { eventParams, insertEvents } from './event-insert.js';
import { fence, type Ownership, type PgJobs } from './jobs.js';

const SAVE_CHECKPOINT = `WITH j AS (
    UPDATE jobs SET progress_step = $3, progress_nodes = $4, crashes = 0, blamed_crashes = 0
    WHERE id = $1 AND ${fence(2)} RETURNING id)
  INSERT INTO checkpoints (job_id, step, saved_at, data)
  SELECT $1, $3, $5, $6 WHERE ${orRefuse('SELECT 1 FROM j')} = 1
  ON CONFLICT (job_id) DO UPDATE SET step = excluded.step, saved_at = excluded.saved_at, data = excluded.data
  RETURNING job_id`;

export class PgEvents {
  readonly #c: PgConnection;
  readonly #own: Ownership;
  readonly #jobs: PgJobs;
  constructor(c: PgConnection, ownership: Ownership, jobs: PgJobs) {
    this.#c = c;
    this.#own = ownership;
    this.#jobs = jobs;
  }

  async #missing(jobId: string, owner: string | null): Promise<AgentcrateError> {
    return (await this.#jobs.refusal(jobId, owner)) ?? notFound(jobId);
  }

  /** `before` runs first in the same transaction: a checkpoint that fails takes its writes back. */
  async saveCheckpoint(
    jobId: string,
    checkpoint: unknown,
    before?: (sql: TransactionSql) => Promise<unknown>,
  ): Promise<void> {
    const { step, nodesDone, data } = checkpointProgress(jobId, checkpoint);
    const owner = this.#own.owner();
    const params = [jobId, owner, step, JSON.stringify(nodesDone), this.#c.now(), data];
    try {
      await this.#c.qTurn(jobId, 'save a checkpoint', SAVE_CHECKPOINT, params, before ? { before } : {});
    } catch (error) {
      if (error === REFUSED) throw await this.#missing(jobId, owner);
      throw error;
    }
  }

  async getCheckpoint(jobId: string): Promise<StoredCheckpoint | undefined> {
    const [row] = await this.#c.q(
      'read a checkpoint',
      'SELECT step, saved_at, data FROM checkpoints WHERE job_id = $1',
      [jobId],
    );
    if (row === undefined) return undefined;
    return {
      jobId,
      step: Number(row.step),
      savedAt: Number(row.saved_at),
      checkpoint: JSON.parse(row.data as string) as unknown,
    };
  }

  async appendEvent(jobId: string, event: StoreEvent): Promise<StoredEvent> {
    const [stored] = await this.appendEvents(jobId, [event]);
    return stored!;
  }

  async appendEvents(jobId: string, events: readonly StoreEvent[]): Promise<StoredEvent[]> {
    if (!Array.isArray(events)) throw invalid(`Job ${jobId}: events must be an array.`);
    const checked = events.map(checkEvent);
    if (checked.length === 0) return [];
    const owner = this.#own.owner();
    const batch: EventBatch = {
      count: checked.length,
      types: checked.map((e) => e.type),
      ats: checked.map((e) => Math.round(e.at)),
      datas: checked.map((e) => JSON.stringify(e)),
    };
    const rows = await this.#c
      .qTurn(
        jobId,
        'append events',
        `WITH j AS (
         UPDATE jobs SET event_seq = event_seq + $3 WHERE id = $1 AND ${fence(2)} RETURNING event_seq)
       ${insertEvents('j', 3)}`,
        [jobId, owner, ...eventParams(batch)],
        { events: batch },
      )
      .catch(async (error) => {
        if (error === REFUSED) throw await this.#missing(jobId, owner);
        throw error;
      });
    const seqs = rows.map((r) => Number(r.seq)).sort((a, b) => a - b);
    return checked.map((event, i) => ({ jobId, seq: seqs[i]!, event: event as StoredEvent['event'] }));
  }

  async listEvents(jobId: string, afterSeq = 0, limit?: number): Promise<StoredEvent[]> {
    if (limit !== undefined) checkLimit(limit, Number.MAX_SAFE_INTEGER, 'event list');
    const rows = await this.#c.q(
      'list events',
      `SELECT job_id, seq, data FROM events WHERE job_id = $1 AND seq > $2 ORDER BY seq LIMIT $3`,
      [jobId, afterSeq, limit ?? null],
    );
    return rows.map(rowToEvent);
  }
}
