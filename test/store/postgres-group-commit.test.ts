/**
 * Group commit in the PostgreSQL store, against a real server: the writes of jobs ready in the
 * same turn commit in one transaction (rows written by one transaction share its `xmin`), and
 * one job's failed or refused writes never take the others' down with them.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store } from '../../src/store/index.js';
import { createPostgresStore } from '../../src/store/postgres/index.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from '../support/postgres.js';

const skip = pgSkipReason();
let db: TestDatabase;
let n = 0;
const open: Store[] = [];

async function store(schema: string): Promise<Store> {
  const s = await createPostgresStore(db.url, { schema, poolSize: 3 });
  open.push(s);
  return s;
}

const ids = (prefix: string, count: number) => Array.from({ length: count }, (_, i) => `${prefix}${i}`);
const end = { outputs: { a: 1 }, executionTimeMs: 1, usage: { inputTokens: 1, outputTokens: 2 } };

/** A run's end as the server issues it: its last events and its completion in the same turn. */
const endRun = (s: Store, id: string) =>
  Promise.all([
    s.appendEvents(id, [
      { type: 'node-end', at: 1 },
      { type: 'run-end', at: 2 },
    ]),
    s.completeJob(id, end),
  ]);

/** How many transactions wrote the rows `where` selects in `table`. */
function writers(schema: string, table: string, where: string): number {
  return Number(db.psql(`SELECT count(DISTINCT xmin::text) FROM ${schema}.${table} WHERE ${where}`).trim());
}

