/**
 * The SQLite store opens a file every earlier schema version left: each test makes a store at
 * the current version, puts the file back the way that version had it (with data), and opens it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/index.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/index.js';
import { migrate } from '../../src/store/sqlite/schema.js';

const root = mkdtempSync(join(tmpdir(), 'agentcrate-migrate-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));

/** v7 → v6: checkpoints in a table of their own. */
const TO_V6 = `
  CREATE TABLE checkpoints (job_id TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    step INTEGER NOT NULL, saved_at INTEGER NOT NULL, data TEXT NOT NULL);
  ALTER TABLE jobs DROP COLUMN checkpoint; ALTER TABLE jobs DROP COLUMN checkpoint_at;`;

/** v6 → v5: a row per event. */
const TO_V5 = `
  DROP TABLE event_batches;
  CREATE TABLE events (job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
    type TEXT NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (job_id, seq)) WITHOUT ROWID;`;

/** A file at the current version with one job, rewound by `sql` and set to `version`. */
async function oldStore(name: string, jobId: string, sql: string, version: number): Promise<string> {
  const path = join(root, name, 'agentcrate.db');
  const first = await createSqliteStore(path);
  await first.createJob({ id: jobId, workflow: 'wf', inputs: { topic: 'x' } });
  await first.close();
  const old = new DatabaseSync(path);
  old.exec(`${sql}\nPRAGMA user_version = ${version}`);
  old.close();
  return path;
}

function peek<T>(path: string, fn: (db: DatabaseSync) => T): T {
  const db = new DatabaseSync(path);
  try {
    return fn(db);
  } finally {
    db.close();
  }
}

