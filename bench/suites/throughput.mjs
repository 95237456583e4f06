// /run throughput and latency at concurrency 1, 10, 50 for the one- and three-call workflows,
// against the mock at 0 ms and 50 ms. Each system runs as its own process on its own port;
// the floor (bench/floor/server.mjs) is the yardstick agentcrate's runs/s are read against.
import { load } from '../lib/load.mjs';
import { startMock } from '../lib/mock.mjs';
import { rssMb, stopChild } from '../lib/proc.mjs';
import { medianOf, ratio, round } from '../lib/stats.mjs';
import { runOnce, startFresh } from '../lib/systems.mjs';

export async function throughput(ctx) {
  const latencies = ctx.smoke ? [0] : [0, 50];
  const workflows = ctx.smoke ? ['one'] : ['one', 'three'];
  const concurrencies = ctx.smoke ? [10] : [1, 10, 50];
  const durationSec = ctx.smoke ? 1 : ctx.durationSec;
  const rows = [];
  for (const latencyMs of latencies) {
    const mock = await startMock(latencyMs);
    try {
      for (const workflow of workflows) {
        // Every system is up at once and the load visits them in turns, the order reversed
        // on every other repeat: a shared machine's drift then falls on all of them alike, so
        // the ratios (agentcrate / floor above all) compare windows seconds apart.
        const running = [];
        try {
          for (const system of ctx.systems) running.push(await startFresh(system, ctx, mock.url, workflow));
          for (const { system, base } of running) {
            if (!(await runOnce(system, base, workflow)))
              throw new Error(`${system.name}: a first ${workflow} run did not succeed`);
            // JIT and connection warm-up, not measured.
            await load(system, base, workflow, { connections: 10, durationSec: ctx.smoke ? 0.3 : 1 });
          }
          for (const connections of concurrencies) {
            const samples = new Map(running.map((r) => [r, []]));
            for (let i = 0; i < ctx.repeat; i++) {
              for (const r of i % 2 ? [...running].reverse() : running) {
                await mock.reset();
                samples.get(r).push(await load(r.system, r.base, workflow, { connections, durationSec }));
                ctx.log(
                  `throughput ${r.system.name} ${workflow} mock=${latencyMs}ms c=${connections} #${i + 1}: ${round(samples.get(r).at(-1).runs_per_s)} runs/s`,
                );
              }
            }
            for (const r of running) {
              const m = medianOf(samples.get(r));
              rows.push({
                system: r.system.name,
                workflow,
                mock_latency_ms: latencyMs,
                concurrency: connections,
                runs_per_s: round(m.runs_per_s),
                p50_ms: m.p50_ms,
                p99_ms: m.p99_ms,
                errors: m.errors,
                rss_mb: round(rssMb(r.child.pid)),
                repeats: samples.get(r).length,
              });
            }
          }
        } finally {
          for (const r of running) await stopChild(r.child);
        }
      }
    } finally {
      await mock.close();
    }
  }
  return { rows, markdown: renderThroughput(rows, durationSec) };
}

/** The Markdown table, from rows (also used by `bench/run.mjs --report` on saved JSON). */
export function renderThroughput(rows, durationSec) {
  const peers = [...new Set(rows.map((r) => r.system))].filter((name) => name !== 'agentcrate');
  const head = ['workflow', 'mock', 'c', 'agentcrate runs/s', 'p50 / p99 ms'];
  for (const p of peers)
    head.push(`${p} runs/s`, `${p} p50 / p99 ms`, `runs/s ratio vs ${p}`, `p99 ratio vs ${p}`);
  const lines = [`| ${head.join(' | ')} |`, `|${head.map(() => '---').join('|')}|`];
  const keyOf = (r) => `${r.workflow}|${r.mock_latency_ms}|${r.concurrency}`;
  const keys = [...new Set(rows.map(keyOf))];
  for (const key of keys) {
    const [workflow, mock, c] = key.split('|');
    const get = (name) => rows.find((r) => r.system === name && keyOf(r) === key);
    const ours = get('agentcrate');
    const cells = [
      workflow === 'one' ? '1-step' : '3-step',
      `${mock} ms`,
      c,
      fmt(ours?.runs_per_s),
      lat(ours),
    ];
    for (const p of peers) {
      const theirs = get(p);
      cells.push(
        fmt(theirs?.runs_per_s),
        lat(theirs),
        fmt(ratio(ours?.runs_per_s, theirs?.runs_per_s)),
        fmt(ratio(ours?.p99_ms, theirs?.p99_ms)),
      );
    }
    lines.push(`| ${cells.join(' | ')} |`);
  }
  const errors = rows
    .filter((r) => r.errors > 0)
    .map(
      (r) =>
        `${r.system} ${r.workflow} mock=${r.mock_latency_ms}ms c=${r.concurrency}: ${r.errors} failed/errored requests`,
    );
  const none = rows
    .filter((r) => r.runs_per_s === 0)
    .map(
      (r) =>
        `${r.system} ${r.workflow === 'one' ? '1-step' : '3-step'} mock=${r.mock_latency_ms}ms c=${r.concurrency}`,
    );
  return `${lines.join('\n')}\n\nruns/s ratio > 1: agentcrate serves more runs per second; p99 ratio < 1: agentcrate's tail latency is lower.${none.length ? ` No run finished within the ${durationSec} s measuring window (runs/s 0, no latency sample) for: ${none.join('; ')}.` : ''}${errors.length ? `\n\nErrors (not counted as runs): ${errors.join('; ')}` : ''}\n`;
}

const fmt = (v) => (v === null || v === undefined ? '–' : String(v));
const lat = (r) =>
  !r ? '–' : r.runs_per_s > 0 ? `${r.p50_ms} / ${r.p99_ms}` : 'none finished in the window';