describe.skipIf(skip !== undefined)(`PostgreSQL group commit${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(() => {
    db = createTestDatabase();
  });
  afterAll(async () => {
    for (const s of open) await s.close().catch(() => undefined);
    db?.drop();
  });

  it('commits the writes of jobs ready in the same turn in one transaction, each awaited on its own', async () => {
    const schema = `group_${++n}`;
    const s = await store(schema);
    await s.acquireLease();
    const jobs = ids('g', 20);
    const created = await Promise.all(
      jobs.map((id) => s.createJob({ id, workflow: 'wf', inputs: { id }, claim: true })),
    );
    expect(created.map((c) => [c.created, c.job.id, c.job.status])).toEqual(
      jobs.map((id) => [true, id, 'running']),
    );
    expect(writers(schema, 'jobs', `id LIKE 'g%'`)).toBe(1);

    const ends = await Promise.all(jobs.map((id) => endRun(s, id)));
    expect(ends.map(([events, job]) => [events.map((e) => e.seq), job?.status])).toEqual(
      jobs.map(() => [[1, 2], 'completed']),
    );
    expect(writers(schema, 'events', `job_id LIKE 'g%'`)).toBe(1);
    expect(writers(schema, 'jobs', `id LIKE 'g%'`)).toBe(1);
    for (const id of jobs)
      expect((await s.listEvents(id)).map((e) => e.event.type)).toEqual(['node-end', 'run-end']);
  });

  it('commits the writes made by separate callbacks of one event-loop iteration together', async () => {
    // As the answers of several requests or model calls read in one iteration: each callback's
    // microtasks end before the next callback runs, so a flight sent then would carry one job.
    const schema = `group_${++n}`;
    const s = await store(schema);
    await s.acquireLease();
    const jobs = ids('i', 6);
    const created = await Promise.all(
      jobs.map(
        (id) =>
          new Promise((resolve, reject) => {
            setImmediate(() => {
              s.createJob({ id, workflow: 'wf', inputs: { id }, claim: true }).then(resolve, reject);
            });
          }),
      ),
    );
    expect(created).toHaveLength(6);
    expect(writers(schema, 'jobs', `id LIKE 'i%'`)).toBe(1);
  });

  it("fails only the job whose write failed: a duplicate id among a turn's creates", async () => {
    const schema = `group_${++n}`;
    const s = await store(schema);
    await s.createJob({ id: 'd3', workflow: 'wf', inputs: { first: true } });
    const results = await Promise.allSettled(
      ids('d', 6).map((id) => s.createJob({ id, workflow: 'wf', inputs: { second: true } })),
    );
    expect(
      results.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'created')),
    ).toEqual(['created', 'created', 'created', 'E_CONFLICT', 'created', 'created']);
    const stored = await Promise.all(ids('d', 6).map((id) => s.getJob(id)));
    expect(stored.map((j) => j?.inputs)).toEqual([
      { second: true },
      { second: true },
      { second: true },
      { first: true },
      { second: true },
      { second: true },
    ]);
  });

  it("refuses only the job taken over by another replica; the others' ends commit", async () => {
    const schema = `group_${++n}`;
    const a = await store(schema);
    const b = await store(schema);
    await a.acquireLease();
    const leaseB = await b.acquireLease();
    const jobs = ids('t', 4);
    await Promise.all(jobs.map((id) => a.createJob({ id, workflow: 'wf', inputs: {}, claim: true })));
    // t2 now belongs to b, as after a takeover a has not heard of yet.
    db.psql(`UPDATE ${schema}.jobs SET lease_owner = '${leaseB.holder.id}' WHERE id = 't2'`);

    const turns = await Promise.all(
      jobs.map((id) =>
        Promise.allSettled([a.appendEvents(id, [{ type: 'run-end', at: 1 }]), a.completeJob(id, end)]),
      ),
    );
    const outcome = turns.map((t) =>
      t.map((r) => (r.status === 'rejected' ? (r.reason as { code?: string }).code : 'ok')),
    );
    expect(outcome).toEqual([
      ['ok', 'ok'],
      ['ok', 'ok'],
      ['E_STORE_LOCKED', 'E_STORE_LOCKED'],
      ['ok', 'ok'],
    ]);
    const after = await Promise.all(
      jobs.map(async (id) => [(await b.getJob(id))?.status, (await b.listEvents(id)).length]),
    );
    expect(after).toEqual([
      ['completed', 1],
      ['completed', 1],
      ['running', 0],
      ['completed', 1],
    ]);
  });

  it("writes a job's end and the events issued just before it as one statement", async () => {
    // Rows written by one statement share its command id (cmin) within their transaction: the
    // ended job row and its events come from the same one, not from an append then an UPDATE.
    const schema = `group_${++n}`;
    const s = await store(schema);
    await s.acquireLease();
    const jobs = ids('f', 5);
    await Promise.all(jobs.map((id) => s.createJob({ id, workflow: 'wf', inputs: {}, claim: true })));
    const ends = await Promise.all(jobs.map((id) => endRun(s, id)));
    expect(ends.map(([events, job]) => [events.map((e) => e.seq), job?.status, job?.outputs])).toEqual(
      jobs.map(() => [[1, 2], 'completed', { a: 1 }]),
    );
    const apart = db.psql(
      `SELECT count(*) FROM ${schema}.jobs j JOIN ${schema}.events e ON e.job_id = j.id
       WHERE j.id LIKE 'f%' AND j.cmin::text <> e.cmin::text`,
    );
    expect(Number(apart.trim())).toBe(0);
    // Seqs go on from there: a later append numbers after the fused one.
    const [next] = await s.appendEvents('f0', [{ type: 'late', at: 3 }]);
    expect(next?.seq).toBe(3);
  });

  it('stores the events of a job cancelled meanwhile and answers its end as not done', async () => {
    // The fused end needs an unfinished job, the events do not: refused, the two go apart and
    // each is answered as on its own.
    const schema = `group_${++n}`;
    const s = await store(schema);
    await s.acquireLease();
    await s.createJob({ id: 'c1', workflow: 'wf', inputs: {}, claim: true });
    expect(await s.cancelJob('c1')).toBe(true);
    const [events, job] = await Promise.all([
      s.appendEvents('c1', [{ type: 'run-end', at: 1 }]),
      s.completeJob('c1', end),
    ]);
    expect(events.map((e) => e.seq)).toEqual([1]);
    expect(job).toBeUndefined();
    expect((await s.getJob('c1'))?.status).toBe('cancelled');
    expect((await s.listEvents('c1')).map((e) => e.event.type)).toEqual(['run-end']);
  });
});
