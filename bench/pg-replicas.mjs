// The PostgreSQL store against the SQLite store, and replicas, in one run (BENCHMARKS.md,
// "PostgreSQL store"). The server runs as `deploy` ships it (bench/lib/systems.mjs): the bundle,
// its Node flags; the mock model is its own process at 0 ms.
//
//   npm run build
//   node bench/pg-replicas.mjs postgres://user:pass@127.0.0.1:5432/db [seconds=5] [repeat=3]
//
// 1. One replica on PostgreSQL and one on SQLite, both up at once, loaded in turns (order
//    reversed every other repeat) at c=50 with the one-call workflow: runs/s, median; ratio.
// 2. Three replicas on one database, c=50 spread over them (17/17/16), against one replica.
// 3. Recovery: two replicas, 120 async jobs of the three-call workflow (mock at 300 ms); one
//    killed with -9 while it runs jobs; time until each of its jobs is taken back and resumed
//    elsewhere, and how many nodes ran twice (stored node-end events beyond one per node).
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { load } from './lib/load.mjs';
import { startMock } from './lib/mock.mjs';
import { freePort, killHard, stopChild } from './lib/proc.mjs';
import { median, ratio, round, sleep } from './lib/stats.mjs';
import { agentcrate, runOnce, startSystem } from './lib/systems.mjs';

const url = process.argv[2];
if (!url) {
  console.error('usage: node bench/pg-replicas.mjs <postgres-url> [seconds] [repeat]');
  process.exit(2);
}
const durationSec = Number(process.argv[3] ?? 5);
const repeat = Number(process.argv[4] ?? 3);
const schema = `bench_replicas_${process.pid}`;
const storeUrl = `${url}${url.includes('?') ? '&' : '?'}schema=${schema}`;
const dir = mkdtempSync(join(tmpdir(), 'agentcrate-pg-bench-'));
const started = [];
const avail = agentcrate.available();
if (!avail.ok) throw new Error(avail.why);

async function start(name, store, workflow, env = {}) {
  const stateDir = mkdtempSync(join(dir, `${name}-`));
  const logFile = join(stateDir, 'server.log');
  const s = await startSystem(agentcrate, {
    port: await freePort(),
    mockUrl: mock.url,
    stateDir,
    logFile,
    workflow,
    env: { AGENTCRATE_STORE: store ?? join(stateDir, 'agentcrate.db'), ...env },
  }).catch((error) => {
    throw new Error(`${name}: ${error.message}\n${readFileSync(logFile, 'utf8').slice(-2000)}`);
  });
  started.push(s);
  return { name, ...s };
}

