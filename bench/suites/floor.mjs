// agentcrate against the floor (bench/floor/server.mjs: node:http, a job row in SQLite before
// the model call, one keep-alive json_schema request per step, the row updated after): the share
// of what this machine can do per run that agentcrate reaches, 1-step against the floor and
// 3-step against its 3-call variant, 0 ms mock, c=50, unpinned as in the throughput suite.
// Both run at once against one mock and take the load in turns (ABBA windows), in rounds of
// fresh pairs started in alternating order, combined by the median of the rounds' median ratios
// (one pair alone can drift on a shared VM; see the tracing suite). CPU per run is each
// server's own CPU time (/proc) over its window's successful runs, bytes written per run the
// bytes it caused to be written to storage (/proc/<pid>/io write_bytes: SQLite's WAL and
// checkpoints) over the same runs.
import { load } from '../lib/load.mjs';
import { startMock } from '../lib/mock.mjs';
import { cpuTimeMs, stopChild, writtenBytes } from '../lib/proc.mjs';
import { median, round } from '../lib/stats.mjs';
import { agentcrate, floor, runOnce, startFresh } from '../lib/systems.mjs';

const GOALS = { one: { runs: 0.5, p99: 2 }, three: { runs: 0.4, p99: null } };

export async function floorSuite(ctx) {
  const rounds = ctx.smoke ? 1 : 3;
  const windows = ctx.smoke ? 1 : 4;
  const durationSec = ctx.smoke ? 1 : ctx.durationSec;
  const connections = ctx.smoke ? 10 : 50;
  const rows = [];
  const mock = await startMock(0);
  try {
    for (const workflow of ctx.smoke ? ['one'] : ['one', 'three']) {
      const all = { agentcrate: [], floor: [] };
      const roundRatios = [];
      for (let k = 0; k < rounds; k++) {
        const servers = {};
        try {
          for (const system of k % 2 === 0 ? [agentcrate, floor] : [floor, agentcrate]) {
            servers[system.name] = await startFresh(system, ctx, mock.url, workflow);
          }
          for (const { system, base } of Object.values(servers)) {
            if (!(await runOnce(system, base, workflow)))
              throw new Error(`${system.name}: a first ${workflow} run did not succeed`);
            await load(system, base, workflow, { connections, durationSec: ctx.smoke ? 0.3 : 2 });
          }
          const mine = { agentcrate: [], floor: [] };
          for (let w = 0; w < windows; w++) {
            for (const name of w % 2 ? ['floor', 'agentcrate'] : ['agentcrate', 'floor']) {
              const { system, base, child } = servers[name];
              await mock.reset();
              const before = { cpu: cpuTimeMs(child.pid), bytes: writtenBytes(child.pid) };
              const r = await load(system, base, workflow, { connections, durationSec });
              const runs = Math.max(1, r.runs_ok);
              const sample = {
                ...r,
                cpu_ms: (cpuTimeMs(child.pid) - before.cpu) / runs,
                write_bytes: (writtenBytes(child.pid) - before.bytes) / runs,
              };
              mine[name].push(sample);
              all[name].push(sample);
            }
          }
          const pairs = (key) => mine.agentcrate.map((a, i) => a[key] / mine.floor[i][key]);
          roundRatios.push({
            first: k % 2 === 0 ? 'agentcrate' : 'floor',
            runs: median(pairs('runs_per_s')),
          });
          ctx.log(
            `floor ${workflow} round ${k + 1}: agentcrate/floor runs/s ${round(roundRatios.at(-1).runs, 3)} [${pairs(
              'runs_per_s',
            )
              .map((x) => round(x, 2))
              .join(' ')}]`,
          );
        } finally {
          for (const s of Object.values(servers)) await stopChild(s.child);
        }
      }
      const med = (name, key) => median(all[name].map((s) => s[key]));
      const p99 = { agentcrate: med('agentcrate', 'p99_ms'), floor: med('floor', 'p99_ms') };
      rows.push({
        workflow,
        concurrency: connections,
        agentcrate_runs_per_s: round(med('agentcrate', 'runs_per_s')),
        floor_runs_per_s: round(med('floor', 'runs_per_s')),
        runs_ratio: round(median(roundRatios.map((r) => r.runs)), 3),
        round_ratios: roundRatios.map((r) => `${round(r.runs, 3)} (${r.first} first)`),
        agentcrate_p50_ms: med('agentcrate', 'p50_ms'),
        agentcrate_p99_ms: p99.agentcrate,
        floor_p50_ms: med('floor', 'p50_ms'),
        floor_p99_ms: p99.floor,
        p99_ratio: p99.floor ? round(p99.agentcrate / p99.floor, 2) : null,
        agentcrate_cpu_ms_per_run: round(med('agentcrate', 'cpu_ms'), 3),
        floor_cpu_ms_per_run: round(med('floor', 'cpu_ms'), 3),
        agentcrate_write_bytes_per_run: Math.round(med('agentcrate', 'write_bytes')),
        floor_write_bytes_per_run: Math.round(med('floor', 'write_bytes')),
        errors:
          all.agentcrate.reduce((n, s) => n + s.errors, 0) + all.floor.reduce((n, s) => n + s.errors, 0),
      });
    }
  } finally {
    await mock.close();
  }
  return { rows, markdown: renderFloor(rows, { rounds, windows, durationSec }) };
}

function renderFloor(rows, { rounds, windows, durationSec }) {
  const head = `| workflow (0 ms mock, c=${rows[0]?.concurrency}) | agentcrate runs/s | floor runs/s | agentcrate / floor (goal) | agentcrate p50 / p99 ms | floor p50 / p99 ms | p99 ratio (goal) | CPU ms per run agentcrate / floor | bytes written per run agentcrate / floor |\n|---|---|---|---|---|---|---|---|---|`;
  const lines = rows.map((r) => {
    const goal = GOALS[r.workflow];
    // The goals are set for c=50 and a real run; a smoke run's figures say nothing about them.
    const met = (ok) => (r.concurrency !== 50 ? 'not judged at this c' : ok ? 'met' : 'not met');
    return `| ${r.workflow === 'one' ? '1-step vs floor' : '3-step vs 3-call floor'} | ${r.agentcrate_runs_per_s} | ${r.floor_runs_per_s} | **${r.runs_ratio}** (≥ ${goal.runs}: ${met(r.runs_ratio >= goal.runs)}) | ${r.agentcrate_p50_ms} / ${r.agentcrate_p99_ms} | ${r.floor_p50_ms} / ${r.floor_p99_ms} | ${r.p99_ratio}${goal.p99 ? ` (≤ ${goal.p99}: ${met(r.p99_ratio <= goal.p99)})` : ''} | ${r.agentcrate_cpu_ms_per_run} / ${r.floor_cpu_ms_per_run} | ${r.agentcrate_write_bytes_per_run} / ${r.floor_write_bytes_per_run} |`;
  });
  const perRound = rows.map(
    (r) => `${r.workflow === 'one' ? '1-step' : '3-step'}: ${r.round_ratios.join(', ')}`,
  );
  return `${head}\n${lines.join('\n')}\n\n${rounds} round(s) of a fresh pair started in alternating order, each taking turns under load in ${windows} window(s) of ${durationSec} s per server (ABBA), unpinned; the ratio is the median of the rounds' median per-pair ratios (per round: ${perRound.join('; ')}). Runs/s, latency and CPU per run are medians over every window. Measured on a shared 2-core VM.\n`;
}
