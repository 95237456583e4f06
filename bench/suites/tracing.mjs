// Tracing on vs off, interleaved: the goal is "tracing costs ≤ 5% of the server's throughput at
// c=50". Measured one after the other, two servers drift apart by as much as that on a shared
// VM (BENCHMARKS.md shows ±10–20% between identical runs), so both run side by side against
// one 0 ms mock and take turns under load in short windows, in ABBA order (on, off, off, on,
// …) so a trend in the machine's speed falls on both alike. Each window also reads the
// server's own CPU time from /proc, which does not count the load generator's or the mock's
// share of the two cores. Idle trimming is off for both: a GC in the quiet server would land
// in the other's window. Both servers are pinned to the same CPU, the load generator and the
// mock to another, so the scheduler's placement is the same for both.
import { readFileSync } from 'node:fs';
import { load } from '../lib/load.mjs';
import { startMock } from '../lib/mock.mjs';
import { comparisonCpus, freePort, pinToCpus, stopChild } from '../lib/proc.mjs';
import { median, round } from '../lib/stats.mjs';
import { agentcrate, runOnce, startSystem } from '../lib/systems.mjs';

/** utime + stime of a process, in ms (clock ticks are 10 ms on Linux). */
function cpuMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

export async function tracing(ctx) {
  // Rounds of fresh server pairs, started in alternating order: on this VM the server started
  // first was at times ~30% costlier per run than an identical one started second (pinned or
  // not; the host pages out memory that stays cold for a minute), so one pair alone can be
  // biased either way, and the first pair of a session was seen drifting apart over its windows
  // when later pairs did not. Within a round the two take turns in ABBA windows; the rounds'
  // median ratios are combined by their median, so one such round does not decide the result.
  const rounds = ctx.smoke ? 2 : 4;
  const windows = ctx.smoke ? 1 : Math.max(3, ctx.repeat * 2);
  const durationSec = ctx.smoke ? 1 : Math.max(3, Math.round(ctx.durationSec / 2));
  const connections = ctx.smoke ? 10 : 50;
  const mock = await startMock(0);
  const samples = { on: [], off: [] };
  const roundRatios = [];
  // Read before anything is pinned: pinning this process narrows what it sees.
  const cpus = comparisonCpus();
  let pinned = true;
  let reads;
  try {
    for (let k = 0; k < rounds; k++) {
      const servers = {};
      try {
        for (const traces of k % 2 === 0 ? [true, false] : [false, true]) {
          const port = await freePort();
          const { child, base } = await startSystem(agentcrate, {
            port,
            mockUrl: mock.url,
            workflow: 'one',
            traces,
            env: { AGENTCRATE_IDLE_TRIM_MS: '0' },
            ...ctx.stateFor(agentcrate),
          });
          servers[traces ? 'on' : 'off'] = { child, base };
          if (!(await runOnce(agentcrate, base, 'one')))
            throw new Error(`traces=${traces}: a first run failed`);
        }
        pinned =
          pinned &&
          cpus !== undefined &&
          Object.values(servers).every((s) => pinToCpus(s.child.pid, cpus.servers)) &&
          pinToCpus(mock.child.pid, cpus.load) &&
          pinToCpus(process.pid, cpus.load);
        // Warm-up (JIT, connections), not measured.
        for (const s of Object.values(servers))
          await load(agentcrate, s.base, 'one', { connections, durationSec: ctx.smoke ? 0.3 : 2 });
        const mine = { on: [], off: [] };
        for (let w = 0; w < windows * 2; w++) {
          // ABBA: on off | off on | on off | …
          const order = w % 2 === 0 ? ['on', 'off'] : ['off', 'on'];
          for (const which of order) {
            const { child, base } = servers[which];
            await mock.reset();
            const before = cpuMs(child.pid);
            const r = await load(agentcrate, base, 'one', { connections, durationSec });
            const cpu = cpuMs(child.pid) - before;
            const sample = { ...r, cpu_ms_per_run: r.runs_ok > 0 ? cpu / r.runs_ok : null };
            mine[which].push(sample);
            samples[which].push(sample);
            ctx.log(
              `tracing round ${k + 1} ${which} window ${w + 1}: ${round(r.runs_per_s)} runs/s, p99 ${r.p99_ms} ms, ${round(sample.cpu_ms_per_run, 3)} ms CPU/run`,
            );
          }
        }
        const pairs = mine.on.map((on, i) => ({
          runs: on.runs_per_s / mine.off[i].runs_per_s,
          cpu: on.cpu_ms_per_run / mine.off[i].cpu_ms_per_run,
        }));
        roundRatios.push({
          first: k % 2 === 0 ? 'on' : 'off',
          runs: median(pairs.map((p) => p.runs)),
          cpu: median(pairs.map((p) => p.cpu)),
        });
        // What the design moves to the read side: rebuilding a trace from its job's events.
        if (k === rounds - 1) {
          reads = await readCost(servers.on.base);
          ctx.log(
            `tracing reads: GET /traces/{id} p50 ${reads.trace_p50_ms} ms, GET /traces?limit=50 p50 ${reads.list_p50_ms} ms`,
          );
        }
      } finally {
        for (const s of Object.values(servers)) await stopChild(s.child);
      }
    }
    const row = {
      rounds,
      windows_per_round: windows * 2,
      window_s: durationSec,
      connections,
      pinned,
      on_runs_per_s: round(median(samples.on.map((s) => s.runs_per_s))),
      off_runs_per_s: round(median(samples.off.map((s) => s.runs_per_s))),
      on_p99_ms: median(samples.on.map((s) => s.p99_ms)),
      off_p99_ms: median(samples.off.map((s) => s.p99_ms)),
      on_cpu_ms_per_run: round(median(samples.on.map((s) => s.cpu_ms_per_run)), 3),
      off_cpu_ms_per_run: round(median(samples.off.map((s) => s.cpu_ms_per_run)), 3),
      runs_ratio: round(median(roundRatios.map((r) => r.runs)), 3),
      cpu_ratio: round(median(roundRatios.map((r) => r.cpu)), 3),
      round_runs_ratios: roundRatios.map((r) => `${round(r.runs, 3)} (${r.first} first)`),
      round_cpu_ratios: roundRatios.map((r) => round(r.cpu, 3)),
      ...reads,
    };
    const throughputCost = round((1 - row.runs_ratio) * 100, 1);
    const cpuCost = round((row.cpu_ratio - 1) * 100, 1);
    return {
      rows: [row],
      markdown: `| measure | tracing on | tracing off | on / off |
|---|---|---|---|
| runs/s (1-step, 0 ms mock, c=${connections}) | ${row.on_runs_per_s} | ${row.off_runs_per_s} | ${row.runs_ratio} (tracing costs ${throughputCost}% of throughput) |
| p99 ms | ${row.on_p99_ms} | ${row.off_p99_ms} | |
| server CPU ms per run | ${row.on_cpu_ms_per_run} | ${row.off_cpu_ms_per_run} | ${row.cpu_ratio} (${cpuCost >= 0 ? '+' : ''}${cpuCost}% CPU per run) |

${rounds} rounds, each a fresh pair of servers (started in alternating order) running at once against one mock and taking turns under load in ${windows * 2} windows of ${durationSec} s, in ABBA order; a round's ratio is the median of its pairs' ratios, and the table's ratio the median of the rounds'. Per round, runs/s on/off: ${row.round_runs_ratios.join(', ')}; CPU per run on/off: ${row.round_cpu_ratios.join(', ')}. ${pinned ? `Both servers are pinned to CPU ${cpus.servers} and the load generator and mock to CPU ${cpus.load}, so absolute runs/s and p99 here are those of a one-core server and lower than in the throughput table.` : 'Not pinned (taskset or a second CPU missing).'} Why rounds: on this VM two identical servers were at times measured up to 30% apart in CPU per run (the first pair of a session, pinned or not), and a single pair would carry that.

Traces are rebuilt from each job's stored events when read, so that is where their cost is: one after another against the traced server of the last round (its store then holding that round's runs), \`GET /traces/{job_id}\` of a 1-step run took ${row.trace_p50_ms} ms at the median (p90 ${row.trace_p90_ms} ms) and \`GET /traces?limit=50\` ${row.list_p50_ms} ms (p90 ${row.list_p90_ms} ms), the HTTP round trip included.
`,
    };
  } finally {
    await mock.close();
  }
}

/** Median and p90 of sequential GETs of one trace and of a 50-run list (ms, round trip included). */
async function readCost(base) {
  const run = await fetch(`${base}/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic: 'containers' }),
  }).then((r) => r.json());
  const time = async (url, n) => {
    const ms = [];
    for (let i = 0; i < n; i++) {
      const t0 = performance.now();
      const res = await fetch(url);
      await res.arrayBuffer();
      if (!res.ok) throw new Error(`GET ${url}: ${res.status}`);
      ms.push(performance.now() - t0);
    }
    ms.sort((a, b) => a - b);
    return { p50: round(ms[Math.floor(n / 2)], 2), p90: round(ms[Math.floor(n * 0.9)], 2) };
  };
  const one = await time(`${base}/traces/${run.job_id}`, 200);
  const list = await time(`${base}/traces?limit=50`, 50);
  return { trace_p50_ms: one.p50, trace_p90_ms: one.p90, list_p50_ms: list.p50, list_p90_ms: list.p90 };
}
