/**
 * A runaway query must stop using CPU when its time is up: nothing of it may keep running
 * (no thread in this process, no query process), however many calls time out. Measured with
 * thread and process counts and CPU time, never with wall-clock speed.
 */
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { SQL_CHILD_SOURCE } from '../../src/tools/builtin/sql-child.js';
import { SQL_PROCESS_TITLE } from '../../src/tools/builtin/sql-process.js';
import { createToolRegistry } from '../../src/tools/index.js';
import { cpuTicks, HAS_PROC, processesMatching, threadCount, waitUntil } from '../support/proc.js';
import { makeCtx, rejection } from './helpers.js';

const sql = createToolRegistry().get('sql_query')!;
const RUNAWAY = 'WITH RECURSIVE n(x) AS (SELECT 1 UNION ALL SELECT x + 1 FROM n) SELECT count(*) FROM n';

const queryProcesses = () => processesMatching(SQL_PROCESS_TITLE, process.pid);

const failure = rejection;

/** Threads after one quick query, once anything that query started has had time to end. */
async function warmBaseline(): Promise<number> {
  await sql.run({ query: 'SELECT 1 AS one' }, makeCtx());
  await new Promise((r) => setTimeout(r, 300));
  return threadCount();
}

describe.skipIf(!HAS_PROC)('sql_query: a timed-out query stops (needs Linux /proc)', () => {
  it('leaves no thread or process behind, and this process goes back to idle', async () => {
    const baseline = await warmBaseline();
    const error = await failure(sql.run({ query: RUNAWAY }, makeCtx({ config: { timeout_seconds: 0.5 } })));
    expect(error.code).toBe('E_TOOL');
    expect(error.message).toMatch(/longer than 0.5s/);
    // Within a second of the timeout: no query process, no extra thread.
    await waitUntil(
      () => queryProcesses().length === 0 && threadCount() <= baseline,
      1_000,
      'the query to stop',
    );
    // And the process is idle: over one second it uses well under a core.
    const before = process.cpuUsage();
    await new Promise((r) => setTimeout(r, 1_000));
    const used = process.cpuUsage(before);
    expect((used.user + used.system) / 1_000).toBeLessThan(500);
  });

  it('does not accumulate threads or processes over many timeouts, and bounds concurrency', async () => {
    const baseline = await warmBaseline();
    let peak = 0;
    const sampler = setInterval(() => {
      peak = Math.max(peak, queryProcesses().length);
    }, 10);
    try {
      const ctx = makeCtx({ config: { timeout_seconds: 0.3, max_concurrent: 1 } });
      const errors = await Promise.all([1, 2, 3, 4].map(() => failure(sql.run({ query: RUNAWAY }, ctx))));
      for (const error of errors) expect(error.message).toMatch(/longer than 0.3s/);
    } finally {
      clearInterval(sampler);
    }
    expect(peak).toBe(1);
    expect(queryProcesses()).toEqual([]);
    await waitUntil(() => threadCount() <= baseline, 1_000, 'threads to go back to the baseline');
  });

  it('kills the query when the run is cancelled', async () => {
    const controller = new AbortController();
    const call = failure(sql.run({ query: RUNAWAY }, makeCtx({ signal: controller.signal })));
    await waitUntil(() => queryProcesses().length === 1, 10_000, 'the query process to start');
    const [child] = queryProcesses();
    controller.abort();
    expect((await call).code).toBe('E_CANCELLED');
    expect(cpuTicks(child!.pid)).toBeUndefined();
  });

  it('a query process whose parent is killed with SIGKILL kills itself', async () => {
    // A stand-in parent: starts the query process exactly as the tool does, then waits.
    const parentSource = `
      const { spawn } = require('node:child_process');
      const child = spawn(process.execPath, ['--title=${SQL_PROCESS_TITLE}-orphan', '-e', process.env.CHILD_SOURCE], { stdio: ['pipe', 'ignore', 'inherit'], env: {} });
      child.stdin.write(JSON.stringify({ database: ':memory:', query: process.env.QUERY, params: [], maxRows: 10,
        maxCellChars: 100, maxValueBytes: 1e6, deadlineMs: 600000, heapMb: 32 }) + '\\n');
      console.log(child.pid);
      setInterval(() => {}, 1000);`;
    const parent = spawn(process.execPath, ['-e', parentSource], {
      env: { CHILD_SOURCE: SQL_CHILD_SOURCE, QUERY: RUNAWAY },
      stdio: ['ignore', 'pipe', 'inherit'],
    });
    try {
      const childPid = await new Promise<number>((resolve) =>
        parent.stdout.once('data', (d: Buffer) => resolve(Number(String(d).trim()))),
      );
      // The query is running: the child is burning CPU.
      const start = cpuTicks(childPid) ?? 0;
      await waitUntil(() => (cpuTicks(childPid) ?? 0) > start + 10, 10_000, 'the query to use CPU');
      parent.kill('SIGKILL');
      await waitUntil(() => cpuTicks(childPid) === undefined, 1_000, 'the orphaned query to stop');
    } finally {
      parent.kill('SIGKILL');
    }
  });
});
