// Profiles `agentcrate serve` (the server bundle, as the container runs it) under load: CPU
// (--cpu-prof) or allocation sampling (--heap-prof) while autocannon drives /run at c=50 against
// the 0 ms mock, then prints the functions with the most self time (or allocated bytes), grouped
// by package. The raw .cpuprofile / .heapprofile is kept for Chrome DevTools.
//   node_modules/.bin/node bench/profile-serve.mjs [cpu|heap] [seconds=10] [out-dir]
// WF=one|three; ENTRY=dist profiles dist/server/entry.js instead, so time is told by source file
// (ENTRY=/other/checkout/dist/server/entry.js profiles another version's, to compare the two).
// Each place and function is also given in µs of self time per run served, so two profiles of
// different throughput compare by cost per run. STORE=postgres://… profiles the server on that
// store (a schema of its own, dropped after) instead of its SQLite file.
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from './lib/load.mjs';
import { startMock } from './lib/mock.mjs';
import { ROOT } from './lib/paths.mjs';
import { freePort, stopAll, stopChild } from './lib/proc.mjs';
import { agentcrate, runOnce, startSystem } from './lib/systems.mjs';

const kind = process.argv[2] ?? 'cpu';
const seconds = Number(process.argv[3] ?? 10);
const out = process.argv[4] ?? mkdtempSync(join(tmpdir(), 'agentcrate-profile-'));
const workflow = process.env.WF ?? 'one';
const flags =
  kind === 'heap' ? ['--heap-prof', `--heap-prof-dir=${out}`] : ['--cpu-prof', `--cpu-prof-dir=${out}`];

const pgSchema = `profile_${process.pid}`;
const pgStore = process.env.STORE
  ? `${process.env.STORE}${process.env.STORE.includes('?') ? '&' : '?'}schema=${pgSchema}`
  : undefined;
const mock = await startMock(0);
let runs = 0;
try {
  const stateDir = mkdtempSync(join(tmpdir(), 'agentcrate-profile-state-'));
  const { child, base } = await startSystem(agentcrate, {
    port: await freePort(),
    mockUrl: mock.url,
    workflow,
    stateDir,
    logFile: join(stateDir, 'server.log'),
    env: { NODE_OPTIONS: flags.join(' '), ...(process.env.STORE ? { AGENTCRATE_STORE: pgStore } : {}) },
    ...(process.env.ENTRY === 'dist'
      ? { entry: join(ROOT, 'dist/server/entry.js') }
      : process.env.ENTRY
        ? { entry: process.env.ENTRY }
        : {}),
  });
  if (!(await runOnce(agentcrate, base, workflow))) throw new Error('a first run failed');
  const warm = await load(agentcrate, base, workflow, { connections: 50, durationSec: 2 });
  await mock.reset();
  const r = await load(agentcrate, base, workflow, { connections: 50, durationSec: seconds });
  runs = 1 + warm.runs_per_s * 2 + r.runs_per_s * seconds;
  console.log(`${Math.round(r.runs_per_s)} runs/s under the profiler, p99 ${r.p99_ms} ms`);
  await stopChild(child, 20000);
} finally {
  await mock.close();
  await stopAll();
  if (process.env.STORE) {
    const { default: postgres } = await import('postgres');
    const sql = postgres(process.env.STORE, { max: 1, onnotice: () => {} });
    await sql.unsafe(`DROP SCHEMA IF EXISTS "${pgSchema}" CASCADE`);
    await sql.end();
  }
}

const file = readdirSync(out).find((f) => f.endsWith(kind === 'heap' ? '.heapprofile' : '.cpuprofile'));
if (!file) throw new Error(`no profile written in ${out}`);
const profile = JSON.parse(readFileSync(join(out, file), 'utf8'));
const where = (frame) => {
  const url = frame.url || '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1];
  const own = /\/dist\/(.+)$/.exec(url)?.[1];
  return (
    pkg ??
    own ??
    (url.startsWith('node:') ? url : url.includes('server.mjs') || url.includes('chunks/') ? 'bundle' : url)
  );
};
// The bundle is minified (whitespace): a line and column say little, the code there does.
const sources = new Map();
const snippet = (frame) => {
  if (where(frame) !== 'bundle' || !frame.url.startsWith('file://')) return '';
  if (!sources.has(frame.url)) sources.set(frame.url, readFileSync(new URL(frame.url), 'utf8').split('\n'));
  const line = sources.get(frame.url)[frame.lineNumber] ?? '';
  return `  «${line.slice(frame.columnNumber, frame.columnNumber + 70)}»`;
};
const byFn = new Map();
const byWhere = new Map();
let total = 0;
const add = (frame, value) => {
  total += value;
  const key = `${frame.functionName || '(anonymous)'} ${where(frame)}:${frame.lineNumber + 1}:${frame.columnNumber + 1}${snippet(frame)}`;
  byFn.set(key, (byFn.get(key) ?? 0) + value);
  byWhere.set(where(frame), (byWhere.get(where(frame)) ?? 0) + value);
};
if (kind === 'heap') {
  const walk = (node) => {
    add(node.callFrame, node.selfSize);
    for (const c of node.children) walk(c);
  };
  walk(profile.head);
} else {
  const self = new Map();
  for (let i = 0; i < profile.samples.length; i++) {
    const dt = profile.timeDeltas[i] ?? 0;
    self.set(profile.samples[i], (self.get(profile.samples[i]) ?? 0) + dt);
  }
  for (const node of profile.nodes) add(node.callFrame, self.get(node.id) ?? 0);
}
const top = (map, n) =>
  [...map.entries()]
    .sort((a, b) => b[1] - a[1])
    .slice(0, n)
    .map(
      ([k, v]) =>
        `${((100 * v) / total).toFixed(1).padStart(5)}% ${(v / runs).toFixed(1).padStart(8)}${kind === 'heap' ? ' B' : ' µs'}/run  ${k}`,
    )
    .join('\n');
console.log(
  `\n${join(out, file)}\n${Math.round(runs)} runs, ${(total / runs).toFixed(0)} ${kind === 'heap' ? 'B' : 'µs'} per run in all\n\nby place:\n${top(byWhere, 15)}\n\nby function (self):\n${top(byFn, 40)}`,
);
