// Compares two CPU profiles of `agentcrate serve` under load (from bench/profile-serve.mjs, e.g.
// of two versions: ENTRY=/old/checkout/dist/server/entry.js and ENTRY=dist) by busy time per run
// served, by place (source file or package; native time counted to its nearest JS caller) and by
// function, largest differences first. Only samples from the middle of the load window count,
// so start-up (module loading and compiling, which a bigger bundle pays once) and shut-down do
// not; give each profile's runs/s as profile-serve printed it.
//   node_modules/.bin/node bench/profile-diff.mjs A-dir A-runs/s B-dir B-runs/s [seconds=10] [rows=30]
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

const [dirA, rateA, dirB, rateB] = process.argv.slice(2);
const seconds = Number(process.argv[6] ?? 10);
const rows = Number(process.argv[7] ?? 30);
if (!dirB) {
  console.error('usage: bench/profile-diff.mjs A-dir A-runs/s B-dir B-runs/s [seconds=10] [rows=30]');
  process.exit(2);
}
// profile-serve's load runs `seconds` and the server is stopped right after: skip the last 1.5 s
// (shut-down, and the end of the load) and take the `seconds - 2` before them.
const WINDOW_US = (seconds - 2) * 1e6;
const TAIL_US = 1.5e6;

const place = (frame) => {
  const url = frame.url;
  return /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ?? /\/dist\/(.+)$/.exec(url)?.[1] ?? url;
};

function read(dir, runsPerSecond) {
  const file = readdirSync(dir).find((f) => f.endsWith('.cpuprofile'));
  if (!file) throw new Error(`no .cpuprofile in ${dir}`);
  const profile = JSON.parse(readFileSync(join(dir, file), 'utf8'));
  const byId = new Map(profile.nodes.map((n) => [n.id, n]));
  const parent = new Map();
  for (const n of profile.nodes) for (const c of n.children ?? []) parent.set(c, n.id);
  const times = [];
  let t = profile.startTime;
  for (const dt of profile.timeDeltas) {
    t += dt;
    times.push(t);
  }
  const hi = times[times.length - 1] - TAIL_US;
  const lo = hi - WINDOW_US;
  const byPlace = new Map();
  const byFn = new Map();
  let busy = 0;
  for (let i = 0; i < profile.samples.length; i++) {
    if (times[i] < lo || times[i] > hi) continue;
    const node = byId.get(profile.samples[i]);
    const { functionName, url } = node.callFrame;
    if (functionName === '(idle)') continue;
    const dt = profile.timeDeltas[i + 1] ?? 0;
    busy += dt;
    let where = functionName;
    if (url) where = place(node.callFrame);
    else if (functionName !== '(garbage collector)' && functionName !== '(program)') {
      let caller = node;
      while (!caller.callFrame.url && parent.has(caller.id)) caller = byId.get(parent.get(caller.id));
      if (caller.callFrame.url) where = `${place(caller.callFrame)} [native]`;
    }
    byPlace.set(where, (byPlace.get(where) ?? 0) + dt);
    const fn = `${functionName || '(anonymous)'} ${url ? place(node.callFrame) : '(native)'}`;
    byFn.set(fn, (byFn.get(fn) ?? 0) + dt);
  }
  const runs = Number(runsPerSecond) * (WINDOW_US / 1e6);
  return { runs, busy: busy / runs, byPlace, byFn };
}

const a = read(dirA, rateA);
const b = read(dirB, rateB);
console.log(
  `busy CPU per run: A ${a.busy.toFixed(0)} µs, B ${b.busy.toFixed(0)} µs (B/A ${(b.busy / a.busy).toFixed(2)})`,
);
for (const [title, key] of [
  ['by place', 'byPlace'],
  ['by function (self)', 'byFn'],
]) {
  const keys = new Set([...a[key].keys(), ...b[key].keys()]);
  const diff = [...keys].map((k) => [k, (a[key].get(k) ?? 0) / a.runs, (b[key].get(k) ?? 0) / b.runs]);
  diff.sort((x, y) => Math.abs(y[2] - y[1]) - Math.abs(x[2] - x[1]));
  console.log(`\n${title}: µs per run  A  B  B-A`);
  for (const [k, va, vb] of diff.slice(0, rows)) {
    console.log(
      `${va.toFixed(1).padStart(8)} ${vb.toFixed(1).padStart(8)} ${(vb - va).toFixed(1).padStart(8)}  ${k}`,
    );
  }
}
