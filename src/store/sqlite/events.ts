/**
 * Checkpoints (the latest per job, with the job's progress) and events (the append-only log
 * SSE replays and traces are rebuilt from) in the SQLite store.
 */
import { checkEvent, checkpointProgress, invalid, notFound } from '../checks.js';
import { checkLimit } from '../cursor.js';
import { type Row, rowToEvent } from '../rows.js';
import type { StoredCheckpoint, StoredEvent, StoreEvent } from '../types.js';
import type { SqliteAccess } from './connection.js';
import { sqliteCode } from './jobs.js';

const SQLITE_CONSTRAINT_FOREIGNKEY = 787;

export class SqliteEvents {
  readonly #db: SqliteAccess;

  constructor(access: SqliteAccess) {
    this.#db = access;
  }

  /** `before` runs first in the same savepoint: a checkpoint that fails takes its writes back. */
  async saveCheckpoint(jobId: string, checkpoint: unknown, before?: () => void): Promise<void> {
    const { step, nodesDone, data } = checkpointProgress(jobId, checkpoint);
    await this.#db.write(
      'save a checkpoint',
      () => {
        before?.();
        const updated = this.#db
          .q(
            'UPDATE jobs SET progress_step = ?, progress_nodes = ?, crashes = 0, blamed_crashes = 0 WHERE id = ?',
          )
          .run(step, JSON.stringify(nodesDone), jobId);
        if (Number(updated.changes) === 0) throw notFound(jobId);
        this.#db
          .q(
            `INSERT INTO checkpoints (job_id, step, saved_at, data) VALUES (?, ?, ?, ?)
           ON CONFLICT (job_id) DO UPDATE SET step = excluded.step, saved_at = excluded.saved_at, data = excluded.data`,
          )
          .run(jobId, step, this.#db.now(), data);
      },
      true,
    );
  }

  async getCheckpoint(jobId: string): Promise<StoredCheckpoint | undefined> {
    return this.#db.read('read a checkpoint', () => {
      const row = this.#db.q('SELECT step, saved_at, data FROM checkpoints WHERE job_id = ?').get(jobId) as
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

  async appendEvent(jobId: string, event: StoreEvent): Promise<StoredEvent> {
    const [stored] = await this.appendEvents(jobId, [event]);
    return stored!;
  }

  async appendEvents(jobId: string, events: readonly StoreEvent[]): Promise<StoredEvent[]> {
    if (!Array.isArray(events)) throw invalid(`Job ${jobId}: events must be an array.`);
    const checked = events.map(checkEvent);
    if (checked.length === 0) return [];
    const data = checked.map((event) => JSON.stringify(event));
    return this.#db.write(
      'append events',
      () => {
        const last = this.#db.q('SELECT MAX(seq) AS seq FROM events WHERE job_id = ?').get(jobId) as
          | { seq: number | null }
          | undefined;
        let seq = Number(last?.seq ?? 0);
        const insert = this.#db.q('INSERT INTO events (job_id, seq, type, at, data) VALUES (?, ?, ?, ?, ?)');
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
    return this.#db.read('list events', () => {
      const rows = this.#db
        .q('SELECT job_id, seq, data FROM events WHERE job_id = ? AND seq > ? ORDER BY seq LIMIT ?')
        .all(jobId, afterSeq, limit ?? -1) as Row[];
      return rows.map(rowToEvent);
    });
  }
}
