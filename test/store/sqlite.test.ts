import { existsSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DatabaseSync } from 'node:sqlite';
import { afterAll, describe, expect, it } from 'vitest';
import { AgentcrateError } from '../../src/errors.js';
import { createSqliteStore } from '../../src/store/index.js';
import { SCHEMA_VERSION } from '../../src/store/sqlite/index.js';
import { runStoreContract } from './contract.js';

const root = mkdtempSync(join(tmpdir(), 'agentcrate-store-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
const freshPath = () => join(root, `case-${++n}`, 'jobs.db');

runStoreContract('sqlite file', async () => {
  const path = freshPath();
  const store = await createSqliteStore(path);
  return {
    store,
    reopen: () => createSqliteStore(path),
    cleanup: async () => {
      await store.close();
    },
  };
});

runStoreContract('sqlite :memory:', async () => {
  const store = await createSqliteStore(':memory:');
  return { store, cleanup: () => store.close() };
});

async function openError(path: string): Promise<AgentcrateError> {
  const error = await createSqliteStore(path).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentcrateError);
  expect((error as AgentcrateError).code).toBe('E_STORE');
  return error as AgentcrateError;
}

describe('createSqliteStore (SQLite specifics)', () => {
  it('creates missing parent directories and sets up WAL and the schema version', async () => {
    const path = join(root, 'deep', 'er', 'agentcrate.db');
    const store = await createSqliteStore(path);
    await store.createJob({ id: 'j', workflow: 'wf', inputs: {} });
    const peek = new DatabaseSync(path);
    try {
      expect(peek.prepare('PRAGMA journal_mode').get()).toEqual({ journal_mode: 'wal' });
      expect(peek.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION });
      // A second connection sees the committed row while the store is still open (WAL).
      expect(peek.prepare('SELECT id FROM jobs').all()).toEqual([{ id: 'j' }]);
    } finally {
      peek.close();
      await store.close();
    }
  });

  it('stores a batch of events as one row, the runId its events repeat kept once', async () => {
    const path = freshPath();
    const store = await createSqliteStore(path);
    try {
      await store.createJob({ id: 'run-1', workflow: 'wf', inputs: {} });
      const events = [
        { type: 'node-start', runId: 'run-1', at: 1, nodeId: 'a' },
        { type: 'node-end', runId: 'run-1', at: 2, nodeId: 'a', writes: { note: '"runId":"run-1"' } },
        // A type JSON escapes (a quote, a backslash) before the runId.
        { type: 'say "hi" \\", "runId"', runId: 'run-1', at: 2 },
      ];
      await store.appendEvents('run-1', events);
      // Not the job's runId everywhere, or not right after the type: kept as written.
      const odd = [
        { type: 'x', runId: 'other', at: 3 },
        { type: 'y', at: 4, runId: 'other' },
      ];
      await store.appendEvents('run-1', odd);
      const peek = new DatabaseSync(path);
      try {
        const rows = peek.prepare('SELECT seq, last_seq, run_id, data FROM event_batches ORDER BY seq').all();
        expect(rows.map((r) => [r.seq, r.last_seq, r.run_id])).toEqual([
          [1, 3, 'run-1'],
          [4, 5, null],
        ]);
        expect(String(rows[0]?.data)).not.toContain('"runId":"run-1",');
      } finally {
        peek.close();
      }
      const listed = await store.listEvents('run-1');
      // Exactly as appended, key order included (SSE clients receive this JSON).
      expect(listed.map((e) => JSON.stringify(e.event))).toEqual(
        [...events, ...odd].map((e) => JSON.stringify(e)),
      );
      expect((await store.listEvents('run-1', 1, 2)).map((e) => e.event.type)).toEqual([
        'node-end',
        'say "hi" \\", "runId"',
      ]);
    } finally {
      await store.close();
    }
  });

  it('fails clearly, naming the path, when the directory cannot be created', async () => {
    const blocker = join(root, 'a-file');
    writeFileSync(blocker, 'not a directory');
    const path = join(blocker, 'sub', 'jobs.db');
    const error = await openError(path);
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/writable directory/);
  });

  it('fails clearly when the path is a directory', async () => {
    const path = mkdtempSync(join(root, 'dir-'));
    const error = await openError(path);
    expect(error.message).toContain(path);
  });

  it('fails clearly on a file that is not a SQLite database', async () => {
    const path = join(root, 'garbage.db');
    writeFileSync(path, 'this is definitely not a sqlite file '.repeat(200));
    const error = await openError(path);
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/not a SQLite database or is corrupt/);
  });

  it('refuses a file written by a newer schema', async () => {
    const path = join(root, 'future.db');
    const db = new DatabaseSync(path);
    db.exec('PRAGMA user_version = 99');
    db.close();
    const error = await openError(path);
    expect(error.message).toContain(path);
    expect(error.message).toMatch(/schema version 99/);
  });

  it('rejects an empty path', async () => {
    await openError('  ');
  });

  it('reopens an existing file without re-running migrations', async () => {
    const path = freshPath();
    const first = await createSqliteStore(path);
    await first.createJob({ id: 'keep', workflow: 'wf', inputs: { a: 1 } });
    await first.close();
    const second = await createSqliteStore(path);
    expect((await second.getJob('keep'))?.inputs).toEqual({ a: 1 });
    await second.close();
  });

  it('two connections on one file never claim the same job twice', async () => {
    const path = freshPath();
    const a = await createSqliteStore(path);
    const b = await createSqliteStore(path);
    try {
      for (let i = 0; i < 20; i++) await a.createJob({ id: `j${i}`, workflow: 'wf', inputs: {} });
      const claimed: string[] = [];
      for (let i = 0; i < 15; i++) {
        for (const store of [a, b]) {
          const job = await store.claimNextPending();
          if (job) claimed.push(job.id);
        }
      }
      expect(claimed).toHaveLength(20);
      expect(new Set(claimed).size).toBe(20);
      expect(await b.claimJob('j0')).toBeUndefined();
    } finally {
      await a.close();
      await b.close();
    }
  });

  it('folds the WAL back into the database file in the background', async () => {
    const path = freshPath();
    const store = await createSqliteStore(path);
    try {
      const before = statSync(path).size;
      const inputs = { blob: 'x'.repeat(2000) };
      // ~500 pages: far below the inline auto-checkpoint threshold, so only the worker moves them.
      await Promise.all(
        Array.from({ length: 1000 }, (_, i) => store.createJob({ id: `w${i}`, workflow: 'wf', inputs })),
      );
      expect(statSync(`${path}-wal`).size).toBeGreaterThan(1_000_000);
      const deadline = Date.now() + 5000;
      while (statSync(path).size < before + 1_000_000 && Date.now() < deadline) await sleep(50);
      expect(statSync(path).size).toBeGreaterThan(before + 1_000_000);
    } finally {
      await store.close();
    }
    // The last connection to close removes the WAL.
    expect(existsSync(`${path}-wal`)).toBe(false);
  });

  it('releaseMemory stops the checkpoint worker; the next writes start it again and nothing is lost', async () => {
    const path = freshPath();
    const store = await createSqliteStore(path);
    try {
      const inputs = { blob: 'x'.repeat(2000) };
      const burst = (prefix: string) =>
        Promise.all(
          Array.from({ length: 1000 }, (_, i) =>
            store.createJob({ id: `${prefix}${i}`, workflow: 'wf', inputs }),
          ),
        );
      await burst('a');
      expect(store.releaseMemory).toBeTypeOf('function');
      await store.releaseMemory?.();
      await store.releaseMemory?.(); // twice: harmless
      expect((await store.getJob('a999'))?.inputs).toEqual(inputs);
      // Only a running worker folds these ~500 pages back (far below the inline threshold).
      const before = statSync(path).size;
      await burst('b');
      const deadline = Date.now() + 5000;
      while (statSync(path).size < before + 1_000_000 && Date.now() < deadline) await sleep(50);
      expect(statSync(path).size).toBeGreaterThan(before + 1_000_000);
      expect(await store.countByStatus()).toMatchObject({ pending: 2000 });
    } finally {
      await store.close();
    }
    await expect(store.releaseMemory?.()).resolves.toBeUndefined(); // closed: a no-op, not an error
  });

  it('resolves a write only once it is committed, and close commits pending writes', async () => {
    const path = freshPath();
    const store = await createSqliteStore(path);
    const peek = new DatabaseSync(path);
    try {
      const count = () => (peek.prepare('SELECT COUNT(*) AS n FROM jobs').get() as { n: number }).n;
      const first = store.createJob({ id: 'g1', workflow: 'wf', inputs: {} });
      const second = store.createJob({ id: 'g2', workflow: 'wf', inputs: {} });
      expect(count()).toBe(0); // still in the open group transaction
      await Promise.all([first, second]);
      expect(count()).toBe(2);
      const pending = store.createJob({ id: 'g3', workflow: 'wf', inputs: {} });
      await store.close();
      expect((await pending).created).toBe(true);
      expect(count()).toBe(3);
    } finally {
      peek.close();
      await store.close();
    }
  });

  it('retention sweeps more jobs than one delete chunk', async () => {
    const store = await createSqliteStore(':memory:', { now: () => 1_000 });
    const usage = { inputTokens: 0, outputTokens: 0 };
    await Promise.all(
      Array.from({ length: 1_203 }, async (_, i) => {
        await store.createJob({ id: `r${i}`, workflow: 'wf', inputs: {} });
        await store.appendEvent(`r${i}`, { type: 'run-start', at: 1 });
        if (i % 100 !== 0) await store.completeJob(`r${i}`, { outputs: {}, executionTimeMs: 1, usage });
      }),
    );
    expect(await store.deleteFinishedBefore(2_000)).toBe(1_203 - 13);
    expect(await store.countByStatus()).toMatchObject({ pending: 13, completed: 0 });
    expect(await store.listEvents('r0')).toHaveLength(1);
    expect(await store.listEvents('r1')).toEqual([]);
    await store.close();
  });

  it('uses the injected clock for timestamps', async () => {
    let now = 1_000;
    const store = await createSqliteStore(':memory:', { now: () => now });
    const { job } = await store.createJob({ id: 'c', workflow: 'wf', inputs: {} });
    expect(job.createdAt).toBe(1_000);
    now = 2_000;
    expect((await store.claimJob('c'))?.startedAt).toBe(2_000);
    now = 3_500;
    expect(
      (
        await store.completeJob('c', {
          outputs: {},
          executionTimeMs: 1500,
          usage: { inputTokens: 0, outputTokens: 0 },
        })
      )?.completedAt,
    ).toBe(3_500);
    expect(await store.deleteFinishedBefore(3_500)).toBe(0);
    expect(await store.deleteFinishedBefore(3_501)).toBe(1);
    await store.close();
  });
});
