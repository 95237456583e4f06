/**
 * The SQLite store's group commit on a real file: the writes of one event-loop turn, from
 * several runs, share one transaction; a write that fails is rejected alone; a write resolves
 * only once committed, so a process killed with -9 keeps every write it had seen resolve.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { AgentcrateError } from '../../src/errors.js';
import { createSqliteStore } from '../../src/store/index.js';

const ROOT = resolve(import.meta.dirname, '../..');
const root = mkdtempSync(join(tmpdir(), 'agentcrate-group-commit-'));
afterAll(() => rmSync(root, { recursive: true, force: true }));
let n = 0;
const freshPath = () => join(root, `case-${++n}.db`);

/** Commits in the WAL file: frames of the current WAL generation whose header marks a commit. */
function walCommits(dbPath: string): number {
  const wal = readFileSync(`${dbPath}-wal`);
  if (wal.length < 32) return 0;
  const pageSize = wal.readUInt32BE(8);
  const [salt1, salt2] = [wal.readUInt32BE(16), wal.readUInt32BE(20)];
  let commits = 0;
  for (let at = 32; at + 24 + pageSize <= wal.length; at += 24 + pageSize) {
    if (wal.readUInt32BE(at + 8) !== salt1 || wal.readUInt32BE(at + 12) !== salt2) break;
    if (wal.readUInt32BE(at + 4) !== 0) commits += 1;
  }
  return commits;
}

const mem = (value: number) => ({
  op: 'set' as const,
  agent: 'a',
  workflow: '*',
  node: '*',
  key: 'k',
  value,
});
const event = (runId: string) => ({ type: 'run-start', runId, at: 1, workflow: 'wf', inputs: {} });

