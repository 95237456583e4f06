/**
 * Bytes written to storage and store CPU per run for the writes a served run makes, without the
 * server: a 1-step run (job stored claimed; one batch of five events and the completion in one
 * turn) or a 3-step run (two checkpoints, each with its node's events, then the end), `c` runs
 * in flight, against a real file with the background WAL checkpointer.
 *   node_modules/.bin/node bench/store-run-bytes.ts [runs=20000] [c=50] [steps=1]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import './lib/ts-sources.mjs';
import { nodeEvents } from './lib/run-events.mjs';

const { createSqliteStore } = await import('../src/store/index.js');
const { uuidv7 } = await import('../src/server/job-id.js');
const runs = Number(process.argv[2] ?? 20000);
const c = Number(process.argv[3] ?? 50);
const steps = Number(process.argv[4] ?? 1);
const dir = mkdtempSync(join(tmpdir(), 'agentcrate-run-bytes-'));
const store = await createSqliteStore(join(dir, 'bench.db'));
const written = () => Number(/write_bytes: (\d+)/.exec(readFileSync('/proc/self/io', 'utf8'))?.[1] ?? 0);
const turn = () => new Promise((resolve) => setImmediate(resolve));
let n = 0;

async function run(): Promise<void> {
  const id = uuidv7();
  const at = Date.now();
  const inputs = { topic: 'cats' };
  await store.createJob({ id, workflow: 'bench', inputs, claim: true });
  const state: Record<string, unknown> = { topic: 'cats' };
  const done: string[] = [];
  const ev = (type: string, extra: object) => ({ type, runId: id, at, ...extra });
  let batch: object[] = [ev('run-start', { workflow: 'bench', inputs, resumed: false, dryRun: false })];
  for (let i = 1; i <= steps; i++) {
    await turn();
    batch.push(...nodeEvents(id, i, at));
    state[`f${i}`] = `mock ${i}`;
    done.push(`n${i}`);
    if (i < steps) {
      const checkpoint = {
        runId: id,
        step: i,
        state: { ...state },
        completed: [...done],
        pending: [],
        usage: {},
        elapsedMs: 1,
      };
      await Promise.all([store.appendEvents(id, batch as never), store.saveCheckpoint(id, checkpoint)]);
      batch = [];
    }
  }
  batch.push(
    ev('run-end', {
      status: 'success',
      outputs: state,
      usage: { inputTokens: 60, outputTokens: 4 },
      durationMs: 6,
      steps,
    }),
  );
  await Promise.all([
    store.appendEvents(id, batch as never),
    store.completeJob(id, {
      outputs: state,
      executionTimeMs: 6,
      usage: { inputTokens: 60, outputTokens: 4 },
      progress: { step: steps, nodesDone: done },
    }),
  ]);
}

async function worker(): Promise<void> {
  while (n < runs) {
    n += 1;
    await run();
  }
}
// Warm up, then measure.
n = -2000;
await Promise.all(Array.from({ length: c }, worker));
const bytes0 = written();
const cpu0 = process.cpuUsage();
const t0 = performance.now();
n = 0;
await Promise.all(Array.from({ length: c }, worker));
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
await store.close();
const bytes = written() - bytes0;
console.log(
  `${steps}-step runs ${runs} c=${c}: ${Math.round(runs / (ms / 1000))} runs/s, CPU ${((cpu.user + cpu.system) / 1000 / runs).toFixed(3)} ms/run, written ${Math.round(bytes / runs)} B/run (close included)`,
);
rmSync(dir, { recursive: true, force: true });
