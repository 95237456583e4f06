/**
 * The PostgreSQL store's schema and its migrations, versioned per component in
 * `schema_versions`. All pending migrations run in one transaction under an advisory lock, so
 * replicas starting together migrate once and a failure leaves the previous version intact
 * (PostgreSQL's DDL is transactional). Append new migrations; never edit a shipped one.
 *
 * JSON is kept as text, as written: the store never queries inside it, text is the cheapest to
 * write and read back, and `jsonb` would reorder keys and refuse `\u0000` in model output.
 */
import type postgres from 'postgres';
import { AgentcrateError } from '../../errors.js';
import { LOCK, type PgConnection } from './connection.js';

/** The store's own tables. */
export const STORE_MIGRATIONS: readonly string[] = [
  // v1: jobs, their checkpoints and events, memory across runs.
  `
  CREATE TABLE meta (key text PRIMARY KEY, value text NOT NULL);

  CREATE TABLE jobs (
    id text PRIMARY KEY,
    status text NOT NULL CHECK (status IN ('pending','running','completed','failed','cancelled')),
    workflow text NOT NULL,
    inputs text NOT NULL,
    outputs text,
    error text,
    created_at bigint NOT NULL,
    started_at bigint,
    completed_at bigint,
    execution_time_ms bigint,
    attempts integer NOT NULL DEFAULT 0,
    crashes integer NOT NULL DEFAULT 0,
    blamed_crashes integer NOT NULL DEFAULT 0,
    max_crashes integer NOT NULL,
    idempotency_key text UNIQUE,
    webhook_url text,
    progress_step integer NOT NULL DEFAULT 0,
    progress_nodes text NOT NULL DEFAULT '[]',
    input_tokens bigint NOT NULL DEFAULT 0,
    output_tokens bigint NOT NULL DEFAULT 0,
    -- the last seq handed out to this job's events (appends reserve seqs on the job row)
    event_seq integer NOT NULL DEFAULT 0
  );
  -- newest-first listing and keyset pagination, all statuses and per status
  CREATE INDEX jobs_by_created ON jobs (created_at, id);
  CREATE INDEX jobs_by_status_created ON jobs (status, created_at, id);
  -- retention sweeps
  CREATE INDEX jobs_finished_by_completed ON jobs (completed_at)
    WHERE status IN ('completed','failed','cancelled');

  CREATE TABLE checkpoints (
    job_id text PRIMARY KEY REFERENCES jobs(id) ON DELETE CASCADE,
    step integer NOT NULL,
    saved_at bigint NOT NULL,
    data text NOT NULL
  );

  CREATE TABLE events (
    job_id text NOT NULL REFERENCES jobs(id) ON DELETE CASCADE,
    seq integer NOT NULL,
    type text NOT NULL,
    at bigint NOT NULL,
    data text NOT NULL,
    PRIMARY KEY (job_id, seq)
  );

  CREATE TABLE memory (
    namespace text PRIMARY KEY,
    agent text NOT NULL,
    workflow text NOT NULL,
    node text NOT NULL,
    key text NOT NULL,
    value text NOT NULL,
    updated_at bigint NOT NULL,
    job_id text
  );
  CREATE INDEX memory_by_scope ON memory (agent, workflow, node, key);
  `,
  // v2: several replicas on one database. Each registers (replicas) and holds a session
  // advisory lock while alive; each running job is leased to the replica that claimed it,
  // renewed by that replica's heartbeat.
  `
  CREATE SEQUENCE replica_lock_keys START 16;
  CREATE TABLE replicas (
    id text PRIMARY KEY,
    lock_key integer NOT NULL UNIQUE,
    backend_pid integer NOT NULL,
    pid integer NOT NULL,
    host text NOT NULL,
    since bigint NOT NULL,
    heartbeat_at bigint NOT NULL,
    expires_at bigint NOT NULL,
    released boolean NOT NULL DEFAULT false,
    -- why it ended: released, died (its lock was free), expired (no heartbeat)
    ended text,
    ended_at bigint
  );
  ALTER TABLE jobs ADD COLUMN lease_owner text;
  ALTER TABLE jobs ADD COLUMN lease_expires_at bigint;
  -- the claim order of pending jobs, and what a sweep for dead owners reads
  CREATE INDEX jobs_pending ON jobs (created_at, id) WHERE status = 'pending';
  CREATE INDEX jobs_running_by_owner ON jobs (lease_owner) WHERE status = 'running';
  `,
  // v3: the model gateway's virtual keys when its --keys-db is a postgres:// URL (gateways sharing
  // a database; src/gateway/keys/postgres.ts), the same columns as its SQLite file's.
  `
  CREATE TABLE gateway_keys (
    id text PRIMARY KEY,
    name text NOT NULL,
    hash text NOT NULL UNIQUE,
    prefix text NOT NULL,
    created_at bigint NOT NULL,
    revoked_at bigint,
    rpm integer,
    tpm integer,
    budget_usd double precision,
    budget_period_ms bigint,
    models text,
    spent_usd double precision NOT NULL DEFAULT 0,
    period_start bigint,
    requests bigint NOT NULL DEFAULT 0,
    input_tokens bigint NOT NULL DEFAULT 0,
    output_tokens bigint NOT NULL DEFAULT 0,
    last_used_at bigint,
    -- bumped by every change, so gateways see keys created or revoked elsewhere
    version bigint NOT NULL DEFAULT 1
  );
  CREATE SEQUENCE gateway_keys_changes;
  `,
  // v4: what gateways sharing the database admitted per key and second (requests, tokens), so a
  // key's per-minute limits hold across them; rows older than two minutes are swept.
  `
  CREATE TABLE gateway_key_usage (
    key_id text NOT NULL,
    second bigint NOT NULL,
    requests bigint NOT NULL DEFAULT 0,
    tokens bigint NOT NULL DEFAULT 0,
    PRIMARY KEY (key_id, second)
  );
  `,
  // v5: whether a replica other than the one running a job may wait for its end (jobs.ts
  // `notifyFinishedIfWatched`). Rows written before, or by older replicas, keep notifying.
  `
  ALTER TABLE jobs ADD COLUMN watched boolean NOT NULL DEFAULT true;
  `,
  // v6: less work per run on the hot path. (1) The foreign keys of events and checkpoints ran a
  // check per inserted row (a lookup and a row lock on the job); every insert already goes
  // through an UPDATE of its job row in the same statement (events.ts), which locks the row and
  // inserts nothing when the job is gone, so the check guarded nothing more. Their cascade is
  // kept as a trigger on deleting jobs (retention, any replica's version), where it costs once
  // per deleted batch instead of once per written event. (2) Job rows leave room on their page
  // (fillfactor) so the updates that change no indexed column (event seqs, progress) rewrite the
  // row in place (HOT) instead of adding an entry to each of the table's indexes.
  `
  ALTER TABLE events DROP CONSTRAINT events_job_id_fkey;
  ALTER TABLE checkpoints DROP CONSTRAINT checkpoints_job_id_fkey;
  CREATE FUNCTION jobs_deleted() RETURNS trigger LANGUAGE plpgsql SET search_path FROM CURRENT AS $$
  BEGIN
    DELETE FROM events WHERE job_id IN (SELECT id FROM gone);
    DELETE FROM checkpoints WHERE job_id IN (SELECT id FROM gone);
    RETURN NULL;
  END $$;
  CREATE TRIGGER jobs_deleted AFTER DELETE ON jobs REFERENCING OLD TABLE AS gone
    FOR EACH STATEMENT EXECUTE FUNCTION jobs_deleted();
  ALTER TABLE jobs SET (fillfactor = 60);
  `,
];

