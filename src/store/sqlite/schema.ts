/**
 * SQLite schema and its migrations, versioned with `PRAGMA user_version`. Each migration
 * runs once, in order, in one transaction with the version bump, so a crash mid-migration
 * leaves the previous version intact. Append new migrations; never edit a shipped one.
 */
import type { DatabaseSync } from 'node:sqlite';
import { AgentcrateError } from '../../errors.js';

const MIGRATIONS: readonly string[] = [
  // v1
  `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) WITHOUT ROWID;

  CREATE TABLE jobs (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('pending','running','completed','failed','cancelled')),
    workflow TEXT NOT NULL,
    inputs TEXT NOT NULL,
    outputs TEXT,
    error TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    completed_at INTEGER,
    execution_time_ms INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_attempts INTEGER NOT NULL,
    idempotency_key TEXT UNIQUE,
    webhook_url TEXT,
    progress_step INTEGER NOT NULL DEFAULT 0,
    progress_nodes TEXT NOT NULL DEFAULT '[]',
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0
  );
  -- newest-first listing (all statuses) and keyset pagination
  CREATE INDEX jobs_by_created ON jobs (created_at, id);
  -- status-filtered listing, oldest-pending claim, crash recovery
  CREATE INDEX jobs_by_status_created ON jobs (status, created_at, id);
  -- retention sweeps
  CREATE INDEX jobs_finished_by_completed ON jobs (completed_at)
    WHERE status IN ('completed','failed','cancelled');

  CREATE TABLE checkpoints (
    job_id TEXT PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    step INTEGER NOT NULL,
    saved_at INTEGER NOT NULL,
    data TEXT NOT NULL
  );

  CREATE TABLE events (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    type TEXT NOT NULL,
    at INTEGER NOT NULL,
    data TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
  ) WITHOUT ROWID;

  CREATE TABLE spans (
    trace_id TEXT NOT NULL,
    span_id TEXT NOT NULL,
    parent_span_id TEXT,
    name TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    status TEXT NOT NULL,
    attributes TEXT NOT NULL,
    job_id TEXT,
    PRIMARY KEY (trace_id, span_id)
  );
  CREATE INDEX spans_by_job ON spans (job_id) WHERE job_id IS NOT NULL;

  -- one row per trace, refreshed from its spans on save, so listing traces never scans spans
  CREATE TABLE traces (
    trace_id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    start_ms INTEGER NOT NULL,
    end_ms INTEGER NOT NULL,
    span_count INTEGER NOT NULL,
    status TEXT NOT NULL,
    job_id TEXT
  ) WITHOUT ROWID;
  CREATE INDEX traces_by_start ON traces (start_ms, trace_id);
  `,
  // v2: no query reads spans by job (a job's trace id derives from its id), and the index
  // cost an extra b-tree insert for every span written.
  `
  DROP INDEX IF EXISTS spans_by_job;
  `,
  // v3: traces are rebuilt from each job's events (telemetry/trace-from-events.ts); span rows were a
  // second copy of the same facts, written on every run.
  `
  DROP TABLE IF EXISTS spans;
  DROP TABLE IF EXISTS traces;
  `,
  // v4: workflow memory across runs (sqlite-memory.ts). Not tied to jobs: retention never
  // deletes it; job_id only says which run wrote an entry last.
  `
  CREATE TABLE memory (
    namespace TEXT PRIMARY KEY,
    agent TEXT NOT NULL,
    workflow TEXT NOT NULL,
    node TEXT NOT NULL,
    key TEXT NOT NULL,
    value TEXT NOT NULL,
    updated_at INTEGER NOT NULL,
    job_id TEXT
  ) WITHOUT ROWID;
  CREATE INDEX memory_by_scope ON memory (agent, workflow, node, key);
  `,
  // v5: one owner per store (lease.ts), and the crash-loop guard counts crashes per job since
  // its last checkpoint instead of claims (a job merely present at a crash is not its cause).
  `
  CREATE TABLE lease (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    holder TEXT NOT NULL,
    pid INTEGER NOT NULL,
    host TEXT NOT NULL,
    since INTEGER NOT NULL,
    heartbeat_at INTEGER NOT NULL,
    expires_at INTEGER NOT NULL,
    -- 1 while the holder also holds the lock file: a free lock then proves it died
    locked INTEGER NOT NULL,
    released INTEGER NOT NULL DEFAULT 0
  );
  ALTER TABLE jobs RENAME COLUMN max_attempts TO max_crashes;
  ALTER TABLE jobs ADD COLUMN crashes INTEGER NOT NULL DEFAULT 0;
  ALTER TABLE jobs ADD COLUMN blamed_crashes INTEGER NOT NULL DEFAULT 0;
  `,
  // v6: a job's events as one row per batch the runner writes (the events of a node, or of a
  // run's end), a JSON array, instead of a row per event: one insert per batch, the next seq
  // found in that insert, and no copy of each event's type and time in columns nothing reads.
  // run_id: the runId every event of the batch had, taken out of each and put back on reading.
  `
  CREATE TABLE event_batches (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    -- the seq of the batch's first event; its events are seq .. last_seq
    seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    run_id TEXT,
    data TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
  ) WITHOUT ROWID;
  INSERT INTO event_batches (job_id, seq, last_seq, data)
    SELECT job_id, seq, seq, '[' || data || ']' FROM events;
  DROP TABLE events;
  `,
  // v7: a job's latest checkpoint in its own row, written by the same UPDATE that sets its
  // progress: one statement per checkpoint where an update and an upsert into a table of its
  // own (two more b-trees) were four with their savepoint. Last, so reading a job never reads it.
  `
  ALTER TABLE jobs ADD COLUMN checkpoint TEXT;
  ALTER TABLE jobs ADD COLUMN checkpoint_at INTEGER;
  UPDATE jobs SET checkpoint = c.data, checkpoint_at = c.saved_at FROM checkpoints AS c WHERE c.job_id = jobs.id;
  DROP TABLE checkpoints;
  `,
  // v8: the jobs table rebuilt for one change SQLite cannot make in place: idempotency keys in
  // a partial unique index, so the jobs submitted without one (nearly all) add no entry to it;
  // the column constraint indexed every job's NULL, an index write per job for nothing.
  `
  CREATE TABLE jobs_v8 (
    id TEXT PRIMARY KEY,
    status TEXT NOT NULL CHECK (status IN ('pending','running','completed','failed','cancelled')),
    workflow TEXT NOT NULL,
    inputs TEXT NOT NULL,
    outputs TEXT,
    error TEXT,
    created_at INTEGER NOT NULL,
    started_at INTEGER,
    completed_at INTEGER,
    execution_time_ms INTEGER,
    attempts INTEGER NOT NULL DEFAULT 0,
    max_crashes INTEGER NOT NULL,
    idempotency_key TEXT,
    webhook_url TEXT,
    progress_step INTEGER NOT NULL DEFAULT 0,
    progress_nodes TEXT NOT NULL DEFAULT '[]',
    input_tokens INTEGER NOT NULL DEFAULT 0,
    output_tokens INTEGER NOT NULL DEFAULT 0,
    crashes INTEGER NOT NULL DEFAULT 0,
    blamed_crashes INTEGER NOT NULL DEFAULT 0,
    checkpoint TEXT,
    checkpoint_at INTEGER
  );
  INSERT INTO jobs_v8 SELECT id, status, workflow, inputs, outputs, error, created_at, started_at,
    completed_at, execution_time_ms, attempts, max_crashes, idempotency_key, webhook_url, progress_step,
    progress_nodes, input_tokens, output_tokens, crashes, blamed_crashes, checkpoint, checkpoint_at FROM jobs;
  DROP TABLE jobs;
  ALTER TABLE jobs_v8 RENAME TO jobs;
  CREATE UNIQUE INDEX jobs_by_idempotency_key ON jobs (idempotency_key) WHERE idempotency_key IS NOT NULL;
  CREATE INDEX jobs_by_created ON jobs (created_at, id);
  CREATE INDEX jobs_by_status_created ON jobs (status, created_at, id);
  CREATE INDEX jobs_finished_by_completed ON jobs (completed_at)
    WHERE status IN ('completed','failed','cancelled');
  `,
  // v9: event batches in a rowid table, so they lie in the order they were written: the
  // batches every run in flight writes in one commit fill the same last pages instead of one
  // page per job (the job's place in a (job_id, seq) clustered tree), and rows of a KB or more
  // are what rowid tables are made for. The (job_id, seq) key stays, as a small index.
  `
  CREATE TABLE event_batches_v9 (
    job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    seq INTEGER NOT NULL,
    last_seq INTEGER NOT NULL,
    run_id TEXT,
    data TEXT NOT NULL,
    PRIMARY KEY (job_id, seq)
  );
  INSERT INTO event_batches_v9 (job_id, seq, last_seq, run_id, data)
    SELECT job_id, seq, last_seq, run_id, data FROM event_batches;
  DROP TABLE event_batches;
  ALTER TABLE event_batches_v9 RENAME TO event_batches;
  `,
];

