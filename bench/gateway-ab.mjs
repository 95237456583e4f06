// A/B of two gateway bundles: both run side by side, pinned to the last CPU, in front of one
// mock, and take turns under autocannon load at c=50 in short windows (ABBA order), so drift of
// a shared VM falls on both alike; prints requests/s and gateway CPU per request, medians and
// the median per-pair ratio.
//   node_modules/.bin/node bench/gateway-ab.mjs A/gateway.cjs B/gateway.cjs [windows=8] [seconds=4] [c=50]
// Bundle a version with bundleGateway({ outFile }) (dist/deploy/gateway/bundle.js), e.g. from a
// `git worktree` of an older commit. PROF=dir adds --cpu-prof to both (profiles in dir/A, dir/B);
// ENV_A / ENV_B a JSON object of extra environment for one side, FLAGS_A / FLAGS_B extra Node
// flags (space-separated); IDLE=s waits s seconds without requests and no warm-up before each
// window (as the gateway suite measures: after the idle trim) and reports each side's resident
// memory at the end of the quiet seconds.

import { mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import autocannon from 'autocannon';
import { startGatewayBundle } from './lib/gateway-bundle.mjs';
import { startMock } from './lib/mock.mjs';
import { comparisonCpus, pinToCpus, stopChild } from './lib/proc.mjs';
import { median } from './lib/stats.mjs';

const [A, B] = [process.argv[2], process.argv[3]];
const windows = Number(process.argv[4] ?? 8),
  dur = Number(process.argv[5] ?? 4),
  c = Number(process.argv[6] ?? 50);
const cpus = comparisonCpus();
const cpuMs = (pid) => {
  const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(f[11]) + Number(f[12])) * 10;
};
const body = JSON.stringify({
  model: 'bench',
  messages: [{ role: 'user', content: 'Say something about gateways.' }],
});

async function start(name, bundle, mock) {
  const prof = process.env.PROF ? [`--cpu-prof`, `--cpu-prof-dir=${join(process.env.PROF, name)}`] : [];
  if (process.env.PROF) mkdirSync(join(process.env.PROF, name), { recursive: true });
  const flags = (process.env[`FLAGS_${name}`] ?? '').split(' ').filter(Boolean);
  return startGatewayBundle(name, bundle, mock, {
    flags: [...flags, ...prof],
    env: JSON.parse(process.env[`ENV_${name}`] ?? '{}'),
  });
}

function blast(base, seconds) {
  return new Promise((resolve, reject) =>
    autocannon(
      {
        url: `${base}/v1/chat/completions`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body,
        connections: c,
        duration: seconds,
      },
      (err, r) => (err ? reject(err) : resolve(r)),
    ),
  );
}

const mock = await startMock(0);
const a = await start('A', A, mock);
const b = await start('B', B, mock);
if (cpus) {
  pinToCpus(mock.child.pid, cpus.load);
  pinToCpus(process.pid, cpus.load);
  pinToCpus(a.child.pid, cpus.servers);
  pinToCpus(b.child.pid, cpus.servers);
}
const idle = Number(process.env.IDLE ?? 0);
if (idle === 0) for (const s of [a, b]) await blast(s.base, 2); // warm-up
const res = { A: { rps: [], cpu: [], rss: [] }, B: { rps: [], cpu: [], rss: [] } };
const rssMb = (pid) => Number(/VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))[1]) / 1024;
for (let w = 0; w < windows; w++) {
  const order = w % 2 === 0 ? [a, b] : [b, a];
  if (idle > 0) {
    await new Promise((r) => setTimeout(r, idle * 1000));
    for (const s of [a, b]) res[s.name].rss.push(rssMb(s.child.pid));
  }
  for (const s of order) {
    await mock.reset();
    const c0 = cpuMs(s.child.pid);
    const r = await blast(s.base, dur);
    const c1 = cpuMs(s.child.pid);
    if (r.non2xx > 0 || r.errors > 0) console.error(`${s.name}: ${r.non2xx} non-2xx, ${r.errors} errors`);
    res[s.name].rps.push(r.requests.average);
    res[s.name].cpu.push((c1 - c0) / r.requests.total);
  }
}
const f = (x, d = 3) => x.toFixed(d);
for (const n of ['A', 'B'])
  console.log(
    `${n}: ${f(median(res[n].rps), 0)} req/s, ${f(median(res[n].cpu))} ms CPU/req  rps=[${res[n].rps.map((x) => f(x, 0))}]` +
      (res[n].rss.length > 0 ? `  RSS after quiet (MB)=[${res[n].rss.map((x) => f(x, 1))}]` : ''),
  );
const cpuRatios = res.A.cpu.map((x, i) => res.B.cpu[i] / x);
const rpsRatios = res.A.rps.map((x, i) => res.B.rps[i] / x);
console.log(`B/A: req/s ×${f(median(rpsRatios))}, CPU/req ×${f(median(cpuRatios))}`);
for (const s of [a, b]) await stopChild(s.child);
await stopChild(mock.child);
