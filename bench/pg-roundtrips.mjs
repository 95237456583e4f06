// What one run costs the PostgreSQL store on the wire (BENCHMARKS.md, "PostgreSQL store"):
// statements, transactions and round trips per run, counted by a proxy between the server and
// PostgreSQL that reads the frontend protocol (no server setting, no extension needed).
//
//   npm run build
//   node bench/pg-roundtrips.mjs postgres://user:pass@127.0.0.1:5432/db [runs=200]
//
// One server (the bundle, as deploy ships it) on the store through the proxy, the mock at
// 0 ms. After a warm-up, `runs` runs one after another (c=1, so nothing is coalesced across
// runs), sync `/run` of the one-call workflow, then the same number submitted async and
// awaited; then the same time idle, whose traffic (heartbeats, polls) is subtracted.
// A round trip is a flight of client messages answered by the server before the next one.
// ENTRY=dir/server.mjs measures that server bundle (made with bundleServer from a build's dist/).
import { mkdtempSync, rmSync } from 'node:fs';
import { createConnection, createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import postgres from 'postgres';
import { startMock } from './lib/mock.mjs';
import { freePort, stopChild } from './lib/proc.mjs';
import { round, sleep } from './lib/stats.mjs';
import { agentcrate, runOnce, startSystem } from './lib/systems.mjs';

const url = process.argv[2];
if (!url) {
  console.error('usage: node bench/pg-roundtrips.mjs <postgres-url> [runs]');
  process.exit(2);
}
const runs = Number(process.argv[3] ?? 200);
const target = new URL(url);
const schema = `bench_roundtrips_${process.pid}`;

const counts = { execute: 0, simple: 0, sync: 0, flights: 0, bytesOut: 0, statements: new Map() };
const zero = () => ({ ...counts, statements: new Map(counts.statements) });
const perRun = (a, b, n) =>
  [...b.statements].map(([k, v]) => [k, (v - (a.statements.get(k) ?? 0)) / n]).filter(([, v]) => v > 0);

/** Reads frontend messages (type byte, int32 length) from the client's stream. */
function frontendReader() {
  let buf = Buffer.alloc(0);
  let started = false;
  const named = new Map();
  let unnamed = '';
  return (chunk) => {
    buf = Buffer.concat([buf, chunk]);
    for (;;) {
      if (!started) {
        // Startup (and SSL request): no type byte.
        if (buf.length < 8) return;
        const len = buf.readInt32BE(0);
        if (buf.length < len) return;
        const code = buf.readInt32BE(4);
        buf = buf.subarray(len);
        if (code !== 80877103) started = true; // not SSLRequest
        continue;
      }
      if (buf.length < 5) return;
      const type = String.fromCharCode(buf[0]);
      const len = buf.readInt32BE(1);
      if (buf.length < len + 1) return;
      const body = buf.subarray(5, len + 1);
      if (type === 'E') counts.execute += 1;
      else if (type === 'S') counts.sync += 1;
      else if (type === 'Q') {
        counts.simple += 1;
        note(body.toString('utf8', 0, body.indexOf(0)));
      } else if (type === 'P') {
        const end = body.indexOf(0);
        const name = body.toString('utf8', 0, end);
        const text = body.toString('utf8', end + 1, body.indexOf(0, end + 1));
        if (name === '') unnamed = text;
        else named.set(name, text);
      } else if (type === 'B') {
        const portalEnd = body.indexOf(0);
        const name = body.toString('utf8', portalEnd + 1, body.indexOf(0, portalEnd + 1));
        note(name === '' ? unnamed : (named.get(name) ?? name));
      }
      buf = buf.subarray(len + 1);
    }
  };
}
// Statements run, by their first words.
function note(text) {
  const key = text.replace(/\s+/g, ' ').trim().slice(0, 60);
  counts.statements.set(key, (counts.statements.get(key) ?? 0) + 1);
}

const proxy = createServer((client) => {
  const server = createConnection({ host: target.hostname, port: Number(target.port || 5432) });
  const read = frontendReader();
  let answered = true;
  client.setNoDelay(true);
  server.setNoDelay(true);
  client.on('data', (chunk) => {
    if (answered) counts.flights += 1;
    answered = false;
    counts.bytesOut += chunk.length;
    read(chunk);
    server.write(chunk);
  });
  server.on('data', (chunk) => {
    answered = true;
    client.write(chunk);
  });
  const end = () => {
    client.destroy();
    server.destroy();
  };
  client.on('error', end).on('close', end);
  server.on('error', end).on('close', end);
});
const proxyPort = await freePort();
await new Promise((resolve) => proxy.listen(proxyPort, '127.0.0.1', resolve));
const viaProxy = new URL(url);
viaProxy.host = `127.0.0.1:${proxyPort}`;
viaProxy.searchParams.set('schema', schema);

const dir = mkdtempSync(join(tmpdir(), 'agentcrate-pg-roundtrips-'));
const mock = await startMock(0);
const sql = postgres(url, { max: 1, onnotice: () => {} });
let server;
try {
  const avail = agentcrate.available();
  if (!avail.ok) throw new Error(avail.why);
  server = await startSystem(agentcrate, {
    port: await freePort(),
    mockUrl: mock.url,
    stateDir: dir,
    logFile: join(dir, 'server.log'),
    workflow: 'one',
    env: { AGENTCRATE_STORE: viaProxy.toString() },
    ...(process.env.ENTRY ? { entry: process.env.ENTRY } : {}),
  });
  for (let i = 0; i < 20; i++) await runOnce(agentcrate, server.base, 'one');
  const diff = (a, b, n) => ({
    statements: (b.execute + b.simple - a.execute - a.simple) / n,
    syncs: (b.sync - a.sync) / n,
    flights: (b.flights - a.flights) / n,
    bytes: (b.bytesOut - a.bytesOut) / n,
  });
  const phase = async (fn) => {
    const before = zero();
    const t0 = Date.now();
    await fn();
    const ms = Date.now() - t0;
    const after = zero();
    // The same time idle: heartbeats and polls, subtracted.
    await sleep(ms);
    const idle = zero();
    const total = diff(before, after, runs);
    const background = diff(after, idle, runs);
    const idleRuns = new Map(perRun(after, idle, runs));
    const which = perRun(before, after, runs)
      .map(([k, v]) => [k, v - (idleRuns.get(k) ?? 0)])
      .filter(([, v]) => v > 0.005);
    return {
      ...Object.fromEntries(Object.keys(total).map((k) => [k, total[k] - background[k]])),
      which,
    };
  };
  const sync = await phase(async () => {
    for (let i = 0; i < runs; i++) {
      if (!(await runOnce(agentcrate, server.base, 'one'))) throw new Error('a run failed');
    }
  });
  const async_ = await phase(async () => {
    for (let i = 0; i < runs; i++) {
      const job = await agentcrate.submitAsync(server.base);
      for (;;) {
        const status = await agentcrate.jobStatus(server.base, job);
        if (status === 'completed') break;
        if (status === 'failed') throw new Error('an async run failed');
        await sleep(1);
      }
    }
  });
  console.log(`\nPer run of the one-call workflow, ${runs} runs one after another, idle traffic subtracted:`);
  for (const [name, r] of [
    ['sync /run', sync],
    ['async /run + /status polls', async_],
  ]) {
    console.log(
      `  ${name.padEnd(28)} statements ${round(r.statements, 2)}, syncs ${round(r.syncs, 2)}, round trips ${round(r.flights, 2)}, bytes sent ${Math.round(r.bytes)}`,
    );
    for (const [text, n] of r.which) console.log(`    ${round(n, 2).toString().padStart(5)}  ${text}`);
  }
} finally {
  if (server) await stopChild(server.child);
  await mock.close();
  proxy.close();
  await sql.unsafe(`DROP SCHEMA IF EXISTS "${schema}" CASCADE`).catch(() => {});
  await sql.end();
  rmSync(dir, { recursive: true, force: true });
}
