/**
 * Checkpoints (the latest per job, with the job's progress) and events (the append-only log
 * SSE replays and traces are rebuilt from) in the SQLite store.
 */
import { checkEvent, checkpointProgress, checkpointStep, invalid, notFound } from '../checks.js';
import { checkLimit } from '../cursor.js';
import { decodeBatch, encodeBatch } from '../event-batch.js';
import type { StoredCheckpoint, StoredEvent, StoreEvent } from '../types.js';
import type { SqliteAccess } from './connection.js';
import { sqliteCode } from './jobs.js';
import type { LastSeqs } from './last-seqs.js';

const SQLITE_CONSTRAINT_FOREIGNKEY = 787;
const SQLITE_CONSTRAINT_PRIMARYKEY = 1555;

/**
 * A batch of events after the job's last one (job, how many, runId, the JSON array, job again).
 * Plain `?` parameters: Node 22's `node:sqlite` refuses numbered ones (`?1`) as out of range.
 */
const APPEND_BATCH = `INSERT INTO event_batches (job_id, seq, last_seq, run_id, data)
  SELECT ?, n + 1, n + ?, ?, ? FROM (SELECT COALESCE(
    (SELECT last_seq FROM event_batches WHERE job_id = ? ORDER BY seq DESC LIMIT 1), 0) AS n)
  RETURNING seq`;

/** A batch of events whose first seq is known (LastSeqs): job, first seq, last seq, runId, the JSON array. */
const INSERT_BATCH = 'INSERT INTO event_batches (job_id, seq, last_seq, run_id, data) VALUES (?, ?, ?, ?, ?)';

export class SqliteEvents {
  readonly #db: SqliteAccess;
  readonly #lastSeqs: LastSeqs;

  constructor(access: SqliteAccess, lastSeqs: LastSeqs) {
    this.#db = access;
    this.#lastSeqs = lastSeqs;
  }

  /**
   * One UPDATE of the job's row (progress, crash counts, the checkpoint). `before` runs first
   * in the same savepoint: a checkpoint that fails takes its writes back.
   */
  saveCheckpoint(jobId: string, checkpoint: unknown, before?: () => void): Promise<void> {
    // Not async: the write's own promise is the caller's (one promise and turn less per step).
    let progress: ReturnType<typeof checkpointProgress>;
    try {
      progress = checkpointProgress(jobId, checkpoint);
    } catch (error) {
      return Promise.reject(error);
    }
    const { step, nodesDone, data } = progress;
    return this.#db.write(
      'save a checkpoint',
      () => {
        before?.();
        const updated = this.#db
          .q(
            `UPDATE jobs SET progress_step = ?, progress_nodes = ?, crashes = 0, blamed_crashes = 0,
             checkpoint = ?, checkpoint_at = ? WHERE id = ?`,
          )
          .run(step, JSON.stringify(nodesDone), data, this.#db.now(), jobId);
        if (Number(updated.changes) === 0) throw notFound(jobId);
      },
      before !== undefined,
    );
  }

  async getCheckpoint(jobId: string): Promise<StoredCheckpoint | undefined> {
    return this.#db.read('read a checkpoint', () => {
      const row = this.#db
        .q('SELECT checkpoint_at, checkpoint FROM jobs WHERE id = ? AND checkpoint IS NOT NULL')
        .get(jobId) as { checkpoint_at: number; checkpoint: string } | undefined;
      if (row === undefined) return undefined;
      const checkpoint = JSON.parse(row.checkpoint) as unknown;
      return {
        jobId,
        step: checkpointStep(checkpoint),
        savedAt: Number(row.checkpoint_at),
        checkpoint,
      };
    });
  }

  async appendEvent(jobId: string, event: StoreEvent): Promise<StoredEvent> {
    const [stored] = await this.appendEvents(jobId, [event]);
    return stored!;
  }

  /** Not async: the write's own promise is the caller's (one promise and turn less per batch). */
  appendEvents(jobId: string, events: readonly StoreEvent[]): Promise<StoredEvent[]> {
    let encoded: ReturnType<typeof encodeBatch>;
    try {
      if (!Array.isArray(events)) throw invalid(`Job ${jobId}: events must be an array.`);
      for (let i = 0; i < events.length; i++) checkEvent(events[i], i);
      if (events.length === 0) return Promise.resolve([]);
      encoded = encodeBatch(events);
    } catch (error) {
      return Promise.reject(error);
    }
    const { runId, data } = encoded;
    const count = events.length;
    return this.#db.write('append events', () => {
      try {
        const last = this.#lastSeqs.get(jobId);
        let first: number;
        if (last !== undefined && this.#insertAfter(jobId, last, count, runId, data)) {
          first = last + 1;
        } else {
          // Not known here: one statement finds the job's last seq (the right edge of its rows)
          // and inserts the batch after it, so it needs no savepoint and no lookup of its own.
          const row = this.#db.q(APPEND_BATCH).get(jobId, count, runId, data, jobId) as { seq: number };
          first = Number(row.seq);
        }
        this.#lastSeqs.set(jobId, first + count - 1);
        const stored: StoredEvent[] = new Array(count);
        for (let i = 0; i < count; i++)
          stored[i] = { jobId, seq: first + i, event: events[i] as StoredEvent['event'] };
        return stored;
      } catch (error) {
        this.#lastSeqs.forget(jobId);
        if (sqliteCode(error) === SQLITE_CONSTRAINT_FOREIGNKEY) throw notFound(jobId);
        throw error;
      }
    });
  }

  /** Inserts the batch after `last`; false when a batch already holds that seq (then it is looked up). */
  #insertAfter(jobId: string, last: number, count: number, runId: string | null, data: string): boolean {
    try {
      this.#db.q(INSERT_BATCH).run(jobId, last + 1, last + count, runId, data);
      return true;
    } catch (error) {
      if (sqliteCode(error) === SQLITE_CONSTRAINT_PRIMARYKEY) return false;
      throw error;
    }
  }

  async listEvents(jobId: string, afterSeq = 0, limit?: number): Promise<StoredEvent[]> {
    if (limit !== undefined) checkLimit(limit, Number.MAX_SAFE_INTEGER, 'event list');
    return this.#db.read('list events', () => {
      // Each batch read holds at least one event after afterSeq, so `limit` batches are enough.
      const rows = this.#db
        .q(
          'SELECT seq, run_id, data FROM event_batches WHERE job_id = ? AND last_seq > ? ORDER BY seq LIMIT ?',
        )
        .all(jobId, afterSeq, limit ?? -1) as Array<{ seq: number; run_id: string | null; data: string }>;
      const out: StoredEvent[] = [];
      let room = limit ?? Number.MAX_SAFE_INTEGER;
      for (const row of rows) {
        decodeBatch(out, jobId, Number(row.seq), row.run_id, row.data, afterSeq, room);
        room = (limit ?? Number.MAX_SAFE_INTEGER) - out.length;
        if (room <= 0) break;
      }
      return out;
    });
  }
}
