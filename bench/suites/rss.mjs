// Resident memory: idle (2 s after ready) and after N runs of the one-call workflow at c=50
// (10,000 by default; bounded in time too, and the row says how many runs really completed).
import { load } from '../lib/load.mjs';
import { startMock } from '../lib/mock.mjs';
import { freePort, rssMb, stopChild } from '../lib/proc.mjs';
import { ratio, round, sleep } from '../lib/stats.mjs';
import { startSystem } from '../lib/systems.mjs';

export async function rss(ctx) {
  const runs = ctx.smoke ? 200 : ctx.rssRuns;
  const mock = await startMock(0);
  const rows = [];
  try {
    for (const system of ctx.systems) {
      const port = await freePort();
      const { child, base } = await startSystem(system, {
        port,
        mockUrl: mock.url,
        workflow: 'one',
        ...ctx.stateFor(system),
      });
      try {
        await sleep(ctx.smoke ? 200 : 2000);
        const idle = rssMb(child.pid);
        let peak = idle;
        const sampler = setInterval(() => {
          peak = Math.max(peak, rssMb(child.pid) ?? 0);
        }, 100);
        // The mock keeps a log of requests; clear it now and then so it does not slow down.
        const resetter = setInterval(() => void mock.reset().catch(() => {}), 2000);
        const result = await load(system, base, 'one', {
          connections: 50,
          amount: runs,
          durationSec: ctx.smoke ? 5 : ctx.rssTimeSec,
        });
        clearInterval(sampler);
        clearInterval(resetter);
        await sleep(ctx.smoke ? 100 : 1000);
        const after = rssMb(child.pid);
        rows.push({
          system: system.name,
          idle_mb: round(idle),
          after_mb: round(after),
          peak_mb: round(peak),
          runs_ok: result.runs_ok,
          runs_target: runs,
          seconds: round(result.seconds),
        });
        ctx.log(
          `rss ${system.name}: idle ${round(idle)} MB, after ${result.runs_ok} runs ${round(after)} MB`,
        );
      } finally {
        await stopChild(child);
      }
    }
  } finally {
    await mock.close();
  }
  const ours = rows.find((r) => r.system === 'agentcrate');
  const lines = [
    '| system | idle MB | after runs MB | peak MB | runs completed (target) in s | idle ratio | after ratio |',
    '|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.system} | ${r.idle_mb} | ${r.after_mb} | ${r.peak_mb} | ${r.runs_ok} (${r.runs_target}) in ${r.seconds} | ${ratio(ours?.idle_mb, r.idle_mb) ?? '–'} | ${ratio(ours?.after_mb, r.after_mb) ?? '–'} |`,
    );
  }
  const short = rows.filter((r) => r.runs_ok < r.runs_target).map((r) => r.system);
  return {
    rows,
    markdown: `${lines.join('\n')}\n\nratio < 1: agentcrate uses less memory. Measured once per system (not 3×: a 10,000-run soak per repeat would not fit the 20-minute budget).${short.length ? ` ${short.join(', ')} did not complete the target within the time bound; its row is after the runs it did complete.` : ''}\n`,
  };
}
