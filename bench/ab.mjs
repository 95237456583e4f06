// A/B of two server bundles (or one bundle under two environments): both run side by side
// against one mock and take turns under load in short windows (ABBA order), so drift of a
// shared VM falls on both alike; prints medians and the per-pair ratios of runs/s and of
// server CPU per run and bytes written to storage per run (from /proc), with each server's
// start (spawn → /health) and RSS after its first run and after the load.
//   node_modules/.bin/node bench/ab.mjs A/server.mjs B/server.mjs [windows=8] [seconds=4] [c=50]
// Bundle a version with bundleServer({ outFile, entry }) (src/deploy/bundle.ts), e.g. from a
// `git worktree` of an older commit. Env:
//   WF=one|three, LAT (mock ms), TRACES=true|false
//   ENV_A / ENV_B  a JSON object of extra environment for one side (e.g. allocator settings)
//   FLAGS_A / FLAGS_B  that side's Node flags, space-separated, in place of the served
//                  process's (src/deploy/types.ts SERVER_NODE_FLAGS), e.g. to compare heap settings
//   PIN=1          servers on the last CPU, load and mock on the first
//   ROUNDS=n       n fresh pairs, started in alternating order (default 3), combined by the
//                  median of their median ratios. On this VM one of two identical servers was
//                  at times ~30% costlier per run (seen in the first pair of a session, growing
//                  over its windows), so a single pair can mislead.
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from './lib/load.mjs';
import { startMock } from './lib/mock.mjs';
import { NODE, ROOT } from './lib/paths.mjs';
import {
  comparisonCpus,
  freePort,
  pinToCpus,
  rssMb,
  spawnTracked,
  stopChild,
  writtenBytes,
} from './lib/proc.mjs';
import { median } from './lib/stats.mjs';
import { agentcrate, runOnce, SERVER_NODE_FLAGS } from './lib/systems.mjs';

const [A, B] = [process.argv[2], process.argv[3]];
const windows = Number(process.argv[4] ?? 8),
  dur = Number(process.argv[5] ?? 4),
  c = Number(process.argv[6] ?? 50);
const rounds = Number(process.env.ROUNDS ?? 3);
const wf = process.env.WF ?? 'one';
const cpus = process.env.PIN === '1' ? comparisonCpus() : undefined;
const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
const f = (x, d = 2) => x.toFixed(d);

async function start(name, entry, mock) {
  const started = performance.now();
  const dir = mkdtempSync(join(tmpdir(), 'ab-'));
  const port = await freePort();
  const flags = process.env[`FLAGS_${name}`]?.split(' ').filter(Boolean) ?? SERVER_NODE_FLAGS;
  const child = spawnTracked(NODE, [...flags, entry], {
    cwd: dir,
    env: {
      AGENTCRATE_WORKFLOW: join(ROOT, 'bench/workflows', wf === 'one' ? 'one-step.yaml' : 'three-step.yaml'),
      PORT: String(port),
      HOST: '127.0.0.1',
      AGENTCRATE_STORE: join(dir, 'a.db'),
      AGENTCRATE_LLM_PROVIDER: 'openai-compatible',
      AGENTCRATE_LLM_MODEL: 'mock-model',
      AGENTCRATE_LLM_BASE_URL: mock.url,
      AGENTCRATE_LOG_LEVEL: 'warn',
      AGENTCRATE_TRACES: process.env.TRACES ?? 'true',
      AGENTCRATE_IDLE_TRIM_MS: '0',
      NODE_COMPILE_CACHE: join(dir, '.cc'),
      ...JSON.parse(process.env[`ENV_${name}`] || '{}'),
    },
  });
  const base = `http://127.0.0.1:${port}`;
  for (let i = 0; i < 400; i++) {
    try {
      if ((await fetch(`${base}/health`)).ok) break;
    } catch {}
    await new Promise((r) => setTimeout(r, 5));
  }
  return { child, base, readyMs: performance.now() - started };
}

