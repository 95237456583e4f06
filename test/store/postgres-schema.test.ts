/**
 * The PostgreSQL store's schema: created on first open (once, even by replicas opening
 * together), migrated from every earlier version with the data each version wrote kept and
 * usable, and a newer schema refused.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAgentcrateError } from '../../src/errors.js';
import { PgConnection } from '../../src/store/postgres/connection.js';
import { createPostgresStore, SCHEMA_VERSION } from '../../src/store/postgres/index.js';
import { migrate } from '../../src/store/postgres/schema.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from '../support/postgres.js';

const skip = pgSkipReason();
let db: TestDatabase;
let n = 0;

/** What each version's code wrote: a finished job, a running one mid-run, a pending one, memory. */
const SEED: Record<number, (schema: string) => string> = {
  1: (s) => `
    INSERT INTO ${s}.jobs (id, status, workflow, inputs, outputs, created_at, started_at, completed_at, attempts,
      max_crashes, idempotency_key, progress_step, progress_nodes, event_seq)
    VALUES ('done', 'completed', 'wf', '{"topic":"a"}', '{"r":1}', 1000, 1001, 1002, 1, 3, 'key-done', 2, '["a","b"]', 2),
           ('mid', 'running', 'wf', '{"topic":"b"}', NULL, 2000, 2001, NULL, 1, 3, NULL, 1, '["a"]', 1),
           ('wait', 'pending', 'wf', '{"topic":"c"}', NULL, 3000, NULL, NULL, 0, 3, NULL, 0, '[]', 0);
    INSERT INTO ${s}.events (job_id, seq, type, at, data) VALUES
      ('done', 1, 'run-start', 1001, '{"type":"run-start","at":1001}'),
      ('done', 2, 'run-end', 1002, '{"type":"run-end","at":1002}'),
      ('mid', 1, 'run-start', 2001, '{"type":"run-start","at":2001}');
    INSERT INTO ${s}.checkpoints (job_id, step, saved_at, data)
      VALUES ('mid', 1, 2002, '{"step":1,"completed":["a"],"state":{"x":1}}');
    INSERT INTO ${s}.memory (namespace, agent, workflow, node, key, value, updated_at, job_id)
      VALUES ('ag:*:*:k', 'ag', '*', '*', 'k', '{"v":1}', 1500, 'done');`,
  2: (s) => `${SEED[1]!(s)}
    INSERT INTO ${s}.replicas (id, lock_key, backend_pid, pid, host, since, heartbeat_at, expires_at)
      VALUES ('gone', 99, 1, 1, 'old-host', 1, 1, 2);
    UPDATE ${s}.jobs SET lease_owner = 'gone', lease_expires_at = 2 WHERE id = 'mid';`,
  3: (s) => `${SEED[2]!(s)}
    INSERT INTO ${s}.gateway_keys (id, name, hash, prefix, created_at, rpm, version)
      VALUES ('key_old', 'old', 'hash-old', 'sk-gw-abcd', 1, 5, nextval('${s}.gateway_keys_changes'));`,
  4: (s) => `${SEED[3]!(s)}
    INSERT INTO ${s}.gateway_key_usage (key_id, second, requests, tokens) VALUES ('key_old', 0, 1, 10);`,
  5: (s) => SEED[4]!(s),
};

