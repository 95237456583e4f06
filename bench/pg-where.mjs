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
//
// ENTRIES=a/server.mjs,b/server.mjs[,…] compares server bundles (made with bundleServer from
// each build's dist/) in the same run: three replicas of each on a schema of their own, the
// turns of all builds interleaved (reversed every other repeat), each build's 3 / 1 ratio and
// its rates against A's; ENVS='[{…},{…}]' compares settings instead (one build per object of
// environment variables, the same bundle; its NODE_FLAGS, space-separated, are added to the
// server's Node flags). Also said per turn: how busy the whole machine was
// (/proc/stat: other work on a shared machine shows there), the database's commits and the
// replicas' and backends' wake-ups (voluntary context switches) per run. C17=1 adds a turn of
// one replica at c=17 (a third of the load, no other replica busy); PERF=dir samples the whole
// machine during each turn with `perf record -a` (one file per turn, for `perf report`).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { load } from './lib/load.mjs';
import { startMock } from './lib/mock.mjs';
import { cpuTimeMs, freePort, stopChild } from './lib/proc.mjs';
import { median, ratio, round } from './lib/stats.mjs';
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

const envs = process.env.ENVS ? JSON.parse(process.env.ENVS) : undefined;
const entries = process.env.ENTRIES
  ? process.env.ENTRIES.split(',')
  : envs
    ? envs.map(() => undefined)
    : [undefined];
/** Build `b`'s environment variables, without NODE_FLAGS (Node flags, not a variable). */
const envOf = (b) => Object.fromEntries(Object.entries(envs?.[b] ?? {}).filter(([k]) => k !== 'NODE_FLAGS'));
const label = (i) => (entries.length === 1 ? '' : `${String.fromCharCode(65 + i)} `);
const sql = postgres(url, { max: 1, onnotice: () => {} });
const mock = await startMock(0);
/** Per build: its three replicas. */
const builds = entries.map(() => []);
/** The machine's busy and total CPU time in ms (/proc/stat), and the database's commits. */
function machine() {
  const f = readFileSync('/proc/stat', 'utf8').split('\n')[0].trim().split(/\s+/).slice(1).map(Number);
  const total = f.slice(0, 8).reduce((a, b) => a + b, 0);
  return { busy: ((total - f[3] - f[4]) * 1000) / 100, total: (total * 1000) / 100 };
}
async function commits() {
  const [r] = await sql.unsafe(
    `SELECT xact_commit::float AS c FROM pg_stat_database WHERE datname = current_database()`,
  );
  return r.c;
}
/** Times a process's main thread went to sleep (voluntary context switches): its wake-ups. */
const wakes = (pid) => {
  try {
    return Number(
      /voluntary_ctxt_switches:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? 0,
    );
  } catch {
    return 0;
  }
};
const cpu = (pid) => {
  try {
    return cpuTimeMs(pid);
  } catch {
    return 0; // a backend that ended meanwhile
  }
};

/**
 * The database backends of the store's connections (their application_name is agentcrate's),
 * all builds' (an idle build's backends cost nothing, a busy one's are counted).
 */
async function backends() {
  const rows = await sql.unsafe(
    `SELECT pid FROM pg_stat_activity WHERE datname = current_database() AND application_name = 'agentcrate'`,
  );
  return rows.map((r) => r.pid);
}

