// Where the machine's time goes with one and with three replicas on PostgreSQL (BENCHMARKS.md,
// "PostgreSQL store"): the goal "three replicas more than one" on a 2-core machine that also
// runs the database, the mock model and the load generator. Loads one replica at c=50, then
// three at c=17/17/16, in turns, and says per run served: the CPU of the replicas, of the
// database's backends serving them, of the mock, and of this process (autocannon); and what the
// database's backends were waiting on (pg_stat_activity sampled every 20 ms: row locks between
// replicas show as Lock waits, NOTIFY's queue as LWLock ones).
//
//   npm run build
//   node bench/pg-where.mjs postgres://user:pass@127.0.0.1:5432/db [seconds=5] [repeat=2]
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { load } from './lib/load.mjs';
import { startMock } from './lib/mock.mjs';
import { cpuTimeMs, freePort, stopChild } from './lib/proc.mjs';
import { median, round } from './lib/stats.mjs';
import { agentcrate, runOnce, startSystem } from './lib/systems.mjs';

const url = process.argv[2];
if (!url) {
  console.error('usage: node bench/pg-where.mjs <postgres-url> [seconds] [repeat]');
  process.exit(2);
}
const durationSec = Number(process.argv[3] ?? 5);
const repeat = Number(process.argv[4] ?? 2);
const schema = `bench_where_${process.pid}`;
const storeUrl = `${url}${url.includes('?') ? '&' : '?'}schema=${schema}`;
const dir = mkdtempSync(join(tmpdir(), 'agentcrate-pg-where-'));
const avail = agentcrate.available();
if (!avail.ok) throw new Error(avail.why);

const sql = postgres(url, { max: 1, onnotice: () => {} });
const mock = await startMock(0);
const replicas = [];
const cpu = (pid) => {
  try {
    return cpuTimeMs(pid);
  } catch {
    return 0; // a backend that ended meanwhile
  }
};

/** The database backends of the store's connections (their application_name is agentcrate's). */
async function backends() {
  const rows = await sql.unsafe(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'agentcrate'`,
  );
  return rows.map((r) => r.pid);
}

async function turn(name, servers) {
  await mock.reset();
  const pids = await backends();
  const before = {
    replicas: servers.reduce((s, r) => s + cpu(r.child.pid), 0),
    database: pids.reduce((s, p) => s + cpu(p), 0),
    mock: cpu(mock.child.pid),
    load: process.cpuUsage(),
  };
  const waits = new Map();
  let samples = 0;
  let sampling = true;
  const sampler = (async () => {
    while (sampling) {
      const rows = await sql.unsafe(
        `SELECT coalesce(wait_event_type || ':' || wait_event, 'on CPU') AS w, count(*)::int AS n
         FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'agentcrate'
           AND state = 'active' GROUP BY 1`,
      );
      samples++;
      for (const r of rows) waits.set(r.w, (waits.get(r.w) ?? 0) + r.n);
      await new Promise((resolve) => setTimeout(resolve, 20));
    }
  })();
  const parts = await Promise.all(
    servers.map((s, i) =>
      load(agentcrate, s.base, 'one', {
        connections: servers.length === 1 ? 50 : i === servers.length - 1 ? 16 : 17,
        durationSec,
      }),
    ),
  );
  sampling = false;
  await sampler;
  const runs = parts.reduce((s, p) => s + p.runs_ok, 0);
  const used = process.cpuUsage(before.load);
  const per = (ms) => (runs > 0 ? (ms * 1000) / runs : Number.NaN);
  return {
    name,
    runsPerS: runs / Math.max(...parts.map((p) => p.seconds)),
    usPerRun: {
      replicas: per(servers.reduce((s, r) => s + cpu(r.child.pid), 0) - before.replicas),
      database: per(pids.reduce((s, p) => s + cpu(p), 0) - before.database),
      mock: per(cpu(mock.child.pid) - before.mock),
      'load generator': per((used.user + used.system) / 1000),
    },
    waits: Object.fromEntries([...waits].map(([w, n]) => [w, n / samples]).sort((a, b) => b[1] - a[1])),
  };
}

try {
  for (let i = 0; i < 3; i++) {
    const stateDir = mkdtempSync(join(dir, `pg-${i}-`));
    replicas.push(
      await startSystem(agentcrate, {
        port: await freePort(),
        mockUrl: mock.url,
        stateDir,
        logFile: join(stateDir, 'server.log'),
        workflow: 'one',
        env: { AGENTCRATE_STORE: storeUrl },
      }).catch((error) => {
        throw new Error(
          `${error.message}\n${readFileSync(join(stateDir, 'server.log'), 'utf8').slice(-2000)}`,
        );
      }),
    );
  }
  for (const s of replicas) {
    if (!(await runOnce(agentcrate, s.base, 'one'))) throw new Error('a first run failed');
    await load(agentcrate, s.base, 'one', { connections: 10, durationSec: 1 });
  }
  const results = { '1 replica': [], '3 replicas': [] };
  for (let i = 0; i < repeat; i++) {
    const order = i % 2 ? ['3 replicas', '1 replica'] : ['1 replica', '3 replicas'];
    for (const name of order) {
      results[name].push(await turn(name, name === '1 replica' ? replicas.slice(0, 1) : replicas));
    }
  }
  console.log(`/run at c=50, one-call workflow, mock 0 ms, ${durationSec} s × ${repeat} in turns (medians):`);
  for (const [name, rs] of Object.entries(results)) {
    const mid = (f) => round(median(rs.map(f)));
    console.log(`  ${name}: ${mid((r) => r.runsPerS)} runs/s`);
    console.log(
      `    CPU µs per run: ${Object.keys(rs[0].usPerRun)
        .map((k) => `${k} ${mid((r) => r.usPerRun[k])}`)
        .join(', ')}`,
    );
    const keys = [...new Set(rs.flatMap((r) => Object.keys(r.waits)))];
    console.log(
      `    database backends active (mean per sample): ${keys
        .map((k) => `${k} ${median(rs.map((r) => r.waits[k] ?? 0)).toFixed(2)}`)
        .join(', ')}`,
    );
  }
} finally {
  for (const s of replicas) await stopChild(s.child);
  await mock.close();
  await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`);
  await sql.end();
  rmSync(dir, { recursive: true, force: true });
}