describe.skipIf(skip !== undefined)(`PostgreSQL schema${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(() => {
    db = createTestDatabase();
  });
  afterAll(() => db?.drop());

  it('has a seed for every earlier version (a new migration needs one)', () => {
    for (let v = 1; v < SCHEMA_VERSION; v++) expect(SEED[v], `seed for version ${v}`).toBeDefined();
  });

  for (let version = 1; version < SCHEMA_VERSION; version++) {
    it(`upgrades a version-${version} schema in place, keeping and using what it holds`, async () => {
      const schema = `v${version}_${++n}`;
      const c = new PgConnection({ url: db.url, schema, poolSize: 2, connectTimeoutSeconds: 10 }, Date.now);
      try {
        expect(await migrate(c, version)).toBe(version);
      } finally {
        await c.close();
      }
      db.psql(SEED[version]!(schema));
      const store = await createPostgresStore(db.url, { schema });
      try {
        expect(
          db.psql(`SELECT version FROM ${schema}.schema_versions WHERE component = 'store'`).trim(),
        ).toBe(String(SCHEMA_VERSION));
        expect(await store.getJob('done')).toMatchObject({
          status: 'completed',
          outputs: { r: 1 },
          progress: { step: 2, nodesDone: ['a', 'b'] },
        });
        expect(
          (await store.createJob({ id: 'again', workflow: 'wf', inputs: {}, idempotencyKey: 'key-done' })).job
            .id,
        ).toBe('done');
        expect((await store.listEvents('done')).map((e) => e.event.type)).toEqual(['run-start', 'run-end']);
        expect((await store.memory.get('ag:*:*:k'))?.value).toEqual({ v: 1 });
        if (version >= 3) {
          // The gateway's keys are kept, and its usage per second (v4) can be counted.
          expect(db.psql(`SELECT name FROM ${schema}.gateway_keys`).trim()).toBe('old');
          db.psql(
            `INSERT INTO ${schema}.gateway_key_usage (key_id, second, requests) VALUES ('key_old', 1, 1)`,
          );
        }
        // Jobs written by older versions may be waited for anywhere: their ends are still told (jobs.ts).
        expect(db.psql(`SELECT count(*) FROM ${schema}.jobs WHERE NOT watched`).trim()).toBe('0');
        // The job the old version left running is recovered and goes on from its checkpoint.
        await store.acquireLease();
        expect((await store.recoverInterrupted()).map((r) => [r.job.id, r.action])).toEqual([
          ['mid', 'resumed'],
        ]);
        expect((await store.claimNextPending())?.id).toBe('mid');
        expect((await store.getCheckpoint('mid'))?.checkpoint).toEqual({
          step: 1,
          completed: ['a'],
          state: { x: 1 },
        });
        expect((await store.appendEvent('mid', { type: 'node-start', at: 3 })).seq).toBe(2);
        expect((await store.claimNextPending())?.id).toBe('wait');
        // Retention takes a finished job's events with it, whichever version wrote them (v6 trigger).
        expect(await store.deleteFinishedBefore(Date.now())).toBe(1);
        expect(db.psql(`SELECT count(*) FROM ${schema}.events WHERE job_id = 'done'`).trim()).toBe('0');
      } finally {
        await store.close();
      }
    });
  }

  it('writes events and checkpoints without a check per row, keeps their cascade, updates job rows in place', async () => {
    const schema = `v6_${++n}`;
    const store = await createPostgresStore(db.url, { schema });
    try {
      // Enough jobs to fill the table's first page.
      const ids = Array.from({ length: 120 }, (_, i) => `job-${String(i).padStart(3, '0')}`);
      for (const id of ids) await store.createJob({ id, workflow: 'wf', inputs: { topic: id } });
      expect(
        db
          .psql(`SELECT count(*) FROM pg_constraint WHERE contype = 'f'
          AND conrelid IN ('${schema}.events'::regclass, '${schema}.checkpoints'::regclass)`)
          .trim(),
      ).toBe('0');
      // Reserving event seqs changes no indexed column: the row is rewritten on its own page (HOT),
      // adding no entry to the table's indexes, once the page it was stored on has filled up.
      const hot = db.psql(`BEGIN;
        UPDATE ${schema}.jobs SET event_seq = event_seq + 1 WHERE id = 'job-000';
        SELECT n_tup_hot_upd FROM pg_stat_xact_user_tables WHERE relid = '${schema}.jobs'::regclass;
        COMMIT;`);
      expect(hot.trim().split('\n').at(-1)).toBe('1');
      // An append or a checkpoint for a job that is gone stores nothing.
      await expect(store.appendEvent('gone', { type: 'x', at: 1 })).rejects.toMatchObject({
        code: 'E_NOT_FOUND',
      });
      await expect(store.saveCheckpoint('gone', { step: 1, completed: ['a'] })).rejects.toMatchObject({
        code: 'E_NOT_FOUND',
      });
      // Deleting jobs, by any means (an older replica's retention, an operator), takes their rows along.
      await store.appendEvents('job-001', [{ type: 'run-start', at: 1 }]);
      await store.saveCheckpoint('job-001', { step: 1, completed: ['a'] });
      db.psql(`DELETE FROM ${schema}.jobs WHERE id IN ('job-001', 'job-002')`);
      expect(
        db
          .psql(`SELECT (SELECT count(*) FROM ${schema}.events WHERE job_id IN ('job-001', 'gone'))
          + (SELECT count(*) FROM ${schema}.checkpoints WHERE job_id IN ('job-001', 'gone'))`)
          .trim(),
      ).toBe('0');
    } finally {
      await store.close();
    }
  });

  it('replicas opening a new schema together create it once', async () => {
    const schema = `fresh_${++n}`;
    const stores = await Promise.all(
      Array.from({ length: 4 }, () => createPostgresStore(db.url, { schema, poolSize: 1 })),
    );
    await Promise.all(stores.map((s) => s.close()));
    expect(db.psql(`SELECT version FROM ${schema}.schema_versions`).trim()).toBe(String(SCHEMA_VERSION));
  });

  it('refuses a schema newer than this agentcrate, saying what to do', async () => {
    const schema = `newer_${++n}`;
    await (await createPostgresStore(db.url, { schema })).close();
    db.psql(`UPDATE ${schema}.schema_versions SET version = ${SCHEMA_VERSION + 1}`);
    const error = await createPostgresStore(db.url, { schema }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isAgentcrateError(error)).toBe(true);
    expect((error as Error).message).toMatch(
      new RegExp(
        `schema version ${SCHEMA_VERSION + 1}, newer than this agentcrate supports \\(${SCHEMA_VERSION}\\)`,
      ),
    );
  });
});
