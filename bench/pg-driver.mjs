// Which PostgreSQL driver for the distributed store: `pg` (node-postgres) or `postgres`
// (postgres.js), measured on the statements the store issues per job, at the server's
// concurrency (c=50 callers over a pool of 10 connections), in alternating rounds.
//
//   node bench/pg-driver.mjs postgres://user:pass@127.0.0.1:5432/db [seconds=3] [rounds=3]
//
// Each workload: create a job (INSERT … RETURNING *), append a batch of 3 events (one CTE
// that reserves seqs on the job row and inserts them), a two-statement transaction (a
// checkpoint: UPDATE the job, upsert the checkpoint), read a job by key. Prints ops/s per
// driver and workload, the median over rounds.
import { randomUUID } from 'node:crypto';
import { createRequire } from 'node:module';
import postgres from 'postgres';

// node-postgres is not a dependency of agentcrate: it comes with the bench peers
// (npm install --prefix bench/peers).
const pg = createRequire(new URL('./peers/package.json', import.meta.url))('pg');

const url = process.argv[2];
if (!url) {
  console.error('usage: node bench/pg-driver.mjs <postgres-url> [seconds] [rounds]');
  process.exit(2);
}
const seconds = Number(process.argv[3] ?? 3);
const rounds = Number(process.argv[4] ?? 3);
const C = 50;
const POOL = 10;

const SCHEMA = `
DROP TABLE IF EXISTS bench_events, bench_checkpoints, bench_jobs;
CREATE TABLE bench_jobs (id text PRIMARY KEY, status text NOT NULL, inputs text NOT NULL,
  created_at bigint NOT NULL, event_seq int NOT NULL DEFAULT 0, progress_step int NOT NULL DEFAULT 0);
CREATE TABLE bench_events (job_id text NOT NULL REFERENCES bench_jobs(id) ON DELETE CASCADE,
  seq int NOT NULL, type text NOT NULL, at bigint NOT NULL, data text NOT NULL, PRIMARY KEY (job_id, seq));
CREATE TABLE bench_checkpoints (job_id text PRIMARY KEY REFERENCES bench_jobs(id) ON DELETE CASCADE,
  step int NOT NULL, data text NOT NULL);`;

const CREATE = `INSERT INTO bench_jobs (id, status, inputs, created_at) VALUES ($1, 'running', $2, $3) RETURNING *`;
const APPEND = `WITH j AS (UPDATE bench_jobs SET event_seq = event_seq + $2 WHERE id = $1 RETURNING event_seq)
  INSERT INTO bench_events (job_id, seq, type, at, data)
  SELECT $1, j.event_seq - $2 + u.ord, u.type, u.at, u.data
  FROM j, unnest($3::text[], $4::bigint[], $5::text[]) WITH ORDINALITY AS u(type, at, data, ord) RETURNING seq`;
const PROGRESS = `UPDATE bench_jobs SET progress_step = $2 WHERE id = $1`;
const CHECKPOINT = `INSERT INTO bench_checkpoints (job_id, step, data) VALUES ($1, $2, $3)
  ON CONFLICT (job_id) DO UPDATE SET step = excluded.step, data = excluded.data`;
const GET = `SELECT * FROM bench_jobs WHERE id = $1`;

const inputs = JSON.stringify({ topic: 'x'.repeat(60) });
const events = ['node-start', 'model-call', 'node-end'];
const eventData = events.map((type) =>
  JSON.stringify({ type, at: Date.now(), nodeId: 'n', text: 'y'.repeat(200) }),
);

function drivers() {
  const nodePg = new pg.Pool({ connectionString: url, max: POOL });
  const js = postgres(url, { max: POOL, onnotice: () => {} });
  return [
    {
      name: 'pg',
      create: (id) => nodePg.query(CREATE, [id, inputs, Date.now()]),
      append: (id) => nodePg.query(APPEND, [id, 3, events, events.map(() => Date.now()), eventData]),
      checkpoint: async (id, step) => {
        const client = await nodePg.connect();
        try {
          await client.query('BEGIN');
          await client.query(PROGRESS, [id, step]);
          await client.query(CHECKPOINT, [id, step, inputs]);
          await client.query('COMMIT');
        } catch (error) {
          await client.query('ROLLBACK').catch(() => {});
          throw error;
        } finally {
          client.release();
        }
      },
      get: (id) => nodePg.query(GET, [id]),
      end: () => nodePg.end(),
    },
    {
      name: 'postgres',
      create: (id) => js.unsafe(CREATE, [id, inputs, Date.now()], { prepare: true }),
      append: (id) =>
        js.unsafe(APPEND, [id, 3, events, events.map(() => Date.now()), eventData], { prepare: true }),
      checkpoint: (id, step) =>
        js.begin(async (tx) => {
          await tx.unsafe(PROGRESS, [id, step], { prepare: true });
          await tx.unsafe(CHECKPOINT, [id, step, inputs], { prepare: true });
        }),
      get: (id) => js.unsafe(GET, [id], { prepare: true }),
      end: () => js.end(),
    },
  ];
}

async function load(fn) {
  const until = performance.now() + seconds * 1000;
  let ops = 0;
  await Promise.all(
    Array.from({ length: C }, async () => {
      while (performance.now() < until) {
        await fn();
        ops++;
      }
    }),
  );
  return ops / seconds;
}

async function workloads(d) {
  const ids = [];
  const out = {};
  out.create = await load(async () => {
    const id = randomUUID();
    await d.create(id);
    ids.push(id);
  });
  let i = 0;
  const pick = () => ids[i++ % ids.length];
  out.append = await load(() => d.append(pick()));
  out.checkpoint = await load(() => d.checkpoint(pick(), i));
  out.get = await load(() => d.get(pick()));
  return out;
}

const setup = new pg.Client({ connectionString: url });
await setup.connect();
const results = { pg: [], postgres: [] };
for (let r = 0; r < rounds; r++) {
  const list = drivers();
  if (r % 2 === 1) list.reverse();
  for (const d of list) {
    await setup.query(SCHEMA);
    // Warm the pool and the prepared statements.
    await Promise.all(Array.from({ length: POOL }, () => d.get('none')));
    results[d.name].push(await workloads(d));
    await d.end();
  }
}
await setup.query('DROP TABLE IF EXISTS bench_events, bench_checkpoints, bench_jobs');
await setup.end();

const median = (xs) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)];
console.log(`c=${C}, pool ${POOL}, ${seconds} s per workload, median of ${rounds} rounds (ops/s)`);
console.log('| workload | pg | postgres | postgres / pg |');
console.log('|---|---|---|---|');
for (const w of ['create', 'append', 'checkpoint', 'get']) {
  const a = median(results.pg.map((x) => x[w]));
  const b = median(results.postgres.map((x) => x[w]));
  console.log(`| ${w} | ${Math.round(a)} | ${Math.round(b)} | ${(b / a).toFixed(2)} |`);
}
