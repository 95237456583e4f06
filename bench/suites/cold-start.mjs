// Cold start: spawn the process → first successful run (and → ready probe), on a fresh state
// directory each time, against the 0 ms mock; then a restart on that same state directory
// (what a container restart or a redeploy onto its volume sees). The clock starts just before
// spawn().
import { startMock } from '../lib/mock.mjs';
import { freePort, stopChild, waitUntil } from '../lib/proc.mjs';
import { medianOf, ratio, round } from '../lib/stats.mjs';
import { runOnce } from '../lib/systems.mjs';

export async function coldStart(ctx) {
  const mock = await startMock(0);
  const rows = [];
  try {
    for (const system of ctx.systems) {
      const samples = [];
      for (let i = 0; i < ctx.repeat; i++) {
        const state = ctx.stateFor(system);
        const first = await startOnce(system, mock, state, true);
        const again = await startOnce(system, mock, state, false);
        samples.push({ ...first, restart_ready_ms: again.ready_ms });
        ctx.log(
          `cold-start ${system.name} #${i + 1}: ready ${round(first.ready_ms)} ms, first run ${round(first.first_run_ms)} ms, restart ready ${round(again.ready_ms)} ms`,
        );
      }
      const m = medianOf(samples);
      rows.push({
        system: system.name,
        ready_ms: round(m.ready_ms),
        first_run_ms: round(m.first_run_ms),
        restart_ready_ms: round(m.restart_ready_ms),
        repeats: samples.length,
      });
    }
  } finally {
    await mock.close();
  }
  const ours = rows.find((r) => r.system === 'agentcrate');
  const lines = [
    '| system | spawn → ready (ms) | spawn → first successful run (ms) | restart on the same state → ready (ms) | ratio agentcrate / system (first run) |',
    '|---|---|---|---|---|',
  ];
  for (const r of rows)
    lines.push(
      `| ${r.system} | ${r.ready_ms} | ${r.first_run_ms} | ${r.restart_ready_ms} | ${ratio(ours?.first_run_ms, r.first_run_ms) ?? '–'} |`,
    );
  return { rows, markdown: `${lines.join('\n')}\n\nratio < 1: agentcrate is up sooner.\n` };
}

/** One start: spawn → ready, then (when `firstRun`) → one successful run; always stopped. */
async function startOnce(system, mock, state, firstRun) {
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const t0 = performance.now();
  const child = system.start({ port, mockUrl: mock.url, workflow: 'one', ...state });
  try {
    await waitUntil(() => system.readyProbe(base), {
      timeoutMs: 60000,
      everyMs: 5,
      child,
      what: `${system.name} ready`,
    });
    const readyMs = performance.now() - t0;
    if (!firstRun) return { ready_ms: readyMs };
    await waitUntil(() => runOnce(system, base, 'one'), {
      timeoutMs: 60000,
      everyMs: 5,
      child,
      what: `${system.name} first run`,
    });
    return { ready_ms: readyMs, first_run_ms: performance.now() - t0 };
  } finally {
    await stopChild(child);
  }
}