const mock = await startMock(Number(process.env.LAT ?? 0));
if (process.env.PRIME === '1') {
  const primer = await start('A', A, mock);
  await runOnce(agentcrate, primer.base, wf);
  if (cpus) {
    pinToCpus(primer.child.pid, cpus.servers);
    pinToCpus(mock.child.pid, cpus.load);
    pinToCpus(process.pid, cpus.load);
  }
  await load(agentcrate, primer.base, wf, { connections: c, durationSec: Number(process.env.PRIME_S ?? 10) });
  await stopChild(primer.child);
}
const S = { A: [], B: [] };
/** Per round and side: spawn → /health ok, RSS after the first run, RSS after the windows. */
const M = { A: [], B: [] };
const perRound = [];
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
  const servers = {};
  for (const name of order) servers[name] = await start(name, name === 'A' ? A : B, mock);
  // First runs only once both are up: a server's first requests served while the other one
  // boots would warm it up under different conditions.
  for (const name of order) {
    if (!(await runOnce(agentcrate, servers[name].base, wf))) throw new Error(`first run failed ${name}`);
    M[name].push({ readyMs: servers[name].readyMs, idleMb: rssMb(servers[name].child.pid) });
  }
  if (cpus) {
    for (const s of Object.values(servers)) pinToCpus(s.child.pid, cpus.servers);
    pinToCpus(mock.child.pid, cpus.load);
    pinToCpus(process.pid, cpus.load);
  }
  for (const s of Object.values(servers))
    await load(agentcrate, s.base, wf, { connections: c, durationSec: 2 });
  const mine = { A: [], B: [] };
  for (let w = 0; w < windows; w++)
    for (const n of w % 2 ? ['B', 'A'] : ['A', 'B']) {
      const { child, base } = servers[n];
      await mock.reset();
      const c0 = cpuMs(child.pid);
      const w0 = writtenBytes(child.pid);
      const r = await load(agentcrate, base, wf, { connections: c, durationSec: dur });
      const cpu = cpuMs(child.pid) - c0;
      const written = writtenBytes(child.pid) - w0;
      const sample = {
        rps: r.runs_per_s,
        p99: r.p99_ms,
        p50: r.p50_ms,
        cpu: cpu / r.runs_ok,
        bytes: written / r.runs_ok,
      };
      mine[n].push(sample);
      S[n].push(sample);
    }
  for (const name of order) M[name].at(-1).loadedMb = rssMb(servers[name].child.pid);
  for (const s of Object.values(servers)) await stopChild(s.child);
  const pr = (k) => mine.A.map((a, i) => mine.B[i][k] / a[k]);
  perRound.push({ first: order[0], rps: median(pr('rps')), cpu: median(pr('cpu')), pairs: pr('rps') });
  console.log(
    `round ${round + 1} (${order[0]} first): B/A runs/s ${f(median(pr('rps')), 3)} [${pr('rps')
      .map((x) => f(x))
      .join(' ')}], cpu/run ${f(median(pr('cpu')), 3)}`,
  );
}
for (const n of ['A', 'B'])
  console.log(
    n,
    'runs/s',
    f(median(S[n].map((s) => s.rps)), 0),
    'p50',
    median(S[n].map((s) => s.p50)),
    'p99',
    median(S[n].map((s) => s.p99)),
    'cpu ms/run',
    f(median(S[n].map((s) => s.cpu)), 3),
    'bytes written/run',
    f(median(S[n].map((s) => s.bytes)), 0),
    'ready ms',
    f(median(M[n].map((m) => m.readyMs)), 0),
    'RSS MB after the first run / after load',
    f(median(M[n].map((m) => m.idleMb)), 1),
    '/',
    f(median(M[n].map((m) => m.loadedMb)), 1),
  );
console.log(`B/A runs/s ratio (median of rounds) ${f(median(perRound.map((r) => r.rps)), 3)}`);
console.log(`B/A cpu/run ratio (median of rounds) ${f(median(perRound.map((r) => r.cpu)), 3)}`);
await mock.close();
