// A/B of two gateway bundles at c=1: added latency over the mock (p50/p99 of plain answers) and
// time to the first byte of a stream (p50), in interleaved blocks (ABBA order, the mock called
// directly in every round too), the gateways pinned to the last CPU, as the gateway suite
// measures them. Complements bench/gateway-ab.mjs (throughput at c=50).
//   node_modules/.bin/node bench/gateway-latency-ab.mjs A/gateway.cjs B/gateway.cjs [rounds=10] [perRound=200]
// IDLE=s waits s seconds before the rounds (after the warm-up), so each gateway's idle trim has run.
// FLAGS_A / FLAGS_B: extra Node flags for one side (space-separated).

import { Pool } from 'undici';
import { startGatewayBundle } from './lib/gateway-bundle.mjs';
import { startMock } from './lib/mock.mjs';
import { comparisonCpus, pinToCpus, stopChild } from './lib/proc.mjs';

const [A, B] = [process.argv[2], process.argv[3]];
const rounds = Number(process.argv[4] ?? 10);
const perRound = Number(process.argv[5] ?? 200);
const cpus = comparisonCpus();
const plain = JSON.stringify({
  model: 'bench',
  messages: [{ role: 'user', content: 'Say something about gateways.' }],
});
const streamed = JSON.stringify({
  model: 'bench',
  stream: true,
  messages: [{ role: 'user', content: 'Say something.' }],
});

async function start(name, bundle, mock) {
  const flags = (process.env[`FLAGS_${name}`] ?? '').split(' ').filter(Boolean);
  return { ...(await startGatewayBundle(name, bundle, mock, { flags })), path: '/v1/chat/completions' };
}

async function timed(pool, path, body) {
  const t0 = performance.now();
  const { statusCode, body: stream } = await pool.request({
    method: 'POST',
    path,
    headers: { 'content-type': 'application/json' },
    body,
  });
  let first;
  for await (const _ of stream) first ??= performance.now();
  const end = performance.now();
  if (statusCode !== 200) throw new Error(`status ${statusCode}`);
  return { first: (first ?? end) - t0, total: end - t0 };
}

const pct = (xs, p) => {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.floor((p / 100) * s.length))];
};

const mock = await startMock(0);
const a = await start('A', A, mock);
const b = await start('B', B, mock);
const direct = {
  name: 'direct',
  base: new URL(mock.url).origin,
  path: `${new URL(mock.url).pathname}/chat/completions`,
};
if (cpus) {
  pinToCpus(mock.child.pid, cpus.load);
  pinToCpus(process.pid, cpus.load);
  pinToCpus(a.child.pid, cpus.servers);
  pinToCpus(b.child.pid, cpus.servers);
}
const targets = [direct, a, b];
const pools = new Map(targets.map((t) => [t.name, new Pool(t.base, { connections: 1 })]));
const samples = new Map(targets.map((t) => [t.name, { total: [], first: [] }]));
const directBody = (body) => body.replace('"bench"', '"mock-model"');
for (const t of targets)
  for (let i = 0; i < 100; i++) {
    await timed(pools.get(t.name), t.path, t === direct ? directBody(plain) : plain);
    await timed(pools.get(t.name), t.path, t === direct ? directBody(streamed) : streamed);
  }
const idle = Number(process.env.IDLE ?? 0);
if (idle > 0) await new Promise((r) => setTimeout(r, idle * 1000));
for (let round = 0; round < rounds; round++) {
  const order = round % 2 === 0 ? targets : [...targets].reverse();
  await mock.reset();
  for (const t of order) {
    const pool = pools.get(t.name);
    const s = samples.get(t.name);
    for (let i = 0; i < perRound; i++)
      s.total.push((await timed(pool, t.path, t === direct ? directBody(plain) : plain)).total);
    for (let i = 0; i < perRound / 2; i++)
      s.first.push((await timed(pool, t.path, t === direct ? directBody(streamed) : streamed)).first);
  }
}
const d = samples.get('direct');
const f = (x) => (x >= 0 ? '+' : '') + x.toFixed(3);
console.log(
  `direct: p50 ${pct(d.total, 50).toFixed(3)} ms, p99 ${pct(d.total, 99).toFixed(3)} ms, first byte p50 ${pct(d.first, 50).toFixed(3)} ms`,
);
for (const t of [a, b]) {
  const s = samples.get(t.name);
  console.log(
    `${t.name}: added p50 ${f(pct(s.total, 50) - pct(d.total, 50))} ms, p99 ${f(pct(s.total, 99) - pct(d.total, 99))} ms, first byte p50 ${f(pct(s.first, 50) - pct(d.first, 50))} ms`,
  );
}
await Promise.all([...pools.values()].map((p) => p.close()));
for (const s of [a, b]) await stopChild(s.child);
await stopChild(mock.child);