export const SCHEMA_VERSION = STORE_MIGRATIONS.length;

const COMPONENT = 'store';

function quoteIdent(name: string): string {
  return `"${name.replace(/"/g, '""')}"`;
}

/** The schema's current version (0 when it has none yet). */
export async function schemaVersion(sql: postgres.Sql | postgres.TransactionSql): Promise<number> {
  const [table] = await sql.unsafe(`SELECT to_regclass('schema_versions') IS NOT NULL AS present`);
  if (table?.present !== true) return 0;
  const [row] = await sql.unsafe(`SELECT version FROM schema_versions WHERE component = $1`, [COMPONENT]);
  return row === undefined ? 0 : Number(row.version);
}

/**
 * Creates the schema if missing and brings it to `upTo` (default: the latest). Refuses a
 * database newer than this agentcrate.
 */
export async function migrate(c: PgConnection, upTo = SCHEMA_VERSION): Promise<number> {
  return c.tx('migrate the schema', async (sql) => {
    await sql.unsafe(`SELECT pg_advisory_xact_lock($1, $2)`, [c.lockSpace, LOCK.migrate]);
    // Created only when missing (under the lock: replicas starting together create it once), so a
    // user without CREATE on the database can use a schema an administrator made for it.
    const [exists] = await sql.unsafe(`SELECT 1 FROM pg_namespace WHERE nspname = $1`, [c.schema]);
    if (exists === undefined) await sql.unsafe(`CREATE SCHEMA ${quoteIdent(c.schema)}`);
    await sql.unsafe(`CREATE TABLE IF NOT EXISTS schema_versions (
      component text PRIMARY KEY, version integer NOT NULL, migrated_at bigint NOT NULL)`);
    const current = await schemaVersion(sql);
    if (current > SCHEMA_VERSION) {
      throw new AgentcrateError(
        'E_STORE',
        `The job store ${c.label} (schema ${c.schema}) has schema version ${current}, newer than this agentcrate supports (${SCHEMA_VERSION}). Upgrade agentcrate on every replica, or point --store at another database or ?schema=.`,
        { details: { store: c.label, version: current, supported: SCHEMA_VERSION } },
      );
    }
    for (let version = current; version < upTo; version++) {
      await sql.unsafe(STORE_MIGRATIONS[version]!);
    }
    if (upTo > current) {
      await sql.unsafe(
        `INSERT INTO schema_versions (component, version, migrated_at) VALUES ($1, $2, $3)
         ON CONFLICT (component) DO UPDATE SET version = excluded.version, migrated_at = excluded.migrated_at`,
        [COMPONENT, upTo, Date.now()],
      );
    }
    return Math.max(current, upTo);
  });
}
