/**
 * The Store contract: every implementation (SQLite now, Postgres later) runs this same suite,
 * so callers can rely on behaviour, not on an engine. Uses the real clock; where ordering in
 * time matters it waits a few ms rather than assuming a clock hook the seam does not have.
 */
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { isAgentcrateError } from '../../src/errors.js';
import type { Job, JobStatus, Store } from '../../src/store/index.js';
import { runMemoryContract } from './memory-contract.js';

export interface StoreFixture {
  store: Store;
  cleanup(): Promise<void>;
  /** Closes nothing; opens a second store on the same data (durable implementations only). */
  reopen?: () => Promise<Store>;
}

/** Why the durability tests skip for a store that lives in memory only. */
export const NOT_REOPENED = 'this store lives in memory only: there is nothing to reopen';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

async function expectCode(promise: Promise<unknown>, code: string): Promise<Error> {
  const error = await promise.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(isAgentcrateError(error), `expected AgentcrateError ${code}, got ${String(error)}`).toBe(true);
  expect((error as { code: string }).code).toBe(code);
  return error as Error;
}

/** Sort the way listJobs promises to: createdAt desc, id desc. */
function newestFirst(a: Job, b: Job): number {
  return b.createdAt - a.createdAt || (a.id < b.id ? 1 : a.id > b.id ? -1 : 0);
}