export const SCHEMA_VERSION = MIGRATIONS.length;

/** Connection settings; per connection, so they run on every open. */
export function applyPragmas(db: DatabaseSync, busyTimeoutMs: number): void {
  db.exec(`PRAGMA busy_timeout = ${Math.max(0, Math.floor(busyTimeoutMs))}`);
  // WAL: readers never block the writer; NORMAL is durable across process crashes in WAL
  // mode (only an OS crash/power loss may drop the last commits), and avoids an fsync per commit.
  db.exec('PRAGMA journal_mode = WAL');
  db.exec('PRAGMA synchronous = NORMAL');
  db.exec('PRAGMA foreign_keys = ON');
  db.exec('PRAGMA temp_store = MEMORY');
  // SQLite's default 2 MB page cache. The hot pages are the right edges of append-ordered
  // indexes (UUIDv7 job ids, event seqs), which fit; a larger cache was no faster, and each of
  // its pages is a separate malloc that, freed after a burst, fragments the process heap
  // (both measured in BENCHMARKS.md, Server throughput and Memory).
  db.exec('PRAGMA cache_size = -2048');
  // Checkpoints normally run in a background worker (sqlite-checkpointer.ts); this inline
  // one is only the backstop, and the size limit trims the WAL file after a burst.
  db.exec('PRAGMA wal_autocheckpoint = 8000');
  db.exec('PRAGMA journal_size_limit = 67108864');
}

