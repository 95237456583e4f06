// How replicas claim work from PostgreSQL: agentcrate's store (plain `FOR UPDATE SKIP LOCKED`,
// each claimed job leased to its replica) or pg-boss (a maintained queue on PostgreSQL), on
// the same database in the same run. Each round queues N jobs, then 50 workers (the server's
// concurrency) over a pool of 10 connections claim a job and mark it done until none is left;
// jobs/s is N over that time. Rounds alternate between the two; the median is printed.
//
//   npm run build && npm install --prefix bench/peers
//   node bench/pg-queue.mjs postgres://user:pass@127.0.0.1:5432/db [jobs=2000] [rounds=3]
//
// agentcrate's claim and completion carry the job's own row (inputs, outputs, lease, a NOTIFY
// at the end); pg-boss alone moves only its queue row; `pg-boss+rows` is pg-boss as agentcrate
// would use it, the job's row claimed and completed in the store besides.
import { createRequire } from 'node:module';
import { createPostgresStore } from '../dist/store/postgres/index.js';

const require = createRequire(new URL('./peers/package.json', import.meta.url));
const { PgBoss } = require('pg-boss');

const url = process.argv[2];
if (!url) {
  console.error('usage: node bench/pg-queue.mjs <postgres-url> [jobs] [rounds]');
  process.exit(2);
}
const N = Number(process.argv[3] ?? 2000);
const rounds = Number(process.argv[4] ?? 3);
const C = 50;
const POOL = 10;

async function workers(claimAndFinish) {
  const started = performance.now();
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (await claimAndFinish()) {}
    }),
  );
  return N / ((performance.now() - started) / 1000);
}

async function agentcrate(round) {
  const store = await createPostgresStore(url, { schema: `bench_queue_${round}`, poolSize: POOL });
  await store.acquireLease();
  for (let i = 0; i < N; i += 100) {
    await Promise.all(
      Array.from({ length: Math.min(100, N - i) }, (_, k) =>
        store.createJob({ id: `j${i + k}`, workflow: 'bench', inputs: { n: i + k } }),
      ),
    );
  }
  const rate = await workers(async () => {
    const job = await store.claimNextPending();
    if (job === undefined) return false;
    await store.completeJob(job.id, {
      outputs: { ok: true },
      executionTimeMs: 1,
      usage: { inputTokens: 0, outputTokens: 0 },
    });
    return true;
  });
  await store.close();
  return rate;
}

/** pg-boss as agentcrate would use it: the queue in pg-boss, the job's row (status, lease, outputs) in the store. */
async function pgBoss(round, withStore = false) {
  const store = withStore
    ? await createPostgresStore(url, { schema: `bench_rows_${round}`, poolSize: POOL })
    : undefined;
  await store?.acquireLease();
  const boss = new PgBoss({ connectionString: url, schema: `bench_boss_${round}`, max: POOL });
  boss.on('error', () => {});
  await boss.start();
  const queue = 'jobs';
  await boss.createQueue(queue);
  for (let i = 0; i < N; i += 500) {
    await boss.insert(
      queue,
      Array.from({ length: Math.min(500, N - i) }, (_, k) => ({ data: { id: `j${i + k}` } })),
    );
    if (store) {
      await Promise.all(
        Array.from({ length: Math.min(500, N - i) }, (_, k) =>
          store.createJob({ id: `j${i + k}`, workflow: 'bench', inputs: { n: i + k } }),
        ),
      );
    }
  }
  const rate = await workers(async () => {
    const [job] = await boss.fetch(queue);
    if (job === undefined) return false;
    if (store) {
      await store.claimJob(job.data.id);
      await store.completeJob(job.data.id, {
        outputs: { ok: true },
        executionTimeMs: 1,
        usage: { inputTokens: 0, outputTokens: 0 },
      });
    }
    await boss.complete(queue, job.id, { ok: true });
    return true;
  });
  await boss.stop({ graceful: false, wait: true });
  await store?.close();
  return rate;
}

const results = { agentcrate: [], 'pg-boss': [], 'pg-boss+rows': [] };
for (let r = 0; r < rounds; r++) {
  results.agentcrate.push(await agentcrate(`${process.pid}_${r}`));
  results['pg-boss'].push(await pgBoss(`${process.pid}_${r}`));
  results['pg-boss+rows'].push(await pgBoss(`${process.pid}_${r}`, true));
}
const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
for (const [name, xs] of Object.entries(results)) {
  console.log(
    `${name.padEnd(12)} claim + finish at c=${C}: ${Math.round(median(xs))} jobs/s (rounds: ${xs.map(Math.round).join(', ')})`,
  );
}
for (const peer of ['pg-boss', 'pg-boss+rows']) {
  console.log(
    `ratio agentcrate / ${peer}: ${(median(results.agentcrate) / median(results[peer])).toFixed(2)}`,
  );
}