describe('SQLite store migrations', () => {
  it('upgrades a version-1 store in place: jobs and events kept, the span tables dropped', async () => {
    const path = await oldStore(
      'v1',
      'j1',
      `${TO_V6}${TO_V5}
      INSERT INTO events VALUES ('j1', 1, 'run-start', 1, '{"type":"run-start","at":1}');
      DROP TABLE memory; DROP TABLE lease;
      ALTER TABLE jobs DROP COLUMN crashes; ALTER TABLE jobs DROP COLUMN blamed_crashes;
      ALTER TABLE jobs RENAME COLUMN max_crashes TO max_attempts; UPDATE jobs SET max_attempts = 5;
      CREATE TABLE spans (trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_span_id TEXT,
        name TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, status TEXT NOT NULL,
        attributes TEXT NOT NULL, job_id TEXT, PRIMARY KEY (trace_id, span_id));
      CREATE INDEX spans_by_job ON spans (job_id) WHERE job_id IS NOT NULL;
      INSERT INTO spans VALUES ('${'a'.repeat(32)}', '${'b'.repeat(16)}', NULL, 'run wf', 1, 2, 'ok', '{}', 'j1');
      CREATE TABLE traces (trace_id TEXT PRIMARY KEY, name TEXT NOT NULL, start_ms INTEGER NOT NULL,
        end_ms INTEGER NOT NULL, span_count INTEGER NOT NULL, status TEXT NOT NULL, job_id TEXT) WITHOUT ROWID;`,
      1,
    );
    const store = await createSqliteStore(path);
    try {
      // The old claim limit carries over as the crash limit; crash counts start at zero.
      expect(await store.getJob('j1')).toMatchObject({
        inputs: { topic: 'x' },
        maxCrashes: 5,
        crashes: 0,
        blamedCrashes: 0,
      });
      expect((await store.listEvents('j1')).map((e) => e.event.type)).toEqual(['run-start']);
      peek(path, (db) => {
        expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION });
        expect(
          db
            .prepare("SELECT name FROM sqlite_master WHERE name IN ('spans', 'traces', 'spans_by_job')")
            .all(),
        ).toEqual([]);
      });
    } finally {
      await store.close();
    }
  });

  it('upgrades a version-5 store: its event rows become batches, listed and numbered on as before', async () => {
    const event = (seq: number, type: string) =>
      JSON.stringify({ type, runId: 'j5', at: seq, ...(type === 'node-end' ? { writes: { a: 'x' } } : {}) });
    const path = await oldStore(
      'v5',
      'j5',
      `${TO_V6}${TO_V5}
      INSERT INTO events VALUES ('j5', 1, 'run-start', 1, '${event(1, 'run-start')}'),
        ('j5', 2, 'node-start', 2, '${event(2, 'node-start')}'), ('j5', 3, 'node-end', 3, '${event(3, 'node-end')}');`,
      5,
    );
    const store = await createSqliteStore(path);
    try {
      const listed = await store.listEvents('j5');
      expect(listed.map((e) => [e.seq, JSON.stringify(e.event)])).toEqual([
        [1, event(1, 'run-start')],
        [2, event(2, 'node-start')],
        [3, event(3, 'node-end')],
      ]);
      const [next] = await store.appendEvents('j5', [{ type: 'run-end', at: 4 }]);
      expect(next?.seq).toBe(4);
      expect((await store.listEvents('j5', 2)).map((e) => e.seq)).toEqual([3, 4]);
      expect((await store.listEvents('j5', 0, 2)).map((e) => e.seq)).toEqual([1, 2]);
    } finally {
      await store.close();
    }
  });

  it("upgrades a version-6 store: each job's checkpoint moves into its row, resumable as before", async () => {
    const checkpoint = { runId: 'j6', step: 2, state: { topic: 'x' }, completed: ['a', 'b'], pending: [] };
    const path = await oldStore(
      'v6',
      'j6',
      `${TO_V6}
      INSERT INTO checkpoints VALUES ('j6', 2, 1234, '${JSON.stringify(checkpoint)}');`,
      6,
    );
    const store = await createSqliteStore(path);
    try {
      expect(await store.getCheckpoint('j6')).toEqual({ jobId: 'j6', step: 2, savedAt: 1234, checkpoint });
      await store.saveCheckpoint('j6', { ...checkpoint, step: 3, completed: ['a', 'b', 'c'] });
      expect((await store.getCheckpoint('j6'))?.step).toBe(3);
      expect((await store.getJob('j6'))?.progress).toEqual({ step: 3, nodesDone: ['a', 'b', 'c'] });
      peek(path, (db) => {
        expect(db.prepare("SELECT name FROM sqlite_master WHERE name = 'checkpoints'").all()).toEqual([]);
      });
    } finally {
      await store.close();
    }
  });

  it('upgrades a version-7 store: idempotency keys move to a partial index, jobs and their rows kept', async () => {
    const path = join(root, 'v7', 'agentcrate.db');
    const first = await createSqliteStore(path);
    await first.createJob({ id: 'k7', workflow: 'wf', inputs: { topic: 'x' }, idempotencyKey: 'key-1' });
    await first.appendEvents('k7', [{ type: 'run-start', at: 1 }]);
    await first.saveCheckpoint('k7', { step: 1, completed: ['a'] });
    await first.close();
    // The version-7 jobs table: the key under a column constraint, an index entry for every job.
    const old = new DatabaseSync(path, { enableForeignKeyConstraints: false });
    old.exec(`CREATE TABLE jobs_v7 (id TEXT PRIMARY KEY, status TEXT NOT NULL, workflow TEXT NOT NULL, inputs TEXT NOT NULL,
        outputs TEXT, error TEXT, created_at INTEGER NOT NULL, started_at INTEGER, completed_at INTEGER,
        execution_time_ms INTEGER, attempts INTEGER NOT NULL DEFAULT 0, max_crashes INTEGER NOT NULL,
        idempotency_key TEXT UNIQUE, webhook_url TEXT, progress_step INTEGER NOT NULL DEFAULT 0,
        progress_nodes TEXT NOT NULL DEFAULT '[]', input_tokens INTEGER NOT NULL DEFAULT 0,
        output_tokens INTEGER NOT NULL DEFAULT 0, crashes INTEGER NOT NULL DEFAULT 0,
        blamed_crashes INTEGER NOT NULL DEFAULT 0, checkpoint TEXT, checkpoint_at INTEGER);
      INSERT INTO jobs_v7 SELECT * FROM jobs;
      DROP TABLE jobs;
      ALTER TABLE jobs_v7 RENAME TO jobs;
      CREATE INDEX jobs_by_created ON jobs (created_at, id);
      CREATE INDEX jobs_by_status_created ON jobs (status, created_at, id);
      CREATE INDEX jobs_finished_by_completed ON jobs (completed_at) WHERE status IN ('completed','failed','cancelled');
      PRAGMA user_version = 7`);
    old.close();

    const store = await createSqliteStore(path);
    try {
      // Nothing the rebuild touched was lost: the job, its events (not cascaded away), its checkpoint.
      expect(await store.getJob('k7')).toMatchObject({ idempotencyKey: 'key-1', progress: { step: 1 } });
      expect((await store.listEvents('k7')).map((e) => e.event.type)).toEqual(['run-start']);
      expect((await store.getCheckpoint('k7'))?.step).toBe(1);
      // The key still returns its job; a job without one adds nothing to the key's index.
      const again = await store.createJob({ id: 'k7b', workflow: 'wf', inputs: {}, idempotencyKey: 'key-1' });
      expect(again).toMatchObject({ created: false, job: { id: 'k7' } });
      await store.createJob({ id: 'nokey', workflow: 'wf', inputs: {} });
      peek(path, (db) => {
        expect(db.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION });
        const keyed = db
          .prepare(
            'SELECT COUNT(*) AS n FROM jobs INDEXED BY jobs_by_idempotency_key WHERE idempotency_key IS NOT NULL',
          )
          .get();
        expect(keyed).toEqual({ n: 1 });
        const unique = db
          .prepare('SELECT name, partial FROM pragma_index_list(\'jobs\') WHERE "unique" = 1')
          .all();
        // The id's own index, and the key's partial one: no index of every job's key.
        expect(unique.map((i) => [i.name, i.partial]).sort()).toEqual([
          ['jobs_by_idempotency_key', 1],
          ['sqlite_autoindex_jobs_1', 0],
        ]);
        expect(db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
      });
    } finally {
      await store.close();
    }
  });

  it("upgrades a version-8 store: event batches move to a table in write order, each job's kept and numbered on", async () => {
    const path = join(root, 'v8', 'agentcrate.db');
    const first = await createSqliteStore(path);
    for (const id of ['b8', 'a8']) {
      await first.createJob({ id, workflow: 'wf', inputs: {} });
      await first.appendEvents(id, [
        { type: 'run-start', at: 1 },
        { type: 'node-start', at: 2 },
      ]);
    }
    await first.appendEvents('b8', [{ type: 'node-end', at: 3 }]);
    await first.close();
    // The version-8 table: clustered by (job_id, seq), so a batch lies among its job's, not in write order.
    const old = new DatabaseSync(path, { enableForeignKeyConstraints: false });
    old.exec(`CREATE TABLE event_batches_v8 (job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
        seq INTEGER NOT NULL, last_seq INTEGER NOT NULL, run_id TEXT, data TEXT NOT NULL,
        PRIMARY KEY (job_id, seq)) WITHOUT ROWID;
      INSERT INTO event_batches_v8 SELECT job_id, seq, last_seq, run_id, data FROM event_batches;
      DROP TABLE event_batches;
      ALTER TABLE event_batches_v8 RENAME TO event_batches;
      PRAGMA user_version = 8`);
    old.close();

    const store = await createSqliteStore(path);
    try {
      const b8 = await store.listEvents('b8');
      expect(b8.map((e) => [e.seq, e.event])).toEqual([
        [1, { type: 'run-start', at: 1 }],
        [2, { type: 'node-start', at: 2 }],
        [3, { type: 'node-end', at: 3 }],
      ]);
      expect((await store.listEvents('a8', 1)).map((e) => e.seq)).toEqual([2]);
      const [next] = await store.appendEvents('a8', [{ type: 'run-end', at: 4 }]);
      expect(next?.seq).toBe(3);
      // Batches now lie in the order they were written, whatever their job: a8's newest is last.
      peek(path, (db) => {
        const order = db.prepare('SELECT job_id, seq FROM event_batches ORDER BY rowid').all();
        expect(order.at(-1)).toEqual({ job_id: 'a8', seq: 3 });
        expect(db.prepare('PRAGMA foreign_key_check').all()).toEqual([]);
      });
    } finally {
      await store.close();
    }
  });

  it('migrates an old file once when a second process migrates it between reading its version and locking', async () => {
    const path = await oldStore('race', 'r1', `${TO_V6}\n${TO_V5}`, 5);
    const first = new DatabaseSync(path);
    const second = new DatabaseSync(path);
    try {
      // The first connection has read version 5; just before it takes the write lock, the
      // second (another process opening the same file) migrates the whole way.
      let raced = false;
      const racing = new Proxy(first, {
        get(target, prop) {
          const value = Reflect.get(target, prop, target);
          if (prop !== 'exec') return typeof value === 'function' ? value.bind(target) : value;
          return (sql: string) => {
            if (sql === 'BEGIN IMMEDIATE' && !raced) {
              raced = true;
              migrate(second, path);
            }
            return target.exec(sql);
          };
        },
      });
      expect(() => migrate(racing, path)).not.toThrow();
      expect(raced).toBe(true);
    } finally {
      first.close();
      second.close();
    }
    expect(peek(path, (db) => db.prepare('PRAGMA user_version').get())).toEqual({
      user_version: SCHEMA_VERSION,
    });
    const store = await createSqliteStore(path);
    try {
      expect(await store.getJob('r1')).toMatchObject({ id: 'r1' });
    } finally {
      await store.close();
    }
  });
});
