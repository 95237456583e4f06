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

  it('upgrades a version-1 store in place: jobs and events kept, the span tables dropped', async () => {
    const path = join(root, 'v1', 'agentcrate.db');
    const first = await createSqliteStore(path);
    await first.createJob({ id: 'j1', workflow: 'wf', inputs: { topic: 'x' } });
    await first.appendEvent('j1', { type: 'run-start', at: 1 });
    await first.close();
    // Put the file back the way version 1 left it: its span tables (with a row) and index,
    // and none of the tables later versions add.
    const old = new DatabaseSync(path);
    old.exec(`DROP TABLE memory; DROP TABLE lease; DROP TABLE event_batches;
      CREATE TABLE events (job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
        type TEXT NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (job_id, seq)) WITHOUT ROWID;
      INSERT INTO events VALUES ('j1', 1, 'run-start', 1, '{"type":"run-start","at":1}');
      ALTER TABLE jobs DROP COLUMN crashes; ALTER TABLE jobs DROP COLUMN blamed_crashes;
      ALTER TABLE jobs RENAME COLUMN max_crashes TO max_attempts; UPDATE jobs SET max_attempts = 5;
      CREATE TABLE spans (trace_id TEXT NOT NULL, span_id TEXT NOT NULL, parent_span_id TEXT,
        name TEXT NOT NULL, start_ms INTEGER NOT NULL, end_ms INTEGER NOT NULL, status TEXT NOT NULL,
        attributes TEXT NOT NULL, job_id TEXT, PRIMARY KEY (trace_id, span_id));
      CREATE INDEX spans_by_job ON spans (job_id) WHERE job_id IS NOT NULL;
      INSERT INTO spans VALUES ('${'a'.repeat(32)}', '${'b'.repeat(16)}', NULL, 'run wf', 1, 2, 'ok', '{}', 'j1');
      CREATE TABLE traces (trace_id TEXT PRIMARY KEY, name TEXT NOT NULL, start_ms INTEGER NOT NULL,
        end_ms INTEGER NOT NULL, span_count INTEGER NOT NULL, status TEXT NOT NULL, job_id TEXT) WITHOUT ROWID;
      PRAGMA user_version = 1`);
    old.close();

    const store = await createSqliteStore(path);
    try {
      // The old claim limit carries over as the crash limit; crash counts start at zero.
      expect(await store.getJob('j1')).toMatchObject({
        inputs: { topic: 'x' },
        maxCrashes: 5,
        crashes: 0,
        blamedCrashes: 0,
      });
      expect((await store.listEvents('j1')).map((e) => e.event.type)).toEqual(['run-start']);
      const peek = new DatabaseSync(path);
      try {
        expect(peek.prepare('PRAGMA user_version').get()).toEqual({ user_version: SCHEMA_VERSION });
        expect(
          peek
            .prepare("SELECT name FROM sqlite_master WHERE name IN ('spans', 'traces', 'spans_by_job')")
            .all(),
        ).toEqual([]);
      } finally {
        peek.close();
      }
    } finally {
      await store.close();
    }
  });

  it('upgrades a version-5 store: its event rows become batches, listed and numbered on as before', async () => {
    const path = join(root, 'v5', 'agentcrate.db');
    const first = await createSqliteStore(path);
    await first.createJob({ id: 'j5', workflow: 'wf', inputs: {} });
    await first.close();
    const old = new DatabaseSync(path);
    const event = (seq: number, type: string) =>
      JSON.stringify({ type, runId: 'j5', at: seq, ...(type === 'node-end' ? { writes: { a: 'x' } } : {}) });
    old.exec(`DROP TABLE event_batches;
      CREATE TABLE events (job_id TEXT NOT NULL REFERENCES jobs(id) ON DELETE CASCADE, seq INTEGER NOT NULL,
        type TEXT NOT NULL, at INTEGER NOT NULL, data TEXT NOT NULL, PRIMARY KEY (job_id, seq)) WITHOUT ROWID;
      INSERT INTO events VALUES ('j5', 1, 'run-start', 1, '${event(1, 'run-start')}'),
        ('j5', 2, 'node-start', 2, '${event(2, 'node-start')}'), ('j5', 3, 'node-end', 3, '${event(3, 'node-end')}');
      PRAGMA user_version = 5`);
    old.close();

    const store = await createSqliteStore(path);
    try {
      const listed = await store.listEvents('j5');
      expect(listed.map((e) => [e.seq, JSON.stringify(e.event)])).toEqual([
        [1, event(1, 'run-start')],
        [2, event(2, 'node-start')],
        [3, event(3, 'node-end')],
      ]);
      const [next] = await store.appendEvents('j5', [{ type: 'run-end', at: 4 }]);
      expect(next?.seq).toBe(4);
      expect((await store.listEvents('j5', 2)).map((e) => e.seq)).toEqual([3, 4]);
      expect((await store.listEvents('j5', 0, 2)).map((e) => e.seq)).toEqual([1, 2]);
    } finally {
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
          [1, 2, 'run-1'],
          [3, 4, null],
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
      expect((await store.listEvents('run-1', 1, 2)).map((e) => e.event.type)).toEqual(['node-end', 'x']);
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
