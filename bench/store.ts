/**
 * Store throughput for the per-run sequence the server performs: create + claim + one
 * checkpoint + a few events + complete. Run with `node_modules/.bin/node bench/store.ts
 * [runs] [concurrency] [--inline-checkpoint]` (Node 24 strips the types itself; no build
 * needed). `--inline-checkpoint` turns off the background WAL checkpointer, for comparison.
 *
 * Prints runs/s against a real file (WAL) in a temp dir, issuing runs `concurrency` at a
 * time like the server's c=50 load; the target is well above 5,000 runs/s.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import './lib/ts-sources.mjs';

const { createSqliteStore } = await import('../src/store/index.js');

const args = process.argv.slice(2).filter((arg) => !arg.startsWith('--'));
const inlineCheckpoint = process.argv.includes('--inline-checkpoint');
const runs = Number(args[0] ?? 5000);
const concurrency = Number(args[1] ?? 50);
const dir = mkdtempSync(join(tmpdir(), 'agentcrate-bench-store-'));
const store = await createSqliteStore(join(dir, 'bench.db'), { backgroundCheckpoint: !inlineCheckpoint });

const inputs = { topic: 'the history of containers', audience: 'engineers', depth: 3 };

async function oneRun(i: number): Promise<void> {
  const id = `run-${i}`;
  await store.createJob({ id, workflow: 'research-brief', inputs });
  const job = await store.claimJob(id);
  if (job === undefined) throw new Error(`claim failed for ${id}`);
  const at = Date.now();
  await store.appendEvents(id, [
    { type: 'run-start', at, runId: id, workflow: 'research-brief', inputs, resumed: false, dryRun: false },
    { type: 'node-start', at, runId: id, nodeId: 'research', step: 1, iteration: 1 },
  ] as never);
  await store.saveCheckpoint(id, {
    runId: id,
    step: 1,
    state: { ...inputs, notes: 'Containers began with chroot in 1979 and grew into namespaces and cgroups.' },
    completed: ['research'],
    pending: [{ nodeId: 'write', arrivals: 1 }],
    usage: { inputTokens: 120, outputTokens: 80 },
    elapsedMs: 12,
  });
  await store.appendEvents(id, [
    { type: 'node-end', at, runId: id, nodeId: 'research', step: 1, iteration: 1, ok: true, durationMs: 12 },
    { type: 'run-end', at, runId: id, status: 'success', outputs: { brief: 'ok' }, steps: 1, durationMs: 12 },
  ] as never);
  await store.completeJob(id, {
    outputs: { brief: 'Containers: a short history.' },
    executionTimeMs: 12,
    usage: { inputTokens: 120, outputTokens: 80 },
  });
}

try {
  // Warm up prepared statements and the page cache outside the timed section.
  for (let i = 0; i < 200; i++) await oneRun(-1 - i);

  const cpuBefore = process.cpuUsage();
  const started = performance.now();
  let next = 0;
  const worker = async () => {
    while (next < runs) await oneRun(next++);
  };
  await Promise.all(Array.from({ length: concurrency }, worker));
  const seconds = (performance.now() - started) / 1000;
  // CPU time (all threads) is the steadier figure on a busy machine, where wall time inflates.
  const cpu = process.cpuUsage(cpuBefore);
  const cpuSeconds = (cpu.user + cpu.system) / 1e6;

  const counts = await store.countByStatus();
  if (counts.completed !== runs + 200)
    throw new Error(`expected ${runs + 200} completed, got ${counts.completed}`);
  console.log(
    `store: ${runs} runs (create + claim + checkpoint + 4 events + complete) at c=${concurrency}` +
      `${inlineCheckpoint ? ', inline checkpoints' : ''}: ` +
      `${Math.round(runs / seconds)} runs/s (${((seconds * 1e6) / runs).toFixed(0)} µs/run wall, ` +
      `${((cpuSeconds * 1e6) / runs).toFixed(0)} µs/run CPU = ${Math.round(runs / cpuSeconds)} runs per CPU-second)`,
  );
} finally {
  await store.close();
  rmSync(dir, { recursive: true, force: true });
}
