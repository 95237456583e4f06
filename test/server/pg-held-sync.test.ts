/**
 * On a shared store (PostgreSQL) a sync /run that waits for a slot waits in the replica holding
 * its caller: stored claimed under that replica's lease, run there when a slot frees, its caller
 * answered from the run's result; never through the store's queue (no pending job, no claim of
 * it). If that replica is killed with -9, another replica recovers the held runs and finishes
 * them, each node once, and a retry with the same idempotency key finds the run. A real
 * PostgreSQL server; skipped saying why without one.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { Job } from '../../src/store/types.js';
import { answeredPerNode, callOf } from '../support/mock-calls.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from '../support/postgres.js';
import { spawnServe } from '../support/serve-process.js';
import { json, makeApp, THREE_STEPS, THREE_STEPS_YAML, waitUntil } from './helpers.js';

const skip = pgSkipReason();

let db: TestDatabase;
let dir: string;
let mock: MockLlm;
const children: ChildProcess[] = [];

beforeAll(async () => {
  if (skip !== undefined) return;
  db = createTestDatabase('agentcrate_held');
  dir = mkdtempSync(join(tmpdir(), 'agentcrate-held-'));
  writeFileSync(join(dir, 'three.yaml'), THREE_STEPS_YAML);
  mock = await startMockLlm({ latencyMs: 400 });
});
afterAll(async () => {
  for (const child of children) child.kill('SIGKILL');
  await mock?.close();
  db?.drop();
  if (dir) rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skip !== undefined)(`sync runs on a shared store${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it('wait for a slot in their own replica: stored claimed, never queued in the store nor claimed from it', async () => {
    const base = await openStore(`${db.url}?schema=held`);
    const calls = { pendingCreates: 0, claimed: 0 };
    // The real store, what goes through its queue counted.
    const counted = new Proxy(base, {
      get(target, prop) {
        const value = Reflect.get(target, prop) as unknown;
        if (prop === 'createJob') {
          return async (input: { claim?: boolean }) => {
            if (input.claim !== true) calls.pendingCreates += 1;
            return base.createJob(input as never);
          };
        }
        if (prop === 'claimNextPending') {
          return async (...args: unknown[]) => {
            const job = await (base.claimNextPending as (...a: unknown[]) => Promise<Job | undefined>)(
              ...args,
            );
            if (job !== undefined) calls.claimed += 1;
            return job;
          };
        }
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const app = await makeApp({
      store: counted,
      workflow: THREE_STEPS,
      closeStore: false,
      maxConcurrentRuns: 2,
    });
    app.control.delayMs = 50;
    try {
      const runs = 8;
      const answers = await Promise.all(
        Array.from({ length: runs }, (_, i) => app.app.request('/run', json({ n: String(i) }))),
      );
      const bodies = await Promise.all(
        answers.map(async (res) => ({ status: res.status, body: await res.json() })),
      );
      for (const { status, body } of bodies) {
        expect(status).toBe(200);
        expect(body.status).toBe('success');
      }
      expect(app.model.calls.length).toBe(runs * 3);
      // Six of the eight waited for a slot: all of them here, none through the store's queue.
      expect(calls).toEqual({ pendingCreates: 0, claimed: 0 });
      // An async run that cannot start still waits in the store, for any replica.
      app.control.delayMs = 300;
      const sync = [0, 1].map((i) => app.app.request('/run', json({ n: `s${i}` })));
      await waitUntil(() => app.runner.inFlight === 2);
      const queued = await app.app.request('/run', json({ n: 'a' }, { Prefer: 'respond-async' }));
      expect(queued.status).toBe(202);
      const queuedId = ((await queued.json()) as { job_id: string }).job_id;
      expect(calls.pendingCreates).toBe(1);
      await Promise.all(sync);
      await waitUntil(async () => (await base.getJob(queuedId))?.status === 'completed', 10_000);
    } finally {
      await app.close(0);
      await base.close();
    }
  }, 30_000);

  it('held here: cancelled through another replica, dropped unrun; at shutdown, back to pending for the others', async () => {
    const url = `${db.url}?schema=handback`;
    const [storeA, storeB] = [await openStore(url), await openStore(url)];
    const a = await makeApp({
      store: storeA,
      workflow: THREE_STEPS,
      closeStore: false,
      maxConcurrentRuns: 1,
    });
    const b = await makeApp({ store: storeB, workflow: THREE_STEPS, closeStore: false });
    a.control.delayMs = 400;
    try {
      const running = a.app.request('/run', json({ n: 'r' }));
      await waitUntil(() => a.runner.inFlight === 1);
      const held = [0, 1].map((i) =>
        a.app.request('/run', json({ n: `h${i}` }, { 'Idempotency-Key': `handback-${i}` })),
      );
      await waitUntil(() => a.runner.queueDepth === 2);
      const { jobs } = await storeA.listJobs({ limit: 10 });
      const [cancelled, kept] = [0, 1].map((i) => jobs.find((job) => job.inputs.n === `h${i}`));
      // Held: claimed by this replica, not waiting in the store's queue.
      expect([cancelled?.status, kept?.status]).toEqual(['running', 'running']);
      // The cancel reaches the replica holding the run through the feed: its caller gets the
      // cancelled job and the run never starts.
      expect((await b.app.request(`/jobs/${cancelled!.id}/cancel`, { method: 'POST' })).status).toBe(200);
      const answer = await held[0]!;
      expect(((await answer.json()) as { status: string }).status).toBe('cancelled');
      await waitUntil(() => a.runner.queueDepth === 1);
      // Shutting down (the other replica gone too, so nobody takes it meanwhile): the run still
      // held goes back to the store's queue at once, not left to be recovered as a crash's.
      await b.close(0);
      await a.close(0);
      expect((await held[1]!).status).toBe(202);
      await running;
      expect(await storeA.getJob(kept!.id)).toMatchObject({ status: 'pending', crashes: 0 });
      const c = await makeApp({ store: storeB, workflow: THREE_STEPS, closeStore: false });
      await waitUntil(async () => (await storeB.getJob(kept!.id))?.status === 'completed', 10_000);
      await c.close(0);
      const prompts = a.model.calls
        .concat(b.model.calls, c.model.calls)
        .map((call) => JSON.stringify(call.request.messages));
      expect(prompts.some((text) => text.includes('n=h0'))).toBe(false);
      expect(prompts.some((text) => text.includes('n=h1'))).toBe(true);
    } finally {
      await a.close(0);
      await b.close(0);
      await storeA.close();
      await storeB.close();
    }
  }, 30_000);

  it('held by a replica killed with -9: another replica finishes them, each node once; a retry finds them', async () => {
    const serve = () =>
      spawnServe(
        [join(dir, 'three.yaml'), '--port', '0', '--max-concurrent-runs', '1'].concat([
          '--provider',
          'openai',
          '--base-url',
          mock.url,
          '--model',
          'mock-1',
        ]),
        { env: { DATABASE_URL: `${db.url}?schema=killed` }, cwd: dir, track: children },
      );
    const victim = serve();
    const victimUrl = await victim.url;
    const post = (url: string, n: number) =>
      fetch(`${url}/run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'Idempotency-Key': `held-${n}` },
        body: JSON.stringify({ n: String(n) }),
      });
    const held = 4;
    // Sync callers on the victim: one runs, the others wait there for its single slot.
    const lost = Array.from({ length: held }, (_, i) => post(victimUrl, i).catch(() => undefined));
    const sql = postgres(`${db.url}`, { max: 1, connection: { search_path: 'killed' }, onnotice: () => {} });
    try {
      await waitUntil(async () => {
        const [row] = await sql`SELECT count(*)::int AS n FROM jobs WHERE status = 'running'`;
        return row?.n === held;
      }, 15_000);
      const [{ n: pending }] =
        (await sql`SELECT count(*)::int AS n FROM jobs WHERE status = 'pending'`) as never as [{ n: number }];
      expect(pending).toBe(0);
      await waitUntil(() => mock.chatRequests().length > 0, 10_000);
      // Only one run reached the model before the kill: the others were held, waiting.
      const started = new Set(mock.chatRequests().map((r) => callOf(r)?.n));
      expect(started.size).toBe(1);
      victim.child.kill('SIGKILL');
      await victim.exited;
      await Promise.all(lost);
      const heir = serve();
      const heirUrl = await heir.url;
      // The callers retry with their keys at the other replica: the same jobs, finished there.
      const retried = await Promise.all(Array.from({ length: held }, (_, i) => post(heirUrl, i)));
      const jobs = await Promise.all(retried.map(async (res) => (await res.json()) as { status: string }));
      expect(jobs.map((j) => j.status)).toEqual(Array(held).fill('success'));
      const [{ n: total }] = (await sql`SELECT count(*)::int AS n FROM jobs`) as never as [{ n: number }];
      expect(total).toBe(held);
      // Each node of each held run answered once; the run in flight at the kill may repeat the
      // node it was in (answered, not yet checkpointed), and answers every node.
      const answered = answeredPerNode(mock);
      for (let n = 0; n < held; n++) {
        for (const node of ['one', 'two', 'three']) {
          const count = answered.get(`${n}/${node}`) ?? 0;
          if (started.has(String(n))) expect(count).toBeGreaterThanOrEqual(1);
          else expect(count).toBe(1);
        }
      }
      heir.child.kill('SIGTERM');
      await heir.exited;
    } finally {
      await sql.end();
    }
  }, 60_000);
});