describe('SQLite group commit', () => {
  it('commits the writes of one turn, from several runs, in one transaction', async () => {
    const path = freshPath();
    // No background checkpoint, so the WAL keeps every commit frame for the count.
    const store = await createSqliteStore(path, { backgroundCheckpoint: false });
    try {
      await store.createJob({ id: 'r1', workflow: 'wf', inputs: {}, claim: true });
      await store.createJob({ id: 'r2', workflow: 'wf', inputs: {}, claim: true });
      const before = walCommits(path);
      const usage = { inputTokens: 1, outputTokens: 1 };
      const turn = [
        store.appendEvents('r1', [event('r1')]),
        store.completeJob('r1', { outputs: { a: 1 }, executionTimeMs: 1, usage }),
        store.appendEvents('r2', [event('r2')]),
        store.completeJob('r2', { outputs: { a: 2 }, executionTimeMs: 1, usage }),
        store.createJob({ id: 'r3', workflow: 'wf', inputs: { x: 1 }, claim: true }),
      ];
      await Promise.all(turn);
      expect(walCommits(path) - before).toBe(1);
      expect((await store.getJob('r1'))?.status).toBe('completed');
      expect((await store.getJob('r2'))?.outputs).toEqual({ a: 2 });
      expect((await store.listEvents('r2')).map((e) => e.seq)).toEqual([1]);
      expect((await store.getJob('r3'))?.status).toBe('running');
    } finally {
      await store.close();
    }
  });

  it('rejects a failing write alone: the others of its turn commit', async () => {
    const path = freshPath();
    const store = await createSqliteStore(path, { backgroundCheckpoint: false });
    try {
      await store.createJob({ id: 'taken', workflow: 'wf', inputs: {} });
      await store.memory.apply([mem(1)]);
      const before = walCommits(path);
      const settled = await Promise.allSettled([
        store.createJob({ id: 'a', workflow: 'wf', inputs: {} }),
        store.createJob({ id: 'taken', workflow: 'wf', inputs: {} }), // the id exists
        store.appendEvents('nobody', [event('nobody')]), // no such job
        // An atomic write failing after its first statement: its memory write is taken back.
        store.saveCheckpoint(
          'nobody',
          { step: 1, completed: ['n'] },
          {
            memory: [mem(2)],
          },
        ),
        store.appendEvents('a', [event('a')]),
        store.createJob({ id: 'b', workflow: 'wf', inputs: {} }),
      ]);
      expect(settled.map((s) => s.status)).toEqual([
        'fulfilled',
        'rejected',
        'rejected',
        'rejected',
        'fulfilled',
        'fulfilled',
      ]);
      const codes = settled.map((s) =>
        s.status === 'rejected' ? (s.reason as AgentcrateError).code : undefined,
      );
      expect(codes).toEqual([undefined, 'E_CONFLICT', 'E_NOT_FOUND', 'E_NOT_FOUND', undefined, undefined]);
      expect(walCommits(path) - before).toBe(1);
      expect((await store.getJob('a'))?.status).toBe('pending');
      expect((await store.getJob('b'))?.status).toBe('pending');
      expect((await store.listEvents('a')).length).toBe(1);
      expect(await store.listEvents('nobody')).toEqual([]);
      expect((await store.memory.get('a:*:*:k'))?.value).toBe(1);
      // Nothing was left half-done: the next turn writes as usual.
      await store.createJob({ id: 'c', workflow: 'wf', inputs: {} });
      expect((await store.getJob('c'))?.id).toBe('c');
    } finally {
      await store.close();
    }
  });

  it('keeps every write a process saw resolve when it is killed with -9 mid-load', async () => {
    const path = freshPath();
    const script = join(root, 'writer.ts');
    // Runs 20 at a time, each: a job stored claimed, its events, its completion (as a served
    // 1-step run); prints a job's id once its completion resolved.
    writeFileSync(
      script,
      `import { createSqliteStore } from ${JSON.stringify(join(ROOT, 'src/store/index.ts'))};
const store = await createSqliteStore(${JSON.stringify(path)});
let next = 0;
const usage = { inputTokens: 1, outputTokens: 1 };
async function worker() {
  for (;;) {
    const id = 'job-' + String(next++).padStart(6, '0');
    await store.createJob({ id, workflow: 'wf', inputs: { n: id }, claim: true });
    await Promise.all([
      store.appendEvents(id, [{ type: 'run-start', runId: id, at: 1, workflow: 'wf', inputs: {} }]),
      store.completeJob(id, { outputs: { id }, executionTimeMs: 1, usage }),
    ]);
    process.stdout.write(id + '\\n');
  }
}
for (let i = 0; i < 20; i++) void worker();
`,
    );
    const child = spawn(
      join(ROOT, 'node_modules/.bin/node'),
      ['--import', join(ROOT, 'test/server/support/register-ts.mjs'), script],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    let out = '';
    let err = '';
    child.stderr.on('data', (chunk) => {
      err += chunk;
    });
    const exited = new Promise((r) => child.once('exit', r));
    await new Promise<void>((ready, fail) => {
      const timer = setTimeout(() => fail(new Error(`the writer did not get going:\n${err}`)), 20_000);
      child.stdout.on('data', (chunk) => {
        out += chunk;
        if (out.split('\n').length > 2000) {
          clearTimeout(timer);
          child.kill('SIGKILL');
          ready();
        }
      });
    });
    await exited;
    const seen = out.split('\n').slice(0, -1); // the last line may be cut short
    const store = await createSqliteStore(path);
    try {
      const counts = await store.countByStatus();
      // Every completion it saw resolve is stored, with its events; jobs it had not yet seen
      // complete are running or completed, never half-written.
      for (const id of [seen[0]!, seen[Math.floor(seen.length / 2)]!, seen.at(-1)!]) {
        expect((await store.getJob(id))?.status).toBe('completed');
        expect((await store.listEvents(id)).length).toBe(1);
      }
      const completed = (await store.listJobs({ status: 'completed', limit: 100 })).jobs;
      expect(counts.completed).toBeGreaterThanOrEqual(seen.length);
      expect(counts.pending + counts.failed + counts.cancelled).toBe(0);
      for (const job of completed) expect(job.outputs).toEqual({ id: job.id });
      let missing = 0;
      for (const id of seen) if ((await store.getJob(id))?.status !== 'completed') missing += 1;
      expect(missing).toBe(0);
    } finally {
      await store.close();
    }
  }, 60_000);
});
