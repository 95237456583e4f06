/**
 * Who hears of a run's end on the shared store, against a real server: every replica LISTENs,
 * so an end is told only when another replica may wait for it (a job that waited in the
 * store's queue, one whose idempotency key was repeated while it ran, a cancellation), not for
 * every run stored claimed by the replica that holds its caller.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Store, StoreChange } from '../../src/store/index.js';
import { createPostgresStore } from '../../src/store/postgres/index.js';
import { createTestDatabase, pgSkipReason, type TestDatabase } from '../support/postgres.js';

const skip = pgSkipReason();
let db: TestDatabase;
const open: Store[] = [];
const end = { outputs: { a: 1 }, executionTimeMs: 1, usage: { inputTokens: 1, outputTokens: 2 } };

async function until(check: () => boolean, what: string): Promise<void> {
  const deadline = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe.skipIf(skip !== undefined)(
  `PostgreSQL run ends told to other replicas${skip ? ` (skipped: ${skip})` : ''}`,
  () => {
    beforeAll(() => {
      db = createTestDatabase();
    });
    afterAll(async () => {
      for (const s of open) await s.close().catch(() => undefined);
      db?.drop();
    });

    it('tells the end of a job another replica may wait for, and no other', async () => {
      const here = await createPostgresStore(db.url, { schema: 'ends', poolSize: 2 });
      const other = await createPostgresStore(db.url, { schema: 'ends', poolSize: 2 });
      open.push(here, other);
      await here.acquireLease();
      const heard: string[] = [];
      let listening = false;
      other.changes?.((change: StoreChange) => {
        listening = true;
        if (change.kind === 'finished') heard.push(change.jobId);
      });
      // The feed reports `pending` once it listens.
      await until(() => listening, 'the change feed');

      // Stored claimed, run and ended here: nobody else waits for it.
      await here.createJob({ id: 'own', workflow: 'wf', inputs: {}, claim: true });
      await here.completeJob('own', end);
      await here.createJob({ id: 'own-failed', workflow: 'wf', inputs: {}, claim: true });
      await here.failJob('own-failed', { code: 'E_X', message: 'x' });

      // Waited in the store's queue: its caller may be in another replica.
      await here.createJob({ id: 'queued', workflow: 'wf', inputs: {} });
      expect((await here.claimJob('queued'))?.status).toBe('running');
      await here.completeJob('queued', end);

      // Its idempotency key repeated (in the other replica) while it ran here.
      await here.createJob({ id: 'keyed', workflow: 'wf', inputs: {}, claim: true, idempotencyKey: 'k1' });
      const again = await other.createJob({
        id: 'keyed-2',
        workflow: 'wf',
        inputs: {},
        idempotencyKey: 'k1',
      });
      expect([again.created, again.job.id, again.job.status]).toEqual([false, 'keyed', 'running']);
      await here.completeJob('keyed', end);

      // Cancelled: the replica running it must hear of it.
      await here.createJob({ id: 'cancelled', workflow: 'wf', inputs: {}, claim: true });
      expect(await other.cancelJob('cancelled')).toBe(true);

      // Put back in the queue (a shutdown hands it back), then ended wherever it runs.
      await here.createJob({ id: 'handed-back', workflow: 'wf', inputs: {}, claim: true });
      await here.updateJob('handed-back', { status: 'pending' });
      await here.claimJob('handed-back');
      await here.completeJob('handed-back', end);

      await until(() => heard.includes('handed-back'), 'the last end');
      // Notifications arrive in commit order: the ends of `own` and `own-failed` were never sent.
      expect(heard).toEqual(['queued', 'keyed', 'cancelled', 'handed-back']);
    });
  },
);