export function runStoreContract(name: string, makeStore: () => Promise<StoreFixture>): void {
  describe(`Store contract: ${name}`, () => {
    let fixture: StoreFixture;
    let store: Store;
    let seq = 0;
    const newId = (prefix = 'job') => `${prefix}-${String(++seq).padStart(4, '0')}`;
    const create = async (extra: Partial<Parameters<Store['createJob']>[0]> = {}) =>
      (await store.createJob({ id: newId(), workflow: 'wf', inputs: { topic: 'x' }, ...extra })).job;

    beforeEach(async () => {
      fixture = await makeStore();
      store = fixture.store;
    });
    afterEach(async () => {
      await fixture.cleanup();
    });

    runMemoryContract(makeStore);

    describe('createJob / getJob', () => {
      it('creates a pending job with every field defaulted', async () => {
        const before = Date.now();
        const { job, created } = await store.createJob({
          id: 'a1',
          workflow: 'research',
          inputs: { topic: 'AI', nested: { list: [1, 'two', null], ok: true }, text: 'héllo ✓' },
          webhookUrl: 'http://127.0.0.1:9/hook',
        });
        expect(created).toBe(true);
        expect(job).toEqual({
          id: 'a1',
          status: 'pending',
          workflow: 'research',
          inputs: { topic: 'AI', nested: { list: [1, 'two', null], ok: true }, text: 'héllo ✓' },
          outputs: null,
          error: null,
          createdAt: expect.any(Number),
          startedAt: null,
          completedAt: null,
          executionTimeMs: null,
          attempts: 0,
          crashes: 0,
          blamedCrashes: 0,
          maxCrashes: 3,
          idempotencyKey: null,
          webhookUrl: 'http://127.0.0.1:9/hook',
          progress: { step: 0, nodesDone: [] },
          usage: { inputTokens: 0, outputTokens: 0 },
        });
        expect(job.createdAt).toBeGreaterThanOrEqual(before);
        expect(job.createdAt).toBeLessThanOrEqual(Date.now());
        expect(await store.getJob('a1')).toEqual(job);
      });

      it('returns the existing job for a repeated idempotency key without creating another', async () => {
        const first = await store.createJob({
          id: 'k1',
          workflow: 'wf',
          inputs: { n: 1 },
          idempotencyKey: 'key-A',
        });
        const again = await store.createJob({
          id: 'k2',
          workflow: 'wf',
          inputs: { n: 2 },
          idempotencyKey: 'key-A',
        });
        expect(first.created).toBe(true);
        expect(again.created).toBe(false);
        expect(again.job.id).toBe('k1');
        expect(again.job.inputs).toEqual({ n: 1 });
        expect(again.job.idempotencyKey).toBe('key-A');
        expect(await store.getJob('k2')).toBeUndefined();
        const other = await store.createJob({
          id: 'k3',
          workflow: 'wf',
          inputs: {},
          idempotencyKey: 'key-B',
        });
        expect(other.created).toBe(true);
        expect((await store.countByStatus()).pending).toBe(2);
      });

      it('claim: stores the job already running (attempts 1, started now); a repeated key is not claimed again', async () => {
        const before = Date.now();
        const { job, created } = await store.createJob({
          id: 'c1',
          workflow: 'wf',
          inputs: { n: 1 },
          idempotencyKey: 'claimed',
          claim: true,
        });
        expect(created).toBe(true);
        expect(job).toMatchObject({ status: 'running', attempts: 1 });
        expect(job.startedAt).toBeGreaterThanOrEqual(before);
        expect(job.startedAt).toBe(job.createdAt);
        expect(await store.getJob('c1')).toEqual(job);
        expect(await store.claimJob('c1')).toBeUndefined(); // not pending: nobody claims it twice
        expect(await store.claimNextPending()).toBeUndefined();
        const again = await store.createJob({
          id: 'c2',
          workflow: 'wf',
          inputs: {},
          idempotencyKey: 'claimed',
          claim: true,
        });
        expect(again).toMatchObject({ created: false, job: { id: 'c1', status: 'running', attempts: 1 } });
        // A crash now: it goes back to pending like any claimed job, one attempt spent.
        await store.acquireLease();
        expect((await store.recoverInterrupted()).map((r) => [r.job.id, r.job.attempts])).toEqual([
          ['c1', 1],
        ]);
        const done = await store.completeJob('c1', {
          outputs: { r: 1 },
          executionTimeMs: 3,
          usage: zeroUsage,
        });
        expect(done?.status).toBe('completed');
      });

      it('returns the existing job even after it finished', async () => {
        const { job } = await store.createJob({
          id: 'f1',
          workflow: 'wf',
          inputs: {},
          idempotencyKey: 'done',
        });
        await store.claimJob(job.id);
        await store.completeJob(job.id, { outputs: { r: 1 }, executionTimeMs: 5, usage: zeroUsage });
        const again = await store.createJob({ id: 'f2', workflow: 'wf', inputs: {}, idempotencyKey: 'done' });
        expect(again).toMatchObject({
          created: false,
          job: { id: 'f1', status: 'completed', outputs: { r: 1 } },
        });
      });

      it('rejects a duplicate id with E_CONFLICT and keeps the original', async () => {
        await store.createJob({ id: 'dup', workflow: 'wf', inputs: { v: 1 } });
        const error = await expectCode(
          store.createJob({ id: 'dup', workflow: 'other', inputs: { v: 2 } }),
          'E_CONFLICT',
        );
        expect(error.message).toContain('dup');
        expect((await store.getJob('dup'))?.inputs).toEqual({ v: 1 });
      });

      it('a failing write does not undo concurrent writes', async () => {
        await store.createJob({ id: 'base', workflow: 'wf', inputs: {} });
        const results = await Promise.allSettled([
          store.createJob({ id: 'ok-1', workflow: 'wf', inputs: {} }),
          store.createJob({ id: 'base', workflow: 'wf', inputs: {} }),
          store.appendEvent('missing', { type: 'x', at: 1 }),
          store.saveCheckpoint('missing', { step: 1, completed: [] }),
          store.createJob({ id: 'ok-2', workflow: 'wf', inputs: {} }),
        ]);
        expect(results.map((r) => r.status)).toEqual([
          'fulfilled',
          'rejected',
          'rejected',
          'rejected',
          'fulfilled',
        ]);
        expect(await store.getJob('ok-1')).toBeDefined();
        expect(await store.getJob('ok-2')).toBeDefined();
        expect((await store.countByStatus()).pending).toBe(3);
      });

      it('honours maxCrashes and rejects bad input clearly', async () => {
        expect((await create({ maxCrashes: 5 })).maxCrashes).toBe(5);
        await expectCode(
          store.createJob({ id: 'bad', workflow: 'wf', inputs: [] as never }),
          'E_INVALID_INPUT',
        );
        await expectCode(store.createJob({ id: '', workflow: 'wf', inputs: {} }), 'E_INVALID_INPUT');
        await expectCode(
          store.createJob({ id: 'bad2', workflow: 'wf', inputs: {}, maxCrashes: 0 }),
          'E_INVALID_INPUT',
        );
        expect(await store.getJob('bad')).toBeUndefined();
      });

      it('returns undefined for an unknown id', async () => {
        expect(await store.getJob('nope')).toBeUndefined();
      });
    });

    describe('claiming', () => {
      it('claims a pending job once: running, startedAt set, attempts incremented', async () => {
        const job = await create();
        const claimed = await store.claimJob(job.id);
        expect(claimed).toMatchObject({ id: job.id, status: 'running', attempts: 1 });
        expect(claimed?.startedAt).toEqual(expect.any(Number));
        expect(claimed!.startedAt!).toBeGreaterThanOrEqual(job.createdAt);
        expect(await store.claimJob(job.id)).toBeUndefined();
        expect((await store.getJob(job.id))?.attempts).toBe(1);
        expect(await store.claimJob('missing')).toBeUndefined();
      });

      it('lets exactly one of many concurrent claims win', async () => {
        const job = await create();
        const results = await Promise.all(Array.from({ length: 10 }, () => store.claimJob(job.id)));
        expect(results.filter((r) => r !== undefined)).toHaveLength(1);
      });

      it('claimNextPending takes the oldest pending job and skips others', async () => {
        const a = await create();
        await sleep(3);
        const b = await create();
        await sleep(3);
        const c = await create();
        await store.cancelJob(a.id);
        expect((await store.claimNextPending())?.id).toBe(b.id);
        expect((await store.claimNextPending())?.id).toBe(c.id);
        expect(await store.claimNextPending()).toBeUndefined();
        expect((await store.getJob(c.id))?.status).toBe('running');
      });

      it("claimNextPending can take only one workflow's jobs", async () => {
        const other = await create({ workflow: 'other' });
        await sleep(3);
        const own = await create();
        expect((await store.claimNextPending({ workflow: 'wf' }))?.id).toBe(own.id);
        expect(await store.claimNextPending({ workflow: 'wf' })).toBeUndefined();
        expect((await store.getJob(other.id))?.status).toBe('pending');
        expect((await store.claimNextPending({ workflow: 'other' }))?.id).toBe(other.id);
      });

      it('claimNextPending can skip the jobs the crash-loop guard isolates', async () => {
        const suspect = await create();
        await sleep(3);
        const healthy = await create();
        for (let i = 0; i < 2; i++) {
          await store.claimJob(suspect.id);
          await (await store.acquireLease()).release();
          await store.acquireLease();
          await store.recoverInterrupted();
        }
        expect((await store.getJob(suspect.id))?.crashes).toBe(2);
        expect((await store.claimNextPending({ skipIsolated: true }))?.id).toBe(healthy.id);
        expect(await store.claimNextPending({ skipIsolated: true })).toBeUndefined();
        expect((await store.claimNextPending())?.id).toBe(suspect.id);
      });

      it('createJob with a queueLimit refuses once that many jobs are pending (claimed ones do not count)', async () => {
        await create({ queueLimit: 2 });
        await create({ queueLimit: 2, claim: true });
        const second = await create({ queueLimit: 2, idempotencyKey: 'q2' });
        const error = await expectCode(create({ queueLimit: 2 }), 'E_QUEUE_FULL');
        expect(error.message).toMatch(/2 runs are already waiting/);
        expect((error as Error & { details?: Record<string, unknown> }).details).toMatchObject({
          retryAfterSeconds: 1,
        });
        // A repeated key still answers with its job, and a claimed job is always stored.
        expect((await create({ queueLimit: 2, idempotencyKey: 'q2' })).id).toBe(second.id);
        expect((await create({ queueLimit: 2, claim: true })).status).toBe('running');
        await store.claimJob(second.id);
        expect((await create({ queueLimit: 2 })).status).toBe('pending');
        expect((await store.countByStatus()).pending).toBe(2);
        await expectCode(create({ queueLimit: -1 }), 'E_INVALID_INPUT');
      });

      it('concurrent claimNextPending calls never hand out the same job', async () => {
        for (let i = 0; i < 5; i++) await create();
        const claims = await Promise.all(Array.from({ length: 8 }, () => store.claimNextPending()));
        const ids = claims.filter((j) => j !== undefined).map((j) => j.id);
        expect(ids).toHaveLength(5);
        expect(new Set(ids).size).toBe(5);
      });
    });

    describe('lifecycle moves', () => {
      it('completes a running job with outputs, usage and timing', async () => {
        const job = await create();
        await store.claimJob(job.id);
        const done = await store.completeJob(job.id, {
          outputs: { summary: 'ok', n: [1, 2] },
          executionTimeMs: 1234,
          usage: { inputTokens: 10, outputTokens: 20 },
        });
        expect(done).toMatchObject({
          status: 'completed',
          outputs: { summary: 'ok', n: [1, 2] },
          executionTimeMs: 1234,
          usage: { inputTokens: 10, outputTokens: 20 },
          error: null,
        });
        expect(done?.completedAt).toEqual(expect.any(Number));
        expect(await store.getJob(job.id)).toEqual(done);
      });

      it("stores the progress a completion carries, and keeps the last checkpoint's without one", async () => {
        const withProgress = await create();
        await store.claimJob(withProgress.id);
        await store.saveCheckpoint(withProgress.id, { step: 1, completed: ['a'] });
        const done = await store.completeJob(withProgress.id, {
          outputs: {},
          executionTimeMs: 1,
          usage: zeroUsage,
          progress: { step: 2, nodesDone: ['a', 'b'] },
        });
        expect(done?.progress).toEqual({ step: 2, nodesDone: ['a', 'b'] });
        expect((await store.getJob(withProgress.id))?.progress).toEqual({ step: 2, nodesDone: ['a', 'b'] });
        const without = await create();
        await store.claimJob(without.id);
        await store.saveCheckpoint(without.id, { step: 1, completed: ['a'] });
        await store.completeJob(without.id, { outputs: {}, executionTimeMs: 1, usage: zeroUsage });
        expect((await store.getJob(without.id))?.progress).toEqual({ step: 1, nodesDone: ['a'] });
      });

      it('does not complete or fail a cancelled job', async () => {
        const job = await create();
        await store.claimJob(job.id);
        expect(await store.cancelJob(job.id)).toBe(true);
        expect(
          await store.completeJob(job.id, { outputs: {}, executionTimeMs: 1, usage: zeroUsage }),
        ).toBeUndefined();
        expect(await store.failJob(job.id, { code: 'E_MODEL', message: 'x' })).toBeUndefined();
        expect((await store.getJob(job.id))?.status).toBe('cancelled');
        expect(
          await store.completeJob('missing', { outputs: {}, executionTimeMs: 1, usage: zeroUsage }),
        ).toBeUndefined();
      });

      it('fails a job with a structured error, keeping usage when given', async () => {
        const job = await create();
        await store.claimJob(job.id);
        const failed = await store.failJob(
          job.id,
          { code: 'E_MODEL', message: 'provider said no', details: { status: 429 } },
          { executionTimeMs: 50, usage: { inputTokens: 3, outputTokens: 0 } },
        );
        expect(failed).toMatchObject({
          status: 'failed',
          error: { code: 'E_MODEL', message: 'provider said no', details: { status: 429 } },
          executionTimeMs: 50,
          usage: { inputTokens: 3, outputTokens: 0 },
          outputs: null,
        });
        expect(failed?.completedAt).toEqual(expect.any(Number));
        expect(await store.failJob(job.id, { code: 'E_X', message: 'again' })).toBeUndefined();
        expect((await store.getJob(job.id))?.error?.code).toBe('E_MODEL');
      });

      it('cancels only pending or running jobs', async () => {
        const pending = await create();
        const running = await create();
        const completed = await create();
        await store.claimJob(running.id);
        await store.claimJob(completed.id);
        await store.completeJob(completed.id, { outputs: {}, executionTimeMs: 1, usage: zeroUsage });
        expect(await store.cancelJob(pending.id)).toBe(true);
        expect(await store.cancelJob(running.id)).toBe(true);
        expect(await store.cancelJob(completed.id)).toBe(false);
        expect(await store.cancelJob(pending.id)).toBe(false);
        expect(await store.cancelJob('missing')).toBe(false);
        const cancelled = await store.getJob(pending.id);
        expect(cancelled).toMatchObject({ status: 'cancelled' });
        expect(cancelled?.completedAt).toEqual(expect.any(Number));
        expect((await store.getJob(completed.id))?.status).toBe('completed');
        expect(await store.claimJob(pending.id)).toBeUndefined();
      });

      it('updateJob overwrites only the given fields', async () => {
        const job = await create({ webhookUrl: 'http://127.0.0.1:1/a' });
        const updated = await store.updateJob(job.id, {
          progress: { step: 2, nodesDone: ['a', 'b'] },
          usage: { inputTokens: 7, outputTokens: 8 },
          webhookUrl: null,
        });
        expect(updated).toMatchObject({
          status: 'pending',
          progress: { step: 2, nodesDone: ['a', 'b'] },
          usage: { inputTokens: 7, outputTokens: 8 },
          webhookUrl: null,
          inputs: job.inputs,
          createdAt: job.createdAt,
        });
        expect(await store.updateJob(job.id, {})).toEqual(updated);
        expect(await store.updateJob('missing', { maxCrashes: 2 })).toBeUndefined();
      });

      it('updateJob to a finished status stamps completedAt so retention can find it', async () => {
        const job = await create();
        const failed = await store.updateJob(job.id, {
          status: 'failed',
          error: { code: 'E_X', message: 'm' },
        });
        expect(failed).toMatchObject({ status: 'failed', error: { code: 'E_X', message: 'm' } });
        expect(failed?.completedAt).toEqual(expect.any(Number));
        await expectCode(store.updateJob(job.id, { status: 'weird' as JobStatus }), 'E_INVALID_INPUT');
      });
    });

    describe('recoverInterrupted (the crash-loop guard)', () => {
      /**
       * The owner claims the jobs (they are in flight), then "crashes": its lease ends without
       * the jobs finishing, and the next owner (the same store here) recovers them.
       */
      const crash = async (...jobs: Job[]) => {
        for (const job of jobs) await store.claimJob(job.id);
        await (await store.acquireLease()).release();
        await store.acquireLease();
        return store.recoverInterrupted();
      };
      const decisions = (recovered: Awaited<ReturnType<Store['recoverInterrupted']>>) =>
        Object.fromEntries(
          recovered.map((r) => [r.job.id, [r.action, r.blamed, r.job.crashes, r.job.blamedCrashes]]),
        );

      beforeEach(async () => {
        await store.acquireLease();
      });

      it("needs the lease: without it the running jobs may be a live owner's", async (ctx) => {
        if (fixture.reopen === undefined) return ctx.skip(NOT_REOPENED);
        const other = await fixture.reopen();
        try {
          await expectCode(other.recoverInterrupted(), 'E_STORE');
        } finally {
          await other.close();
        }
      });

      it('a crash with several jobs in flight blames none; healthy jobs survive repeated kills', async () => {
        const jobs = [await create(), await create(), await create(), await create(), await create()];
        const pending = await create();
        // Three external kills while the same five slow jobs are in flight.
        const first = await crash(...jobs);
        expect(first.map((r) => r.job.id)).toEqual(jobs.map((j) => j.id)); // oldest first
        expect(first.every((r) => r.action === 'resumed' && !r.blamed && r.suspects === 5)).toBe(true);
        const second = await crash(...jobs);
        // In flight at two crashes in a row: resumed isolated, still not blamed.
        expect(second.every((r) => r.action === 'isolated' && !r.blamed && r.job.crashes === 2)).toBe(true);
        // The runner runs one isolated job at a time: the third kill finds one of them (and
        // nothing else) in flight, and it alone is blamed, once.
        const third = await crash(jobs[0]!);
        expect(decisions(third)).toEqual({ [jobs[0]!.id]: ['isolated', true, 3, 1] });
        for (const job of jobs) expect((await store.getJob(job.id))?.status).toBe('pending');
        expect((await store.getJob(pending.id))?.status).toBe('pending');
      });

      it('the only isolated job in flight is blamed; non-isolated jobs beside it are not', async () => {
        const [poison, healthy] = [await create({ maxCrashes: 2 }), await create()];
        await crash(poison, healthy);
        await crash(poison, healthy); // both isolated now
        const fresh = await create(); // a new job runs beside the isolated poison
        const third = await crash(poison, fresh);
        expect(decisions(third)).toEqual({
          [poison.id]: ['isolated', true, 3, 1],
          [fresh.id]: ['resumed', false, 1, 0],
        });
        const fourth = await crash(poison, fresh);
        expect(fourth.find((r) => r.job.id === poison.id)).toMatchObject({
          action: 'failed',
          blamed: true,
          job: { status: 'failed', crashes: 4, blamedCrashes: 2, error: { code: 'E_CRASH_LOOP' } },
        });
        const failed = await store.getJob(poison.id);
        expect(failed?.error?.message).toMatch(/only suspect of 2 crashes/);
        expect(failed?.completedAt).toEqual(expect.any(Number));
        // Two isolated jobs in flight together: neither is the sole suspect.
        expect(decisions(await crash(healthy, fresh))[healthy.id]).toEqual(['isolated', false, 3, 0]);
      });

      it('a job alone in flight is the sole suspect: maxCrashes such crashes fail it', async () => {
        const looper = await create({ maxCrashes: 3 });
        expect(decisions(await crash(looper))).toEqual({ [looper.id]: ['resumed', true, 1, 1] });
        expect(decisions(await crash(looper))).toEqual({ [looper.id]: ['isolated', true, 2, 2] });
        const last = await crash(looper);
        expect(last[0]).toMatchObject({
          action: 'failed',
          job: { status: 'failed', error: { code: 'E_CRASH_LOOP' } },
        });
        expect(await store.recoverInterrupted()).toEqual([]);
      });

      it('a saved checkpoint clears the suspicion: a job that moves on is not looping', async () => {
        const job = await create({ maxCrashes: 2 });
        await crash(job);
        await store.claimJob(job.id);
        await store.saveCheckpoint(job.id, { step: 1, completed: ['a'], state: {} });
        expect(await store.getJob(job.id)).toMatchObject({ crashes: 0, blamedCrashes: 0 });
        await (await store.acquireLease()).release();
        await store.acquireLease();
        expect(decisions(await store.recoverInterrupted())).toEqual({ [job.id]: ['resumed', true, 1, 1] });
      });

      it('with maxCrashes 1 a single sole-suspect crash fails the job', async () => {
        const job = await create({ maxCrashes: 1 });
        expect((await crash(job))[0]?.action).toBe('failed');
        expect(await store.getJob(job.id)).toMatchObject({
          status: 'failed',
          error: { code: 'E_CRASH_LOOP' },
        });
      });
    });

    describe('listJobs', () => {
      it('pages through 25 jobs newest first, each exactly once', async () => {
        const created: Job[] = [];
        for (let i = 0; i < 25; i++) {
          created.push(await create());
          if (i % 6 === 0) await sleep(2); // a mix of equal and distinct createdAt values
        }
        const expected = [...created].sort(newestFirst).map((j) => j.id);
        const seen: string[] = [];
        let cursor: string | undefined;
        let pages = 0;
        do {
          const page = await store.listJobs({ limit: 7, ...(cursor === undefined ? {} : { cursor }) });
          pages++;
          expect(page.jobs.length).toBeLessThanOrEqual(7);
          seen.push(...page.jobs.map((j) => j.id));
          cursor = page.nextCursor;
          if (pages === 1) await create(); // a newer job never shifts later pages
        } while (cursor !== undefined && pages < 10);
        expect(pages).toBe(4);
        expect(seen).toEqual(expected);
      });

      it('gives no cursor when the last page is exactly full', async () => {
        for (let i = 0; i < 10; i++) await create();
        const first = await store.listJobs({ limit: 5 });
        expect(first.jobs).toHaveLength(5);
        const second = await store.listJobs({ limit: 5, cursor: first.nextCursor! });
        expect(second.jobs).toHaveLength(5);
        expect(second.nextCursor).toBeUndefined();
        expect(await store.listJobs({ limit: 50 })).toEqual({ jobs: expect.any(Array) });
      });

      it('filters by status, also across pages', async () => {
        const running: string[] = [];
        for (let i = 0; i < 9; i++) {
          const job = await create();
          if (i % 2 === 0) {
            await store.claimJob(job.id);
            running.push(job.id);
          }
        }
        const seen: string[] = [];
        let cursor: string | undefined;
        do {
          const page = await store.listJobs({ status: 'running', limit: 2, ...(cursor ? { cursor } : {}) });
          for (const job of page.jobs) expect(job.status).toBe('running');
          seen.push(...page.jobs.map((j) => j.id));
          cursor = page.nextCursor;
        } while (cursor !== undefined);
        expect([...seen].sort()).toEqual([...running].sort());
        expect((await store.listJobs({ status: 'failed', limit: 10 })).jobs).toEqual([]);
      });

      it('returns an empty page for an empty store and rejects bad limits and cursors', async () => {
        expect(await store.listJobs({ limit: 10 })).toEqual({ jobs: [] });
        await expectCode(store.listJobs({ limit: 0 }), 'E_INVALID_INPUT');
        await expectCode(store.listJobs({ limit: 1.5 }), 'E_INVALID_INPUT');
        const error = await expectCode(
          store.listJobs({ limit: 10, cursor: 'not-a-cursor' }),
          'E_INVALID_INPUT',
        );
        expect(error.message).toMatch(/cursor/);
        await expectCode(store.listJobs({ limit: 10, status: 'bogus' as JobStatus }), 'E_INVALID_INPUT');
      });
    });

    describe('countByStatus', () => {
      it('counts every status, zero included', async () => {
        expect(await store.countByStatus()).toEqual({
          pending: 0,
          running: 0,
          completed: 0,
          failed: 0,
          cancelled: 0,
        });
        const a = await create();
        const b = await create();
        await create();
        await store.claimJob(a.id);
        await store.cancelJob(b.id);
        expect(await store.countByStatus()).toEqual({
          pending: 1,
          running: 1,
          completed: 0,
          failed: 0,
          cancelled: 1,
        });
      });
    });

    describe('checkpoints', () => {
      const checkpoint = (step: number, completed: string[]) => ({
        runId: 'r1',
        step,
        state: { topic: 'AI', notes: `after ${step}` },
        completed,
        pending: [],
        usage: { inputTokens: step, outputTokens: step },
        elapsedMs: 10 * step,
      });

      it('keeps the latest checkpoint per job and updates progress from it', async () => {
        const job = await create();
        const other = await create();
        expect(await store.getCheckpoint(job.id)).toBeUndefined();
        await store.saveCheckpoint(job.id, checkpoint(1, ['plan']));
        await store.saveCheckpoint(job.id, checkpoint(2, ['plan', 'write']));
        await store.saveCheckpoint(other.id, checkpoint(1, ['solo']));
        const saved = await store.getCheckpoint(job.id);
        expect(saved).toMatchObject({ jobId: job.id, step: 2, checkpoint: checkpoint(2, ['plan', 'write']) });
        expect(saved?.savedAt).toEqual(expect.any(Number));
        expect((await store.getJob(job.id))?.progress).toEqual({ step: 2, nodesDone: ['plan', 'write'] });
        expect((await store.getCheckpoint(other.id))?.checkpoint).toEqual(checkpoint(1, ['solo']));
      });

      it('rejects checkpoints for unknown jobs and non-objects', async () => {
        await expectCode(store.saveCheckpoint('missing', checkpoint(1, ['a'])), 'E_NOT_FOUND');
        expect(await store.getCheckpoint('missing')).toBeUndefined();
        const job = await create();
        await expectCode(store.saveCheckpoint(job.id, 'nope'), 'E_INVALID_INPUT');
        await expectCode(store.saveCheckpoint(job.id, null), 'E_INVALID_INPUT');
        expect(await store.getCheckpoint(job.id)).toBeUndefined();
      });

      const address = { agent: 'wf', workflow: '*', node: '*' };
      it("keeps a checkpoint's memory writes with it", async () => {
        const job = await create();
        await store.memory.apply([{ ...address, key: 'old', op: 'set', value: 1 }]);
        await store.saveCheckpoint(job.id, checkpoint(1, ['count']), {
          memory: [
            { ...address, key: 'count', op: 'set', value: 7, jobId: job.id },
            { ...address, key: 'old', op: 'delete', jobId: job.id },
          ],
        });
        expect((await store.getCheckpoint(job.id))?.step).toBe(1);
        expect(await store.memory.get('wf:*:*:count')).toMatchObject({ value: 7, jobId: job.id });
        expect(await store.memory.get('wf:*:*:old')).toBeUndefined();
      });

      it('writes neither the checkpoint nor its memory when the checkpoint cannot be kept', async () => {
        await expectCode(
          store.saveCheckpoint('missing', checkpoint(1, ['a']), {
            memory: [{ ...address, key: 'orphan', op: 'set', value: 1 }],
          }),
          'E_NOT_FOUND',
        );
        expect(await store.memory.get('wf:*:*:orphan')).toBeUndefined();
        const job = await create();
        // A memory change the store refuses leaves the checkpoint unwritten too.
        await expectCode(
          store.saveCheckpoint(job.id, checkpoint(1, ['a']), {
            memory: [{ ...address, key: '', op: 'set', value: 1 }],
          }),
          'E_INVALID_INPUT',
        );
        expect(await store.getCheckpoint(job.id)).toBeUndefined();
      });
    });

    describe('events', () => {
      it('numbers events per job from 1, in order, and replays after a seq', async () => {
        const job = await create();
        const other = await create();
        const first = await store.appendEvent(job.id, { type: 'run-start', at: 1 });
        expect(first).toEqual({ jobId: job.id, seq: 1, event: { type: 'run-start', at: 1 } });
        const batch = await store.appendEvents(job.id, [
          { type: 'node-start', at: 2, nodeId: 'a' } as never,
          { type: 'node-end', at: 3, nodeId: 'a', writes: { x: [1] } } as never,
          { type: 'run-end', at: 4 },
        ]);
        expect(batch.map((e) => e.seq)).toEqual([2, 3, 4]);
        expect((await store.appendEvent(other.id, { type: 'run-start', at: 9 })).seq).toBe(1);

        const all = await store.listEvents(job.id);
        expect(all.map((e) => e.seq)).toEqual([1, 2, 3, 4]);
        expect(all.map((e) => e.event.type)).toEqual(['run-start', 'node-start', 'node-end', 'run-end']);
        expect(all[2]?.event).toEqual({ type: 'node-end', at: 3, nodeId: 'a', writes: { x: [1] } });
        expect((await store.listEvents(job.id, 2)).map((e) => e.seq)).toEqual([3, 4]);
        expect((await store.listEvents(job.id, 1, 2)).map((e) => e.seq)).toEqual([2, 3]);
        expect(await store.listEvents(job.id, 4)).toEqual([]);
        expect(await store.listEvents('missing')).toEqual([]);
        expect(await store.appendEvents(job.id, [])).toEqual([]);
      });

      it('keeps seqs unique under concurrent appends', async () => {
        const job = await create();
        await Promise.all(
          Array.from({ length: 20 }, (_, i) =>
            store.appendEvents(job.id, [
              { type: 'e', at: i },
              { type: 'e', at: i },
            ]),
          ),
        );
        const seqs = (await store.listEvents(job.id)).map((e) => e.seq);
        expect(seqs).toEqual(Array.from({ length: 40 }, (_, i) => i + 1));
      });

      it('rejects events for unknown jobs and malformed events, writing nothing', async () => {
        await expectCode(store.appendEvent('missing', { type: 'x', at: 1 }), 'E_NOT_FOUND');
        const job = await create();
        await expectCode(
          store.appendEvents(job.id, [
            { type: 'ok', at: 1 },
            { type: '', at: 2 },
          ]),
          'E_INVALID_INPUT',
        );
        await expectCode(store.appendEvent(job.id, { type: 'x', at: 'soon' as never }), 'E_INVALID_INPUT');
        expect(await store.listEvents(job.id)).toEqual([]);
      });
    });

    describe('retention', () => {
      it('deletes only finished jobs completed before the cut-off, with their checkpoints and events', async () => {
        const old = await create();
        const oldFailed = await create();
        const stillPending = await create();
        const stillRunning = await create();
        for (const job of [old, oldFailed, stillRunning]) await store.claimJob(job.id);
        for (const job of [old, stillRunning, stillPending]) {
          await store.saveCheckpoint(job.id, { step: 1, completed: ['a'] });
          await store.appendEvents(job.id, [{ type: 'run-start', at: 1 }]);
        }
        await store.completeJob(old.id, { outputs: {}, executionTimeMs: 1, usage: zeroUsage });
        await store.failJob(oldFailed.id, { code: 'E_X', message: 'x' });
        await sleep(5);
        const cutoff = Date.now();
        await sleep(5);
        const recent = await create();
        await store.cancelJob(recent.id);

        expect(await store.deleteFinishedBefore(cutoff)).toBe(2);
        expect(await store.getJob(old.id)).toBeUndefined();
        expect(await store.getJob(oldFailed.id)).toBeUndefined();
        expect(await store.getCheckpoint(old.id)).toBeUndefined();
        expect(await store.listEvents(old.id)).toEqual([]);
        for (const job of [stillPending, stillRunning, recent])
          expect(await store.getJob(job.id)).toBeDefined();
        expect(await store.getCheckpoint(stillRunning.id)).toBeDefined();
        expect(await store.listEvents(stillPending.id)).toHaveLength(1);
        expect(await store.deleteFinishedBefore(cutoff)).toBe(0);
        // A deleted job's id and idempotency key are free again.
        expect((await store.createJob({ id: old.id, workflow: 'wf', inputs: {} })).created).toBe(true);
        expect(await store.listEvents(old.id)).toEqual([]);
      });
    });

    describe('health and lifecycle', () => {
      it('is healthy while open; after close it reports why and every call fails with E_STORE', async () => {
        expect(await store.health()).toEqual({ ok: true });
        await store.close();
        await store.close(); // idempotent
        const health = await store.health();
        expect(health.ok).toBe(false);
        expect(health.reason).toMatch(/closed/);
        await expectCode(store.getJob('x'), 'E_STORE');
        await expectCode(store.createJob({ id: 'x', workflow: 'wf', inputs: {} }), 'E_STORE');
      });

      it('keeps committed data across close and reopen', async (ctx) => {
        if (fixture.reopen === undefined) return ctx.skip(NOT_REOPENED);
        const job = await create({ idempotencyKey: 'durable' });
        await store.claimJob(job.id);
        await store.saveCheckpoint(job.id, { step: 1, completed: ['a'], state: { v: 1 } });
        await store.appendEvents(job.id, [
          { type: 'run-start', at: 1 },
          { type: 'node-end', at: 2 },
        ]);
        await store.close();

        const reopened = await fixture.reopen();
        try {
          expect(await reopened.getJob(job.id)).toMatchObject({
            status: 'running',
            attempts: 1,
            progress: { step: 1 },
          });
          expect((await reopened.getCheckpoint(job.id))?.checkpoint).toEqual({
            step: 1,
            completed: ['a'],
            state: { v: 1 },
          });
          expect((await reopened.listEvents(job.id)).map((e) => e.event.type)).toEqual([
            'run-start',
            'node-end',
          ]);
          expect((await reopened.appendEvent(job.id, { type: 'run-end', at: 3 })).seq).toBe(3);
          expect(
            (await reopened.createJob({ id: 'new', workflow: 'wf', inputs: {}, idempotencyKey: 'durable' }))
              .job.id,
          ).toBe(job.id);
          await reopened.acquireLease();
          expect((await reopened.recoverInterrupted()).map((r) => r.job.id)).toEqual([job.id]);
        } finally {
          await reopened.close();
        }
      });
    });
  });
}

const zeroUsage = { inputTokens: 0, outputTokens: 0 };
