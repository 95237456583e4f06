/**
 * A run that waits in the runner's queue takes its slot when the run ahead of it ends: its
 * claim is written in the same commit as that run's end (not in a commit of its own after
 * it), and the bound on runs executing at once still holds.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterEach, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/index.js';
import type { Job, Store } from '../../src/store/types.js';
import { json, makeApp, type TestApp, waitUntil } from './helpers.js';

const cleanup: Array<() => Promise<void> | void> = [];
afterEach(async () => {
  for (const step of cleanup.splice(0).reverse()) await step();
});

interface Seen {
  /** At each claim: the job claimed, and each job's status as committed at that moment. */
  claims: Array<{ id: string; committed: Record<string, string> }>;
  /** Completions issued and not yet settled. */
  completing: Set<string>;
  /** At each claim: the completions issued and not yet settled. */
  claimedWhileCompleting: string[][];
}

/** A file store whose claims and completions are watched; a second connection reads what is committed. */
async function watchedApp(maxConcurrentRuns: number): Promise<{ t: TestApp; seen: Seen }> {
  const dir = mkdtempSync(join(tmpdir(), 'agentcrate-handover-'));
  cleanup.push(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'jobs.db');
  const real = await createSqliteStore(file);
  const reader = new DatabaseSync(file, { readOnly: true });
  cleanup.push(() => reader.close());
  const committed = () =>
    Object.fromEntries(
      (reader.prepare('SELECT id, status FROM jobs').all() as Array<{ id: string; status: string }>).map(
        (r) => [r.id, r.status],
      ),
    );
  const seen: Seen = { claims: [], completing: new Set(), claimedWhileCompleting: [] };
  const store = new Proxy(real, {
    get(target, key, receiver) {
      if (key === 'claimJob') {
        return (id: string, ...rest: unknown[]) => {
          seen.claims.push({ id, committed: committed() });
          seen.claimedWhileCompleting.push([...seen.completing]);
          return (target.claimJob as (...a: unknown[]) => Promise<Job | undefined>)(id, ...rest);
        };
      }
      if (key === 'completeJob') {
        return (id: string, ...rest: unknown[]) => {
          seen.completing.add(id);
          const done = (target.completeJob as (...a: unknown[]) => Promise<Job | undefined>)(id, ...rest);
          void done.finally(() => seen.completing.delete(id)).catch(() => {});
          return done;
        };
      }
      const value = Reflect.get(target, key, receiver);
      return typeof value === 'function' ? value.bind(target) : value;
    },
  }) as Store;
  const t = await makeApp({ store, maxConcurrentRuns });
  cleanup.push(() => t.close(0));
  return { t, seen };
}

describe('a queued run takes the slot of the run that ends', () => {
  it('is claimed in the commit of the end that freed its slot', async () => {
    const { t, seen } = await watchedApp(1);
    t.control.delayMs = 50;
    const async = { Prefer: 'respond-async' };
    const first = (await (await t.app.request('/run', json({ name: 'first' }, async))).json()) as {
      job_id: string;
    };
    const second = (await (await t.app.request('/run', json({ name: 'second' }, async))).json()) as {
      job_id: string;
    };
    await waitUntil(async () => (await t.store.getJob(second.job_id))?.status === 'completed');
    // The first job was stored claimed (a free slot); only the queued one is claimed later.
    expect(seen.claims.map((c) => c.id)).toEqual([second.job_id]);
    // Claimed while the first run's completion was issued but not yet committed: both in one commit.
    expect(seen.claimedWhileCompleting[0]).toEqual([first.job_id]);
    expect(seen.claims[0]!.committed).toEqual({ [first.job_id]: 'running', [second.job_id]: 'pending' });
    const claimed = await t.store.getJob(second.job_id);
    expect(claimed).toMatchObject({ status: 'completed', attempts: 1 });
    expect(claimed!.startedAt).toBeGreaterThanOrEqual((await t.store.getJob(first.job_id))!.completedAt!);
  });

  it('keeps the bound on runs executing at once, and the queue drains in order', async () => {
    const { t, seen } = await watchedApp(2);
    t.control.delayMs = 20;
    const async = { Prefer: 'respond-async' };
    const ids: string[] = [];
    for (let i = 0; i < 7; i++) {
      const res = await t.app.request('/run', json({ name: `n${i}` }, async));
      ids.push(((await res.json()) as { job_id: string }).job_id);
      expect(t.runner.inFlight).toBeLessThanOrEqual(2);
    }
    await waitUntil(async () => {
      const jobs = await Promise.all(ids.map((id) => t.store.getJob(id)));
      return jobs.every((j) => j?.status === 'completed');
    });
    expect(t.model.peakConcurrency).toBeLessThanOrEqual(2);
    expect(t.model.calls).toHaveLength(7);
    expect(seen.claims.map((c) => c.id)).toEqual(ids.slice(2));
    // Every queued job was handed a slot by a run ending, in the same commit as that end.
    for (const during of seen.claimedWhileCompleting) expect(during.length).toBeGreaterThan(0);
    expect(t.runner.inFlight).toBe(0);
    expect(t.runner.queueDepth).toBe(0);
  });
});
