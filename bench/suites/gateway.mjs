// The model gateway against Portkey's open-source gateway, same mock, same run:
//   added latency over calling the mock directly (p50/p99, c=1, interleaved rounds),
//   time to the first byte of a stream (c=1), throughput at c=50, idle memory, and the delay
//   a mid-stream failover adds to a stream that breaks (a mock cuts it after 4 of 10 chunks).
// The c=1 phases pin nobody: every target (the mock direct, the floor, each gateway) is called
// by this process over a one-connection pool, in front of the same mock, in interleaved rounds
// whose order reverses every round. For throughput the gateways run pinned to the last CPU, the
// mocks and this process to the first, so the comparison is of the gateways' own work.

import { readFileSync } from 'node:fs';
import autocannon from 'autocannon';
import { Pool } from 'undici';
import { agentcrateGateway, direct, nodeFloor, portkey } from '../lib/gateways.mjs';
import { startMock } from '../lib/mock.mjs';
import { comparisonCpus, freePort, pinToCpus, rssMb, stopChild } from '../lib/proc.mjs';
import { median, ratio, round, sleep } from '../lib/stats.mjs';

const TEXT = 'Gateways sit between every workflow and every provider, so what they add must be small.';

// Memory after load is read once every gateway has been quiet long enough to give memory back
// (agentcrate's gateway waits this long before trimming; src/gateway/settings.ts).
const { DEFAULT_GATEWAY_IDLE_TRIM_MS } = await import(
  new URL('../../dist/gateway/settings.js', import.meta.url).href
).catch(() => ({ DEFAULT_GATEWAY_IDLE_TRIM_MS: 10_000 }));

function percentile(xs, p) {
  const sorted = [...xs].sort((a, b) => a - b);
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))];
}

/** One request over a kept-alive connection; times to the first body byte and to the end (ms). */
async function timed(pool, req) {
  const t0 = performance.now();
  const { statusCode, body } = await pool.request({
    method: 'POST',
    path: req.path,
    headers: req.headers,
    body: req.body,
  });
  let first;
  let text = '';
  for await (const chunk of body) {
    first ??= performance.now();
    text += chunk;
  }
  const end = performance.now();
  if (statusCode !== 200) throw new Error(`status ${statusCode}: ${text.slice(0, 200)}`);
  return { first: (first ?? end) - t0, total: end - t0, text };
}

/** c=1 latency of each target, in interleaved blocks so drift hits all alike. */
async function interleaved(targets, { rounds, perRound, stream }) {
  const samples = new Map(targets.map((t) => [t.name, { first: [], total: [] }]));
  const pools = new Map(targets.map((t) => [t.name, new Pool(t.base, { connections: 1 })]));
  try {
    for (const t of targets)
      for (let i = 0; i < 50; i++) await timed(pools.get(t.name), t.request('bench', { stream })); // warm-up
    for (let round = 0; round < rounds; round++) {
      const order = round % 2 === 0 ? targets : [...targets].reverse();
      for (const t of order) {
        const pool = pools.get(t.name);
        const req = t.request('bench', { stream });
        const s = samples.get(t.name);
        for (let i = 0; i < perRound; i++) {
          const r = await timed(pool, req);
          s.first.push(r.first);
          s.total.push(r.total);
        }
      }
    }
  } finally {
    await Promise.all([...pools.values()].map((p) => p.close()));
  }
  return samples;
}

/** User + system CPU time of a process so far, in ms (Linux /proc; clock ticks of 10 ms). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

function throughput(base, req, { connections, durationSec }) {
  return new Promise((resolve, reject) => {
    autocannon(
      {
        url: base + req.path,
        method: 'POST',
        headers: req.headers,
        body: req.body,
        connections,
        duration: durationSec,
        verifyBody: (text) => text.includes('"choices"'),
      },
      (error, r) => {
        if (error) reject(error);
        else
          resolve({
            ok: Math.max(0, (r['2xx'] ?? 0) - (r.mismatches ?? 0)),
            rps: Math.max(0, (r['2xx'] ?? 0) - (r.mismatches ?? 0)) / (r.duration || 1),
            errors: (r.errors ?? 0) + (r.non2xx ?? 0) + (r.mismatches ?? 0),
          });
      },
    );
  });
}

/** Failover: a streams 4 of 10 chunks and cuts; b answers. Added time over an unbroken stream from b. */
async function failover(system, running, mocks, { repeats }) {
  const pool = new Pool(running.base, { connections: 1 });
  const broken = [];
  const normal = [];
  const firstTokenB = [];
  let complete = 0;
  try {
    for (let i = 0; i < repeats; i++) {
      await mocks.b.script([{ text: TEXT, pieces: 10 }]);
      const n = await timed(pool, system.request('fallback-b', { stream: true }));
      normal.push(n.total);
      firstTokenB.push(n.first);
      await mocks.a.script([{ text: TEXT, pieces: 10, cutAfterChunks: 4 }]);
      await mocks.b.script([{ text: TEXT, pieces: 6 }]);
      const r = await timed(pool, system.request('failover', { stream: true })).catch((error) => ({
        total: null,
        text: String(error),
      }));
      const got = r.text
        .split('\n')
        .filter((l) => l.startsWith('data: {'))
        .map((l) => JSON.parse(l.slice(6)).choices?.[0]?.delta?.content ?? '')
        .join('');
      if (got === TEXT && r.text.includes('[DONE]')) {
        complete += 1;
        broken.push(r.total);
      }
      await Promise.all([mocks.a.reset(), mocks.b.reset()]);
    }
  } finally {
    await pool.close();
  }
  return {
    completed: complete,
    repeats,
    added_ms: broken.length > 0 ? round(median(broken) - median(normal), 1) : null,
    unbroken_ms: round(median(normal), 1),
    fallback_first_token_ms: round(median(firstTokenB), 1),
  };
}

