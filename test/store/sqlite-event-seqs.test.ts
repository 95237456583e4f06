/**
 * How the SQLite store numbers a job's events when it inserts a batch with its seqs given
 * (the last seq it wrote for the job, kept in memory: last-seqs.ts) instead of looking them up:
 * on a real file, every way that memory could go stale must still give the numbers a lookup
 * gives — a deleted job's id given again, events after a job finished, a failed append, a
 * rolled-back transaction, another connection's writes in between.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { createSqliteStore } from '../../src/store/index.js';
import { LastSeqs } from '../../src/store/sqlite/last-seqs.js';

const root = mkdtempSync(join(tmpdir(), 'agentcrate-event-seqs-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(root, `case-${++n}.db`);
const ev = (type: string, at = 1) => ({ type, runId: 'r', at });
const usage = { inputTokens: 1, outputTokens: 1 };
const ONE_TWO_THREE = [
  [1, 'one'],
  [2, 'two'],
  [3, 'three'],
];

describe('SQLite event seqs', () => {
  it('numbers the batches of several jobs written in one turn, each after its own', async () => {
    const store = await createSqliteStore(freshPath(), { backgroundCheckpoint: false });
    try {
      const a = await store.createJob({ id: 'a', workflow: 'wf', inputs: {}, claim: true });
      expect(a.job).toEqual(await store.getJob('a'));
      await store.createJob({ id: 'b', workflow: 'wf', inputs: { k: [1, 'x'] } });
      await Promise.all([
        store.appendEvents('a', [ev('one'), ev('two')]),
        store.appendEvents('b', [ev('one')]),
        store.appendEvents('a', [ev('three')]),
      ]);
      await store.appendEvents('b', [ev('two'), ev('three')]);
      const seqs = async (id: string) => (await store.listEvents(id)).map((e) => [e.seq, e.event.type]);
      expect(await seqs('a')).toEqual(ONE_TWO_THREE);
      expect(await seqs('b')).toEqual(ONE_TWO_THREE);
    } finally {
      await store.close();
    }
  });

  it('goes on after the events written before a job finished, and starts over for a deleted id given again', async () => {
    let clock = 1_000;
    const store = await createSqliteStore(freshPath(), { backgroundCheckpoint: false, now: () => clock });
    try {
      await store.createJob({ id: 'x', workflow: 'wf', inputs: {}, claim: true });
      await store.appendEvents('x', [ev('a'), ev('b')]);
      expect(await store.cancelJob('x')).toBe(true);
      // A cancelled run's last events come after its job finished.
      await store.appendEvents('x', [ev('c')]);
      expect((await store.listEvents('x')).map((e) => e.seq)).toEqual([1, 2, 3]);

      clock = 5_000;
      expect(await store.deleteFinishedBefore(2_000)).toBe(1);
      await store.createJob({ id: 'x', workflow: 'wf', inputs: {}, claim: true });
      await store.appendEvents('x', [ev('again')]);
      expect((await store.listEvents('x')).map((e) => [e.seq, e.event.type])).toEqual([[1, 'again']]);
      await store.completeJob('x', { outputs: {}, executionTimeMs: 1, usage });
    } finally {
      await store.close();
    }
  });

  it('a failed append leaves the numbering as it was, in its turn and after', async () => {
    const store = await createSqliteStore(freshPath(), { backgroundCheckpoint: false });
    try {
      await store.createJob({ id: 'a', workflow: 'wf', inputs: {}, claim: true });
      const settled = await Promise.allSettled([
        store.appendEvents('a', [ev('one')]),
        store.appendEvents('missing', [ev('lost')]),
        store.appendEvents('a', [ev('two')]),
      ]);
      expect(settled.map((s) => s.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
      await store.appendEvents('a', [ev('three')]);
      expect((await store.listEvents('a')).map((e) => [e.seq, e.event.type])).toEqual(ONE_TWO_THREE);
    } finally {
      await store.close();
    }
  });

  it('looks the seq up again when another connection wrote a batch of the job in between', async () => {
    const path = freshPath();
    const store = await createSqliteStore(path, { backgroundCheckpoint: false });
    const other = new DatabaseSync(path);
    try {
      await store.createJob({ id: 'a', workflow: 'wf', inputs: {}, claim: true });
      await store.appendEvents('a', [ev('one')]);
      other.exec('PRAGMA busy_timeout = 5000');
      other
        .prepare('INSERT INTO event_batches (job_id, seq, last_seq, run_id, data) VALUES (?, 2, 2, NULL, ?)')
        .run('a', JSON.stringify([ev('elsewhere')]));
      await store.appendEvents('a', [ev('two')]);
      expect((await store.listEvents('a')).map((e) => [e.seq, e.event.type])).toEqual([
        [1, 'one'],
        [2, 'elsewhere'],
        [3, 'two'],
      ]);
    } finally {
      other.close();
      await store.close();
    }
  });
});

describe('LastSeqs', () => {
  it('forgets everything once a transaction was rolled back', () => {
    let rollbacks = 0;
    const seqs = new LastSeqs(() => rollbacks);
    seqs.set('a', 4);
    seqs.set('b', 0);
    expect(seqs.get('a')).toBe(4);
    rollbacks += 1;
    expect(seqs.get('b')).toBeUndefined();
    expect(seqs.get('a')).toBeUndefined();
    seqs.set('a', 7);
    expect(seqs.get('a')).toBe(7);
  });

  it('keeps a bounded number of jobs', () => {
    const seqs = new LastSeqs(() => 0);
    for (let i = 0; i < 10_000; i++) seqs.set(`j${i}`, i);
    expect(seqs.get('j9999')).toBe(9999);
    seqs.set('one-more', 1);
    expect(seqs.get('j0')).toBeUndefined();
    expect(seqs.get('one-more')).toBe(1);
  });
});
