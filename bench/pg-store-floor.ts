/**
 * The stores alone, without HTTP, engine or model: what a sync `/run` of the one-call workflow
 * asks of the store (create the job claimed; then its events and its completion in the same
 * turn), `concurrency` runs at a time, on the PostgreSQL store and the SQLite store in
 * alternating rounds of one process. Says how much of the server-level gap between the two
 * (bench/pg-replicas.mjs) the stores themselves account for (BENCHMARKS.md, "PostgreSQL store").
 *
 *   node_modules/.bin/node bench/pg-store-floor.ts postgres://user:pass@127.0.0.1:5432/db [seconds=3] [rounds=3] [concurrency=50]
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import './lib/ts-sources.mjs';

const { createSqliteStore } = await import('../src/store/index.js');
const { createPostgresStore } = await import('../src/store/postgres/index.js');

const url = process.argv[2];
if (!url) {
  console.error('usage: node bench/pg-store-floor.ts <postgres-url> [seconds] [rounds] [concurrency]');
  process.exit(2);
}
const seconds = Number(process.argv[3] ?? 3);
const rounds = Number(process.argv[4] ?? 3);
const concurrency = Number(process.argv[5] ?? 50);
const schema = `bench_floor_${process.pid}`;
const dir = mkdtempSync(join(tmpdir(), 'agentcrate-pg-floor-'));
const inputs = { topic: 'containers' };
const text = 'Containers package an application with its dependencies. '.repeat(2);
const events = (at: number) => [
  { type: 'run-start', at, runId: 'r', inputs },
  { type: 'node-start', at, runId: 'r', nodeId: 'answer' },
  { type: 'model-call', at, runId: 'r', nodeId: 'answer', inputTokens: 12, outputTokens: 24 },
  { type: 'node-end', at, runId: 'r', nodeId: 'answer', outputs: { answer: text } },
  { type: 'run-end', at, runId: 'r', status: 'success', outputs: { answer: text } },
];

type Store = Awaited<ReturnType<typeof createSqliteStore>>;
const stores: Record<string, Store> = {
  sqlite: await createSqliteStore(join(dir, 'floor.db')),
  postgres: await createPostgresStore(`${url}${url.includes('?') ? '&' : '?'}schema=${schema}`),
};
for (const store of Object.values(stores)) await store.acquireLease();

let n = 0;
async function oneRun(store: Store): Promise<void> {
  const id = `run-${++n}`;
  await store.createJob({ id, workflow: 'one', inputs, claim: true });
  const at = Date.now();
  await Promise.all([
    store.appendEvents(id, events(at)),
    store.completeJob(id, {
      outputs: { answer: text },
      executionTimeMs: 1,
      usage: { inputTokens: 12, outputTokens: 24 },
      progress: { step: 1, nodesDone: ['answer'] },
    }),
  ]);
}

async function measure(store: Store): Promise<number> {
  const end = Date.now() + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: concurrency }, async () => {
      while (Date.now() < end) {
        await oneRun(store);
        done++;
      }
    }),
  );
  return done / seconds;
}

const samples: Record<string, number[]> = { sqlite: [], postgres: [] };
try {
  for (const store of Object.values(stores)) await measure(store); // warm-up
  for (let i = 0; i < rounds; i++) {
    const order = i % 2 ? ['postgres', 'sqlite'] : ['sqlite', 'postgres'];
    for (const name of order) samples[name]!.push(await measure(stores[name]!));
  }
  const median = (v: number[]) => [...v].sort((a, b) => a - b)[Math.floor(v.length / 2)]!;
  console.log(`store calls of a one-call sync run, c=${concurrency}, ${seconds} s × ${rounds} in turns:`);
  for (const [name, v] of Object.entries(samples)) {
    console.log(`  ${name.padEnd(9)} ${Math.round(median(v))} runs/s (${v.map(Math.round).join(', ')})`);
  }
  console.log(`  postgres / sqlite: ${(median(samples.postgres!) / median(samples.sqlite!)).toFixed(2)}`);
} finally {
  for (const store of Object.values(stores)) await store.close();
  const sql = postgres(url, { max: 1, onnotice: () => {} });
  await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await sql.end();
  rmSync(dir, { recursive: true, force: true });
}