export async function gateway(ctx) {
  const smoke = ctx.smoke;
  // A smoke run (the harness's own test) keeps to agentcrate: Portkey takes seconds to start.
  const systems = (smoke ? [agentcrateGateway] : [agentcrateGateway, portkey, nodeFloor]).filter((s) => {
    const a = s.available();
    if (!a.ok) ctx.log(`gateway: skipping ${s.name}: ${a.why}`);
    return a.ok;
  });
  const cpus = comparisonCpus();
  const rows = [];
  // Phase 1: an instant mock — latency, time to first byte, throughput, memory.
  const mock = await startMock(0);
  const running = [];
  try {
    for (const system of systems) {
      const state = ctx.stateFor({ name: `gateway-${system.name}` });
      const r = await system.start({ port: await freePort(), mockA: mock.url, ...state });
      running.push({ system, ...r, row: { system: system.name, version: system.version() } });
    }
    await sleep(smoke ? 200 : 2000);
    for (const r of running) r.row.idle_cold_mb = round(rssMb(r.child.pid));
    const targets = [
      { name: 'direct', ...direct(mock.url) },
      ...running.map((r) => ({
        name: r.system.name,
        base: r.base,
        request: (route, o) => r.system.request(route, o),
      })),
    ];
    const rounds = smoke ? 1 : 10;
    const perRound = smoke ? 20 : 300;
    const plain = await interleaved(targets, { rounds, perRound, stream: false });
    const streamed = await interleaved(targets, { rounds, perRound: smoke ? 10 : 150, stream: true });
    await mock.reset();
    const floor = plain.get('direct');
    const floorStream = streamed.get('direct');
    const directRow = {
      system: 'direct',
      p50_ms: round(percentile(floor.total, 50), 3),
      p99_ms: round(percentile(floor.total, 99), 3),
      ttfb_p50_ms: round(percentile(floorStream.first, 50), 3),
    };
    for (const r of running) {
      const s = plain.get(r.system.name);
      const st = streamed.get(r.system.name);
      Object.assign(r.row, {
        p50_ms: round(percentile(s.total, 50), 3),
        p99_ms: round(percentile(s.total, 99), 3),
        added_p50_ms: round(percentile(s.total, 50) - percentile(floor.total, 50), 3),
        added_p99_ms: round(percentile(s.total, 99) - percentile(floor.total, 99), 3),
        ttfb_p50_ms: round(percentile(st.first, 50), 3),
        added_ttfb_p50_ms: round(percentile(st.first, 50) - percentile(floorStream.first, 50), 3),
        samples: s.total.length,
      });
    }
    await sleep(smoke ? 200 : DEFAULT_GATEWAY_IDLE_TRIM_MS + 2000);
    for (const r of running) r.row.idle_after_mb = round(rssMb(r.child.pid));
    const durationSec = smoke ? 1 : Math.max(5, ctx.durationSec * 2);
    const resetter = setInterval(() => void mock.reset().catch(() => {}), 1000);
    if (cpus) {
      pinToCpus(mock.child.pid, cpus.load);
      pinToCpus(process.pid, cpus.load);
      for (const r of running) pinToCpus(r.child.pid, cpus.servers);
    }
    try {
      directRow.rps_c50 = round(
        (
          await throughput(new URL(mock.url).origin, direct(mock.url).request('bench'), {
            connections: 50,
            durationSec,
          })
        ).rps,
        0,
      );
      for (const r of running) {
        const before = cpuMs(r.child.pid);
        const t = await throughput(r.base, r.system.request('bench'), { connections: 50, durationSec });
        const cpu = (cpuMs(r.child.pid) - before) / Math.max(1, t.ok);
        Object.assign(r.row, {
          rps_c50: round(t.rps, 0),
          errors_c50: t.errors,
          cpu_ms_per_request: round(cpu, 3),
        });
        ctx.log(
          `gateway ${r.system.name}: c=50 ${round(t.rps, 0)} req/s, ${round(cpu, 3)} ms CPU per request (${t.errors} errors)`,
        );
      }
    } finally {
      clearInterval(resetter);
    }
    rows.push(directRow, ...running.map((r) => r.row));
  } finally {
    await Promise.all(running.map((r) => stopChild(r.child)));
    await mock.close();
  }

  // Phase 2: mocks with a 50 ms first token and 10 ms between chunks; a breaks its streams.
  const mocks = {
    a: await startMock(50, { chunkDelayMs: 10 }),
    b: await startMock(50, { chunkDelayMs: 10 }),
  };
  try {
    for (const system of systems.filter((s) => !s.floor)) {
      const state = ctx.stateFor({ name: `gateway-${system.name}-failover` });
      const r = await system.start({
        port: await freePort(),
        mockA: mocks.a.url,
        mockB: mocks.b.url,
        ...state,
      });
      try {
        const f = await failover(system, r, mocks, { repeats: smoke ? 2 : 20 });
        Object.assign(rows.find((row) => row.system === system.name) ?? {}, {
          failover_completed: f.completed,
          failover_repeats: f.repeats,
          failover_added_ms: f.added_ms,
          failover_unbroken_ms: f.unbroken_ms,
          fallback_first_token_ms: f.fallback_first_token_ms,
        });
        ctx.log(
          `gateway ${system.name}: failover completed ${f.completed}/${f.repeats}, added ${f.added_ms} ms (fallback first token ${f.fallback_first_token_ms} ms)`,
        );
      } finally {
        await stopChild(r.child);
      }
    }
  } finally {
    await Promise.all([mocks.a.close(), mocks.b.close()]);
  }
  const ours = rows.find((r) => r.system === 'agentcrate');
  const peer = rows.find((r) => r.system === 'portkey');
  if (ours && peer) {
    ours.rps_ratio_vs_portkey = ratio(ours.rps_c50, peer.rps_c50);
    ours.cpu_ratio_vs_portkey = ratio(peer.cpu_ms_per_request, ours.cpu_ms_per_request);
  }
  return { rows, markdown: render(rows) };
}

