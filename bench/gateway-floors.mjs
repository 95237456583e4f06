// Where one extra hop's latency goes at c=1: the mock called directly and through a ladder of
// proxies, side by side, in interleaved rounds (order reversed every other round), every proxy
// pinned to the last CPU and the mock and this client to the first (PIN=0: nobody pinned, as
// the gateway suite's latency phase runs). The ladder: a TCP pipe (no HTTP at all: the
// kernel's and the scheduler's share), node:http in and out (http.Agent), node:http in and an
// undici Pool out (the suite's floor), and the gateway bundles given as arguments.
//   node_modules/.bin/node bench/gateway-floors.mjs [gateway.cjs[::ENV=value,…] ...] [ROUNDS=20] [PER=200]
// FLAGS='…' adds Node flags to every proxy (e.g. --cpu-prof; files in the directories printed);
// ONLY=name,… keeps those targets (direct, tcp-pipe, http-agent, http-undici, gw0, gw1, …).
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Pool } from 'undici';
import { startGatewayBundle } from './lib/gateway-bundle.mjs';
import { startMock } from './lib/mock.mjs';
import { NODE, ROOT } from './lib/paths.mjs';
import {
  comparisonCpus,
  cpuTimeMs,
  freePort,
  pinToCpus,
  spawnTracked,
  stopChild,
  waitUntil,
} from './lib/proc.mjs';

const bundles = process.argv.slice(2);
const rounds = Number(process.env.ROUNDS ?? 20);
const per = Number(process.env.PER ?? 200);
const pin = process.env.PIN !== '0';
const flags = (process.env.FLAGS ?? '').split(' ').filter(Boolean);
const only = process.env.ONLY?.split(',');
const cpus = comparisonCpus();

const body = (model) =>
  JSON.stringify({ model, messages: [{ role: 'user', content: 'Say something about gateways.' }] });

async function startScript(name, file, upstream, probe = '/health') {
  const port = await freePort();
  const dir = mkdtempSync(join(tmpdir(), `gw-${name}-`));
  const child = spawnTracked(NODE, [...flags, `${ROOT}/bench/lib/${file}`, String(port), upstream], {
    cwd: dir,
    logFile: join(dir, 'out.log'),
  });
  child.stderr?.resume();
  child.stdout?.resume();
  const base = `http://127.0.0.1:${port}`;
  await waitUntil(
    () =>
      fetch(base + probe, probe === '/health' ? {} : { method: 'POST', body: body('mock-model') }).then(
        (r) => r.ok,
      ),
    { timeoutMs: 90000, what: name, child },
  );
  return { name, child, base, dir, path: '/v1/chat/completions', body: body('mock-model') };
}

const mock = await startMock(0);
const mockOrigin = new URL(mock.url).origin;
const chat = `${mock.url}/chat/completions`;
const targets = [
  { name: 'direct', base: mockOrigin, path: new URL(chat).pathname, body: body('mock-model') },
];
const all = [
  () => startScript('tcp-pipe', 'tcp-pipe-proxy.mjs', mockOrigin, '/v1/chat/completions'),
  () => startScript('http-agent', 'node-agent-proxy.mjs', chat),
  () => startScript('http-undici', 'node-floor-proxy.mjs', chat),
  ...bundles.map((arg, i) => async () => {
    // `bundle::K=V,K=V` runs that bundle with extra environment.
    const [b, extra = ''] = arg.split('::');
    const env = Object.fromEntries(
      extra
        .split(',')
        .filter(Boolean)
        .map((kv) => kv.split('=')),
    );
    return {
      ...(await startGatewayBundle(`gw${i}`, b, mock, { flags, env })),
      path: '/v1/chat/completions',
      body: body('bench'),
    };
  }),
];
for (const start of all) {
  const t = await start();
  if (t.name === 'tcp-pipe') t.path = new URL(chat).pathname;
  if (!only || only.includes(t.name)) targets.push(t);
  else await stopChild(t.child);
}
if (pin && cpus) {
  pinToCpus(mock.child.pid, cpus.load);
  pinToCpus(process.pid, cpus.load);
  for (const t of targets) if (t.child) pinToCpus(t.child.pid, cpus.servers);
}
for (const t of targets) if (t.dir) console.log(`${t.name}: ${t.dir}`);

async function timed(pool, t) {
  const t0 = performance.now();
  const { statusCode, body: stream } = await pool.request({
    method: 'POST',
    path: t.path,
    headers: { 'content-type': 'application/json' },
    body: t.body,
  });
  for await (const _ of stream);
  if (statusCode !== 200) throw new Error(`${t.name}: status ${statusCode}`);
  return performance.now() - t0;
}
const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};
const pools = new Map(targets.map((t) => [t.name, new Pool(t.base, { connections: 1 })]));
const samples = new Map(targets.map((t) => [t.name, []]));
// Each proxy's CPU time (all its threads) over its own blocks: a steadier measure than latency.
const cpu = new Map(targets.map((t) => [t.name, 0]));
for (const t of targets) for (let i = 0; i < 200; i++) await timed(pools.get(t.name), t);
const load0 = (await import('node:os')).loadavg()[0];
for (let r = 0; r < rounds; r++) {
  if (r % 5 === 0) await mock.reset();
  for (const t of r % 2 === 0 ? targets : [...targets].reverse()) {
    const before = t.child ? cpuTimeMs(t.child.pid) : 0;
    for (let i = 0; i < per; i++) samples.get(t.name).push(await timed(pools.get(t.name), t));
    if (t.child) cpu.set(t.name, cpu.get(t.name) + cpuTimeMs(t.child.pid) - before);
  }
}
const d = samples.get('direct');
const f = (x) => x.toFixed(3);
console.log(
  `load ${load0.toFixed(1)} → ${(await import('node:os')).loadavg()[0].toFixed(1)}, ${rounds}×${per} per target, pinned ${pin}`,
);
for (const t of targets) {
  const s = samples.get(t.name);
  const add = (p) => f(pct(s, p) - pct(d, p));
  console.log(
    `${t.name.padEnd(12)} p50 ${f(pct(s, 50))} p90 ${f(pct(s, 90))} p99 ${f(pct(s, 99))}` +
      (t === targets[0]
        ? ''
        : `   added p50 +${add(50)} p90 +${add(90)} p99 +${add(99)}   CPU ${f(cpu.get(t.name) / s.length)} ms/request`),
  );
}
await Promise.all([...pools.values()].map((p) => p.close()));
for (const t of targets) if (t.child) await stopChild(t.child);
await stopChild(mock.child);
