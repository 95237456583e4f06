/**
 * Replicas on a shared store (PostgreSQL) claim only their own workflow's jobs: one database
 * may serve several workflows, and a job runs only through the graph it was submitted to; and
 * they ask the store for work only when some may be waiting. A real PostgreSQL server; skipped
 * saying why without one.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openStore } from '../../src/store/open.js';
import type { Store } from '../../src/store/types.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from '../support/postgres.js';
import { json, makeApp, THREE_STEPS, waitUntil } from './helpers.js';

const skip = pgSkipReason();
let db: TestDatabase;
let store: Store;

beforeAll(async () => {
  if (skip !== undefined) return;
  db = createTestDatabase('agentcrate_wf');
  store = await openStore(db.url);
});
afterAll(async () => {
  await store?.close();
  db?.drop();
});

describe.skipIf(skip !== undefined)(`a replica on a shared store${skip ? ` (skipped: ${skip})` : ''}`, () => {
  it("claims only its own workflow's pending jobs", async () => {
    expect(store.shared).toBe(true);
    await store.createJob({ id: 'greeter-waiting', workflow: 'greeter', inputs: { name: 'Ada' } });
    const app = await makeApp({ store, workflow: THREE_STEPS, closeStore: false });
    try {
      const res = await app.app.request('/run', json({ n: '1' }));
      expect(res.status).toBe(200);
      // A few ticks of the shared queue (it polls the store every second as well).
      await new Promise((r) => setTimeout(r, 2500));
      expect(app.model.calls.map((c) => c.nodeId)).toEqual(['one', 'two', 'three']);
      expect((await store.getJob('greeter-waiting'))?.status).toBe('pending');
    } finally {
      await app.close(0);
    }
    await waitUntil(async () => (await store.getJob('greeter-waiting'))?.status === 'pending');
  }, 30_000);

  it('asks the store for work after a run only when some may be waiting (the feed, the tick)', async () => {
    const base = await openStore(`${db.url}?schema=claims`);
    const calls = { claims: 0, ticks: 0 };
    // The real store, its calls counted.
    const counted = new Proxy(base, {
      get(target, prop) {
        if (prop === 'claimNextPending') calls.claims += 1;
        if (prop === 'recoverInterrupted') calls.ticks += 1;
        const value = Reflect.get(target, prop) as unknown;
        return typeof value === 'function' ? value.bind(target) : value;
      },
    });
    const app = await makeApp({ store: counted, workflow: THREE_STEPS, closeStore: false });
    try {
      const runs = 10;
      for (let i = 0; i < runs; i++) {
        expect((await app.app.request('/run', json({ n: String(i) }))).status).toBe(200);
      }
      // A claim when the queue starts, when the feed connects (it may have missed news), once
      // for isolated jobs when the replica is idle, and one per tick (each tick is a recovery
      // check too): not one after each run.
      expect(calls.claims).toBeLessThanOrEqual(calls.ticks + 3);
      // Work it is told of is still claimed at once.
      const before = calls.claims;
      await base.createJob({ id: 'told', workflow: 'three', inputs: { n: 'x' } });
      await waitUntil(async () => (await base.getJob('told'))?.status === 'completed', 10_000);
      expect(calls.claims).toBeGreaterThan(before);
    } finally {
      await app.close(0);
      await base.close();
    }
  }, 30_000);
});