async function turn(name, servers, tables) {
  await mock.reset();
  const startedAt = Date.now();
  const pids = await backends();
  const before = {
    replicas: servers.reduce((s, r) => s + cpu(r.child.pid), 0),
    database: pids.reduce((s, p) => s + cpu(p), 0),
    mock: cpu(mock.child.pid),
    load: process.cpuUsage(),
    machine: machine(),
    wakes: servers.reduce((s, r) => s + wakes(r.child.pid), 0),
    dbWakes: pids.reduce((s, p) => s + wakes(p), 0),
    commits: await commits(),
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
  // PERF=dir: the whole machine sampled during the turn (`perf record -a`), one file per turn.
  const perf = process.env.PERF
    ? spawn(
        'perf',
        [
          'record',
          '-a',
          '-e',
          'cpu-clock',
          '-F',
          '999',
          '-o',
          join(process.env.PERF, `${name.replace(/\W+/g, '_')}-${Date.now()}.data`),
          '--',
          'sleep',
          String(durationSec),
        ],
        { stdio: 'ignore' },
      )
    : undefined;
  const parts = await Promise.all(
    servers.map((s, i) =>
      load(agentcrate, s.base, 'one', {
        connections: name.endsWith('c=17')
          ? 17
          : servers.length === 1
            ? 50
            : i === servers.length - 1
              ? 16
              : 17,
        durationSec,
      }),
    ),
  );
  sampling = false;
  await sampler;
  if (perf && perf.exitCode === null) await new Promise((resolve) => perf.once('exit', resolve));
  const runs = parts.reduce((s, p) => s + p.runs_ok, 0);
  // Runs per transaction: a run's end (its events and completion) is written by one commit
  // (group commit), which is the xmin of its event rows; fewer, larger commits cost less per run.
  const [grouped] = await sql.unsafe(
    `SELECT count(DISTINCT job_id)::float / greatest(count(DISTINCT xmin::text), 1) AS n FROM ${tables}.events
     WHERE at >= $1`,
    [startedAt],
  );
  const used = process.cpuUsage(before.load);
  const m = machine();
  const commitsPerRun = runs > 0 ? ((await commits()) - before.commits) / runs : Number.NaN;
  const per = (ms) => (runs > 0 ? (ms * 1000) / runs : Number.NaN);
  return {
    name,
    runsPerS: runs / Math.max(...parts.map((p) => p.seconds)),
    usPerRun: {
      replicas: per(servers.reduce((s, r) => s + cpu(r.child.pid), 0) - before.replicas),
      database: per(pids.reduce((s, p) => s + cpu(p), 0) - before.database),
      mock: per(cpu(mock.child.pid) - before.mock),
      'load generator': per((used.user + used.system) / 1000),
      machine: per(m.busy - before.machine.busy),
    },
    busy: (m.busy - before.machine.busy) / (m.total - before.machine.total),
    commitsPerRun,
    wakesPerRun: (servers.reduce((s, r) => s + wakes(r.child.pid), 0) - before.wakes) / runs,
    dbWakesPerRun: (pids.reduce((s, p) => s + wakes(p), 0) - before.dbWakes) / runs,
    runsPerEnd: grouped.n,
    waits: Object.fromEntries([...waits].map(([w, n]) => [w, n / samples]).sort((a, b) => b[1] - a[1])),
  };
}

try {
  for (const [b, entry] of entries.entries()) {
    for (let i = 0; i < 3; i++) {
      const stateDir = mkdtempSync(join(dir, `pg-${b}-${i}-`));
      builds[b].push(
        await startSystem(agentcrate, {
          port: await freePort(),
          mockUrl: mock.url,
          stateDir,
          logFile: join(stateDir, 'server.log'),
          workflow: 'one',
          env: { AGENTCRATE_STORE: `${storeUrl}${b}`, ...envOf(b) },
          nodeFlags: envs?.[b]?.NODE_FLAGS?.split(' ').filter(Boolean) ?? [],
          ...(entry ? { entry } : {}),
        }).catch((error) => {
          throw new Error(
            `${error.message}\n${readFileSync(join(stateDir, 'server.log'), 'utf8').slice(-2000)}`,
          );
        }),
      );
    }
  }
  for (const s of builds.flat()) {
    if (!(await runOnce(agentcrate, s.base, 'one'))) throw new Error('a first run failed');
    await load(agentcrate, s.base, 'one', { connections: 10, durationSec: 1 });
  }
  const names = entries.flatMap((_, b) => [
    `${label(b)}1 replica`,
    `${label(b)}3 replicas`,
    ...(process.env.C17 ? [`${label(b)}1 replica c=17`] : []),
  ]);
  const results = Object.fromEntries(names.map((n) => [n, []]));
  for (let i = 0; i < repeat; i++) {
    for (const name of i % 2 ? [...names].reverse() : names) {
      const replicas = builds[entries.length === 1 ? 0 : name.charCodeAt(0) - 65];
      const b = entries.length === 1 ? 0 : name.charCodeAt(0) - 65;
      results[name].push(
        await turn(name, name.includes('1 replica') ? replicas.slice(0, 1) : replicas, `"${schema}${b}"`),
      );
      console.error(`${name} #${i + 1}: ${round(results[name].at(-1).runsPerS)} runs/s`);
    }
  }
  console.log(`/run at c=50, one-call workflow, mock 0 ms, ${durationSec} s × ${repeat} in turns (medians):`);
  const mids = {};
  for (const [name, rs] of Object.entries(results)) {
    const mid = (f) => round(median(rs.map(f)));
    mids[name] = median(rs.map((r) => r.runsPerS));
    console.log(
      `  ${name}: ${mid((r) => r.runsPerS)} runs/s (${rs.map((r) => round(r.runsPerS)).join(', ')})`,
    );
    console.log(
      `    runs per commit of their ends: ${median(rs.map((r) => r.runsPerEnd)).toFixed(2)}; CPU µs per run: ${Object.keys(
        rs[0].usPerRun,
      )
        .map((k) => `${k} ${mid((r) => r.usPerRun[k])}`)
        .join(', ')}`,
    );
    console.log(
      `    machine busy: ${(median(rs.map((r) => r.busy)) * 100).toFixed(0)} %; database commits per run: ${median(rs.map((r) => r.commitsPerRun)).toFixed(3)}; wake-ups per run: replicas ${median(rs.map((r) => r.wakesPerRun)).toFixed(2)}, database ${median(rs.map((r) => r.dbWakesPerRun)).toFixed(2)}`,
    );
    const keys = [...new Set(rs.flatMap((r) => Object.keys(r.waits)))];
    console.log(
      `    database backends active (mean per sample): ${keys
        .map((k) => `${k} ${median(rs.map((r) => r.waits[k] ?? 0)).toFixed(2)}`)
        .join(', ')}`,
    );
  }
  for (const b of entries.keys()) {
    console.log(
      `  ${label(b)}3 replicas / 1: ${ratio(mids[`${label(b)}3 replicas`], mids[`${label(b)}1 replica`])}`,
    );
  }
  for (const b of [...entries.keys()].slice(1)) {
    for (const n of ['1 replica', '3 replicas']) {
      console.log(`  ${n}, ${label(b)}/ A: ${ratio(mids[`${label(b)}${n}`], mids[`A ${n}`])}`);
    }
  }
} finally {
  for (const s of builds.flat()) await stopChild(s.child);
  await mock.close();
  for (const b of entries.keys()) await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}${b}" CASCADE`);
  await sql.end();
  rmSync(dir, { recursive: true, force: true });
}