export function migrate(db: DatabaseSync, path: string): void {
  const current = userVersion(db);
  if (current > SCHEMA_VERSION) {
    throw new AgentcrateError(
      'E_STORE',
      `The job store at ${path} has schema version ${current}, newer than this agentcrate supports (${SCHEMA_VERSION}). Upgrade agentcrate, or point --store at another file.`,
      { details: { path, version: current, supported: SCHEMA_VERSION } },
    );
  }
  if (current === SCHEMA_VERSION) return;
  // A table rebuilt (drop, then rename its copy) must not take the rows referencing it along
  // (ON DELETE CASCADE): foreign keys are off while migrating (it cannot change inside a
  // transaction) and checked before each commit instead.
  db.exec('PRAGMA foreign_keys = OFF');
  try {
    for (;;) {
      db.exec('BEGIN IMMEDIATE');
      // Read again under the write lock: another process opening the same old file may have
      // migrated it since the read above, and a step run twice fails (its tables exist).
      const version = userVersion(db);
      if (version >= SCHEMA_VERSION) {
        db.exec('COMMIT');
        return;
      }
      try {
        db.exec(MIGRATIONS[version]!);
        if (db.prepare('PRAGMA foreign_key_check').all().length > 0) {
          throw new Error(`migration to version ${version + 1} left rows referencing missing ones`);
        }
        db.exec(`PRAGMA user_version = ${version + 1}`);
        db.exec('COMMIT');
      } catch (error) {
        db.exec('ROLLBACK');
        throw error;
      }
    }
  } finally {
    db.exec('PRAGMA foreign_keys = ON');
  }
}

function userVersion(db: DatabaseSync): number {
  const row = db.prepare('PRAGMA user_version').get() as { user_version: number } | undefined;
  return row?.user_version ?? 0;
}