function render(rows) {
  const by = Object.fromEntries(rows.map((r) => [r.system, r]));
  const a = by.agentcrate ?? {};
  const p = by.portkey ?? {};
  const d = by.direct ?? {};
  const f = by['node-floor'] ?? {};
  const v = (x, unit = '') => (x === null || x === undefined ? '–' : `${x}${unit}`);
  const plus = (x) => (x === null || x === undefined ? '–' : `+${x} ms`);
  const failed = (r) =>
    r.failover_completed === undefined
      ? '–'
      : r.failover_completed === r.failover_repeats
        ? `completed ${r.failover_completed}/${r.failover_repeats}, +${r.failover_added_ms} ms`
        : `completed ${r.failover_completed}/${r.failover_repeats} (the rest reached the client truncated)`;
  return [
    '| measure | direct to the mock | bare Node proxy (the floor) | agentcrate gateway | Portkey gateway | agentcrate goal |',
    '|---|---|---|---|---|---|',
    `| latency, c=1, p50 | ${v(d.p50_ms, ' ms')} | ${plus(f.added_p50_ms)} (${v(f.p50_ms, ' ms')}) | ${plus(a.added_p50_ms)} (${v(a.p50_ms, ' ms')}) | ${plus(p.added_p50_ms)} (${v(p.p50_ms, ' ms')}) | ≤ +0.2 ms |`,
    `| latency, c=1, p99 | ${v(d.p99_ms, ' ms')} | ${plus(f.added_p99_ms)} (${v(f.p99_ms, ' ms')}) | ${plus(a.added_p99_ms)} (${v(a.p99_ms, ' ms')}) | ${plus(p.added_p99_ms)} (${v(p.p99_ms, ' ms')}) | ≤ +1 ms |`,
    `| time to first byte of a stream, c=1, p50 | ${v(d.ttfb_p50_ms, ' ms')} | ${plus(f.added_ttfb_p50_ms)} | ${plus(a.added_ttfb_p50_ms)} | ${plus(p.added_ttfb_p50_ms)} | ≤ +1 ms |`,
    `| throughput, c=50 (req/s) | ${v(d.rps_c50)} | ${v(f.rps_c50)} | ${v(a.rps_c50)} (${v(a.rps_ratio_vs_portkey)}× Portkey) | ${v(p.rps_c50)} | ≥ 5× Portkey |`,
    `| CPU time per request at c=50 | – | ${v(f.cpu_ms_per_request, ' ms')} | ${v(a.cpu_ms_per_request, ' ms')} (${v(a.cpu_ratio_vs_portkey)}× less than Portkey) | ${v(p.cpu_ms_per_request, ' ms')} | – |`,
    `| memory idle after start / after the latency runs and 12 quiet seconds (MB) | – | ${v(f.idle_cold_mb)} / ${v(f.idle_after_mb)} | ${v(a.idle_cold_mb)} / ${v(a.idle_after_mb)} | ${v(p.idle_cold_mb)} / ${v(p.idle_after_mb)} | ≤ 50 MB |`,
    `| stream broken after 4 of 10 chunks (fallback first token ${v(a.fallback_first_token_ms, ' ms')}) | – | – | ${failed(a)} | ${failed(p)} | + one fallback first token |`,
    '',
  ].join('\n');
}
