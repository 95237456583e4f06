/**
 * What only the shared PostgreSQL store does, against a real server: replicas' leases (a live
 * one keeps its jobs; a released, killed or stalled one loses them to the next recovery), the
 * fencing of a stalled replica's writes, the queue bound held across replicas, the change feed,
 * outages as E_STORE_UNAVAILABLE, and clear refusals for bad URLs.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { join, resolve } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isAgentcrateError } from '../../src/errors.js';
import type { Store, StoreChange } from '../../src/store/index.js';
import { createPostgresStore } from '../../src/store/postgres/index.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from '../support/postgres.js';

const ROOT = resolve(import.meta.dirname, '../..');
const NODE = join(ROOT, 'node_modules/.bin/node');
const REGISTER = join(ROOT, 'test/server/support/register-ts.mjs');
const skip = pgSkipReason();
let db: TestDatabase;
let n = 0;
const open: Store[] = [];

async function replica(schema: string, extra: { now?: () => number } = {}): Promise<Store> {
  const store = await createPostgresStore(db.url, { schema, poolSize: 3, ...extra });
  open.push(store);
  return store;
}

async function rejection(promise: Promise<unknown>): Promise<Error & { code: string }> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAgentcrateError(error), String(error)).toBe(true);
  return error as Error & { code: string };
}

/** A replica in a child process: takes a lease, claims `claims` jobs, prints "ready". */
function childReplica(schema: string, ttlMs: number, claims: string[]): Promise<ChildProcess> {
  const script = `
    const { createPostgresStore } = await import(${JSON.stringify(join(ROOT, 'src/store/postgres/index.ts'))});
    const store = await createPostgresStore(${JSON.stringify(db.url)}, { schema: ${JSON.stringify(schema)}, poolSize: 2 });
    await store.acquireLease({ ttlMs: ${ttlMs} });
    for (const id of ${JSON.stringify(claims)}) await store.claimJob(id);
    console.log('ready');
    setInterval(() => {}, 1000);`;
  const child = spawn(NODE, ['--import', REGISTER, '--input-type=module', '-e', script], {
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  return new Promise((resolveReady, reject) => {
    child.stdout!.on('data', (chunk: Buffer) => {
      if (chunk.toString().includes('ready')) resolveReady(child);
    });
    child.once('exit', (code) => reject(new Error(`replica exited with ${code}`)));
  });
}

async function until<T>(what: string, fn: () => Promise<T | undefined>, ms = 15_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const value = await fn();
    if (value !== undefined) return value;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

describe.skipIf(skip !== undefined)(`PostgreSQL replicas${skip ? ` (skipped: ${skip})` : ''}`, () => {
  beforeAll(() => {
    db = createTestDatabase();
  });
  afterAll(async () => {
    await Promise.all(open.map((s) => s.close().catch(() => undefined)));
    db?.drop();
  });

  it("a live replica keeps its jobs; a released one's running jobs are recovered by the next", async () => {
    const schema = `replicas_${++n}`;
    const a = await replica(schema);
    const b = await replica(schema);
    const leaseA = await a.acquireLease();
    await b.acquireLease();
    await a.createJob({ id: 'j1', workflow: 'wf', inputs: {}, claim: true });
    await a.createJob({ id: 'j2', workflow: 'wf', inputs: {} });
    expect(await a.claimJob('j2')).toMatchObject({ status: 'running' });
    expect(await b.recoverInterrupted()).toEqual([]);
    expect(await b.claimNextPending()).toBeUndefined();
    await leaseA.release();
    const recovered = await b.recoverInterrupted();
    expect(recovered.map((r) => [r.job.id, r.action, r.suspects, r.job.status])).toEqual([
      ['j1', 'resumed', 2, 'pending'],
      ['j2', 'resumed', 2, 'pending'],
    ]);
    expect(await b.recoverInterrupted()).toEqual([]);
    expect((await b.claimNextPending())?.id).toBe('j1');
  });

  it('a replica killed with -9 loses its jobs at once (its lock is free), long before its lease ends', async () => {
    const schema = `replicas_${++n}`;
    const b = await replica(schema);
    await b.acquireLease();
    for (const id of ['k1', 'k2', 'k3']) await b.createJob({ id, workflow: 'wf', inputs: {} });
    const child = await childReplica(schema, 60_000, ['k1', 'k2']);
    try {
      expect((await b.getJob('k1'))?.status).toBe('running');
      expect(await b.recoverInterrupted()).toEqual([]);
      child.kill('SIGKILL');
      const killedAt = Date.now();
      const recovered = await until('the recovery', async () => {
        const r = await b.recoverInterrupted();
        return r.length > 0 ? r : undefined;
      });
      expect(Date.now() - killedAt).toBeLessThan(5000);
      expect(recovered.map((r) => [r.job.id, r.action, r.blamed, r.suspects])).toEqual([
        ['k1', 'resumed', false, 2],
        ['k2', 'resumed', false, 2],
      ]);
      expect((await b.getJob('k3'))?.status).toBe('pending');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('a stalled replica (alive, its lock held) loses its jobs once its lease expires', async () => {
    const schema = `replicas_${++n}`;
    const b = await replica(schema);
    await b.acquireLease({ ttlMs: 10_000 });
    await b.createJob({ id: 's1', workflow: 'wf', inputs: {} });
    const child = await childReplica(schema, 1000, ['s1']);
    try {
      child.kill('SIGSTOP'); // alive (its socket and lock stay), but no heartbeat
      expect(await b.recoverInterrupted()).toEqual([]);
      const recovered = await until('the expiry', async () => {
        const r = await b.recoverInterrupted();
        return r.length > 0 ? r : undefined;
      });
      expect(recovered[0]).toMatchObject({ action: 'resumed', blamed: true, job: { id: 's1', crashes: 1 } });
      expect((await b.claimJob('s1'))?.status).toBe('running');
      child.kill('SIGCONT');
    } finally {
      child.kill('SIGKILL');
    }
  });

  it("fences a replica's job writes once another owns the job, saying who", async () => {
    const schema = `replicas_${++n}`;
    const a = await replica(schema);
    const b = await replica(schema);
    const leaseA = await a.acquireLease();
    await b.acquireLease();
    await a.createJob({ id: 'f1', workflow: 'wf', inputs: {}, claim: true });
    await a.saveCheckpoint('f1', { step: 1, completed: ['x'] });
    // b takes it over as if a had died: a's lease ends behind its back.
    await leaseA.release();
    await b.recoverInterrupted();
    const claimed = await b.claimJob('f1');
    expect(claimed?.attempts).toBe(2);
    // A write made through a's old lease is refused: a now holds no lease at all…
    const stale = await replica(schema);
    const lease = await stale.acquireLease();
    const fenced = await rejection(stale.saveCheckpoint('f1', { step: 2, completed: ['x', 'y'] }));
    expect(fenced.code).toBe('E_STORE_LOCKED');
    expect(fenced.message).toMatch(/Job f1 is no longer this process's to run: .*agentcrate pid \d+ on host/);
    expect((await rejection(stale.appendEvent('f1', { type: 'x', at: 1 }))).code).toBe('E_STORE_LOCKED');
    expect(
      (
        await rejection(
          stale.completeJob('f1', {
            outputs: {},
            executionTimeMs: 1,
            usage: { inputTokens: 0, outputTokens: 0 },
          }),
        )
      ).code,
    ).toBe('E_STORE_LOCKED');
    expect((await rejection(stale.failJob('f1', { code: 'E_X', message: 'x' }))).code).toBe('E_STORE_LOCKED');
    expect(await b.getCheckpoint('f1')).toMatchObject({ step: 1 });
    // Events and a checkpoint issued together share one transaction: refused together, and
    // nothing of them stored.
    const turn = await Promise.allSettled([
      stale.appendEvents('f1', [{ type: 'node-end', at: 2 }]),
      stale.saveCheckpoint('f1', { step: 2, completed: ['x', 'y'] }),
    ]);
    expect(turn.map((r) => r.status === 'rejected' && (r.reason as { code?: string }).code)).toEqual([
      'E_STORE_LOCKED',
      'E_STORE_LOCKED',
    ]);
    expect(await b.listEvents('f1')).toEqual([]);
    // …while the owner's writes go through (a turn of them together), and any replica may cancel.
    const [stored] = await Promise.all([
      b.appendEvents('f1', [
        { type: 'node-end', at: 2 },
        { type: 'node-end', at: 3 },
      ]),
      b.saveCheckpoint('f1', { step: 2, completed: ['x', 'y'] }),
    ]);
    expect(stored.map((e) => e.seq)).toEqual([1, 2]);
    expect(await b.getCheckpoint('f1')).toMatchObject({ step: 2 });
    expect(await stale.cancelJob('f1')).toBe(true);
    await lease.release();
  });

  it('a lost lease refuses every job write and says so; a new lease writes again', async () => {
    const schema = `replicas_${++n}`;
    const a = await replica(schema);
    const b = await replica(schema);
    const leaseA = await a.acquireLease({ ttlMs: 400 });
    await b.acquireLease();
    await a.createJob({ id: 'l1', workflow: 'wf', inputs: {}, claim: true });
    // Another replica marks a dead (as after an expiry) behind its back.
    db.psql(`UPDATE ${schema}.replicas SET released = true WHERE id = '${leaseA.holder.id}'`);
    const lost = await leaseA.lost;
    expect(lost.message).toMatch(/declared it dead/);
    expect((await rejection(a.createJob({ id: 'l2', workflow: 'wf', inputs: {}, claim: true }))).code).toBe(
      'E_STORE_LOCKED',
    );
    expect(await a.health()).toMatchObject({ ok: false });
    const again = await a.acquireLease();
    expect(again.holder.id).not.toBe(leaseA.holder.id);
    expect(await a.health()).toEqual({ ok: true });
    expect((await b.recoverInterrupted()).map((r) => r.job.id)).toEqual(['l1']);
  });

  it('holds one queue bound across replicas submitting at once', async () => {
    const schema = `replicas_${++n}`;
    const stores = [await replica(schema), await replica(schema), await replica(schema)];
    const results = await Promise.allSettled(
      Array.from({ length: 30 }, (_, i) =>
        stores[i % 3]!.createJob({ id: `q${i}`, workflow: 'wf', inputs: {}, queueLimit: 7 }),
      ),
    );
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(7);
    const refused = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(refused.every((r) => (r.reason as { code: string }).code === 'E_QUEUE_FULL')).toBe(true);
    expect((await stores[0]!.countByStatus()).pending).toBe(7);
  });

  it('two replicas claiming at once never take the same job', async () => {
    const schema = `replicas_${++n}`;
    const a = await replica(schema);
    const b = await replica(schema);
    for (let i = 0; i < 40; i++)
      await a.createJob({ id: `c${String(i).padStart(2, '0')}`, workflow: 'wf', inputs: {} });
    const claims = await Promise.all(
      Array.from({ length: 60 }, (_, i) => (i % 2 === 0 ? a : b).claimNextPending()),
    );
    const ids = claims.filter((j) => j !== undefined).map((j) => j.id);
    expect(ids).toHaveLength(40);
    expect(new Set(ids).size).toBe(40);
  });

  it('tells every replica when a job waits and when one finishes', async () => {
    const schema = `replicas_${++n}`;
    const a = await replica(schema);
    const b = await replica(schema);
    const heard: StoreChange[] = [];
    const unsubscribe = b.changes!((change) => heard.push(change));
    await until('the listener', async () => (heard.length > 0 ? true : undefined)); // (re)connect says pending
    heard.length = 0;
    await a.createJob({ id: 'n1', workflow: 'wf', inputs: {} });
    await until('pending', async () => (heard.some((h) => h.kind === 'pending') ? true : undefined));
    await a.claimJob('n1');
    await a.completeJob('n1', {
      outputs: {},
      executionTimeMs: 1,
      usage: { inputTokens: 0, outputTokens: 0 },
    });
    await a.createJob({ id: 'n2', workflow: 'wf', inputs: {} });
    await a.cancelJob('n2');
    await until('finished', async () =>
      heard.filter((h) => h.kind === 'finished').length >= 2 ? true : undefined,
    );
    expect(heard.filter((h) => h.kind === 'finished')).toEqual([
      { kind: 'finished', jobId: 'n1' },
      { kind: 'finished', jobId: 'n2' },
    ]);
    unsubscribe();
  });

  it('answers E_STORE_UNAVAILABLE while the server refuses connections, and works again after', async () => {
    const schema = `replicas_${++n}`;
    const a = await replica(schema);
    expect(await a.health()).toEqual({ ok: true });
    db.admin(`ALTER ROLE ${db.name} CONNECTION LIMIT 0`);
    try {
      db.admin(
        `SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE usename = '${db.name}' AND pid <> pg_backend_pid()`,
      );
      const error = await rejection(a.createJob({ id: 'u1', workflow: 'wf', inputs: {} }));
      expect(error.code).toBe('E_STORE_UNAVAILABLE');
      expect(error.message).toMatch(/cannot write right now/);
      expect(error.message).not.toContain(new URL(db.url).password);
      expect(await a.health()).toMatchObject({ ok: false });
    } finally {
      db.admin(`ALTER ROLE ${db.name} CONNECTION LIMIT -1`);
    }
    // postgres.js reconnects with a backoff of its own: seconds, not at once.
    await until('the store back', async () => ((await a.health()).ok ? true : undefined), 45_000);
    expect((await a.createJob({ id: 'u2', workflow: 'wf', inputs: {} })).created).toBe(true);
  }, 90_000);

  it('refuses bad URLs and credentials clearly, never showing the password', async () => {
    const good = new URL(db.url);
    const wrongPassword = new URL(db.url);
    wrongPassword.password = 'not-the-password';
    const e1 = await rejection(createPostgresStore(wrongPassword.toString()));
    expect(e1.code).toBe('E_STORE');
    expect(e1.message).toMatch(/user name or password was refused/);
    expect(e1.message).not.toContain('not-the-password');
    const noDb = new URL(db.url);
    noDb.pathname = '/agentcrate_no_such_db';
    expect((await rejection(createPostgresStore(noDb.toString()))).message).toMatch(/does not exist/);
    const closed = await rejection(
      createPostgresStore(`postgres://u:secret@127.0.0.1:1/x`, { connectTimeoutSeconds: 2 }),
    );
    expect(closed.message).toMatch(/no PostgreSQL server answers there/);
    expect(closed.message).toContain('postgres://u:***@127.0.0.1:1/x');
    const badSchema = await rejection(createPostgresStore(`${good.toString()}?schema=no-dashes`));
    expect(badSchema.message).toMatch(/Invalid PostgreSQL schema name "no-dashes"/);
  });
});