const sql = postgres(url, { max: 2, onnotice: () => {} });
let mock = await startMock(0);
try {
  // 1 and 2: throughput.
  const sqlite = await start('sqlite', undefined, 'one');
  const pg = [
    await start('pg-1', storeUrl, 'one'),
    await start('pg-2', storeUrl, 'one'),
    await start('pg-3', storeUrl, 'one'),
  ];
  for (const s of [sqlite, ...pg]) {
    if (!(await runOnce(agentcrate, s.base, 'one'))) throw new Error(`${s.name}: a first run failed`);
    await load(agentcrate, s.base, 'one', { connections: 10, durationSec: 1 });
  }
  const samples = { sqlite: [], 'postgres, 1 replica': [], 'postgres, 3 replicas': [] };
  const one = async (s) =>
    (await load(agentcrate, s.base, 'one', { connections: 50, durationSec })).runs_per_s;
  const three = async () => {
    const parts = await Promise.all(
      pg.map((s, i) => load(agentcrate, s.base, 'one', { connections: i === 2 ? 16 : 17, durationSec })),
    );
    return parts.reduce((sum, p) => sum + p.runs_ok, 0) / Math.max(...parts.map((p) => p.seconds));
  };
  const turns = [
    ['sqlite', () => one(sqlite)],
    ['postgres, 1 replica', () => one(pg[0])],
    ['postgres, 3 replicas', three],
  ];
  for (let i = 0; i < repeat; i++) {
    for (const [name, fn] of i % 2 ? [...turns].reverse() : turns) {
      await mock.reset();
      samples[name].push(await fn());
      console.error(`${name} #${i + 1}: ${round(samples[name].at(-1))} runs/s`);
    }
  }
  for (const s of started.splice(0)) await stopChild(s.child);
  const m = Object.fromEntries(Object.entries(samples).map(([k, v]) => [k, median(v)]));
  console.log(`\n/run at c=50, one-call workflow, mock 0 ms, ${durationSec} s × ${repeat} in turns:`);
  for (const [k, v] of Object.entries(samples)) {
    console.log(`  ${k.padEnd(22)} ${round(m[k])} runs/s (${v.map((x) => round(x)).join(', ')})`);
  }
  console.log(`  postgres 1 replica / sqlite: ${ratio(m['postgres, 1 replica'], m.sqlite)}`);
  console.log(
    `  postgres 3 replicas / 1 replica: ${ratio(m['postgres, 3 replicas'], m['postgres, 1 replica'])}`,
  );

  // 3: recovery after kill -9.
  await mock.close();
  mock = await startMock(300);
  const recoveryUrl = `${url}${url.includes('?') ? '&' : '?'}schema=${schema}_r`;
  const [a, b] = [
    await start('rec-a', recoveryUrl, 'three', { AGENTCRATE_MAX_CONCURRENT_RUNS: '20' }),
    await start('rec-b', recoveryUrl, 'three', { AGENTCRATE_MAX_CONCURRENT_RUNS: '20' }),
  ];
  for (let i = 0; i < 120; i++) await agentcrate.submitAsync(i % 2 ? b.base : a.base);
  const jobs = `"${schema}_r".jobs`;
  let held = [];
  while (held.length < 5) {
    held = await sql.unsafe(
      `SELECT j.id, r.id AS replica FROM ${jobs} j JOIN "${schema}_r".replicas r ON r.id = j.lease_owner WHERE r.pid = $1 AND j.status = 'running'`,
      [a.child.pid],
    );
  }
  const ids = held.map((r) => r.id);
  const dead = held[0]?.replica;
  await killHard(a.child);
  const killedAt = Date.now();
  const taken = new Map();
  const resumed = new Map();
  while (resumed.size < ids.length && Date.now() - killedAt < 60_000) {
    const rows = await sql.unsafe(
      `SELECT id, status, lease_owner, attempts FROM ${jobs} WHERE id = ANY($1)`,
      [ids],
    );
    for (const r of rows) {
      if (r.lease_owner === dead) continue;
      if (!taken.has(r.id)) taken.set(r.id, Date.now() - killedAt);
      if (r.status !== 'pending' && !resumed.has(r.id)) resumed.set(r.id, Date.now() - killedAt);
    }
    await sleep(20);
  }
  while (Date.now() - killedAt < 120_000) {
    const [row] = await sql.unsafe(
      `SELECT count(*)::int AS n FROM ${jobs} WHERE status IN ('pending','running')`,
    );
    if (row.n === 0) break;
    await sleep(200);
  }
  const [dup] = await sql.unsafe(
    `SELECT coalesce(sum(n - 3), 0)::int AS extra FROM (SELECT job_id, count(*) AS n FROM "${schema}_r".events WHERE type = 'node-end' GROUP BY job_id) e`,
  );
  const t = [...taken.values()].sort((x, y) => x - y);
  const r = [...resumed.values()].sort((x, y) => x - y);
  console.log(
    `\nkill -9 of a replica running ${ids.length} jobs (lease 10 s): taken back after ${t[0]}–${t.at(-1)} ms, first resumed elsewhere after ${r[0]} ms, last after ${r.at(-1)} ms; completed nodes run twice: ${dup.extra}`,
  );
} finally {
  for (const s of started) await stopChild(s.child).catch(() => {});
  await mock.close();
  for (const suffix of ['', '_r'])
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}${suffix}" CASCADE`).catch(() => {});
  await sql.end();
  rmSync(dir, { recursive: true, force: true });
}
