// Durability: submit jobs asynchronously (three model calls each, slow mock), kill -9 the
// server while they are in flight, start it again on the same state, and count the jobs that
// reach a completed state within a bounded wait, with no operator action in between. Also
// counts model calls: more than 3 per job means finished steps ran again.
import { startMock } from '../lib/mock.mjs';
import { freePort, killHard, stopChild } from '../lib/proc.mjs';
import { sleep } from '../lib/stats.mjs';
import { startSystem } from '../lib/systems.mjs';

export async function durability(ctx) {
  const jobs = ctx.smoke ? 4 : 20;
  const latencyMs = ctx.smoke ? 100 : 300;
  const mock = await startMock(latencyMs);
  const rows = [];
  try {
    for (const system of ctx.systems) {
      await mock.reset();
      const state = ctx.stateFor(system);
      const port = await freePort();
      let { child, base } = await startSystem(system, {
        port,
        mockUrl: mock.url,
        workflow: 'three',
        ...state,
      });
      const submitted = [];
      let row;
      try {
        for (let i = 0; i < jobs; i++) submitted.push(await system.submitAsync(base, 'three'));
        // Into the second node of the first jobs: some steps done, some in flight.
        await sleep(latencyMs * 1.5);
        const before = await statuses(system, base, submitted);
        await killHard(child);
        ({ child, base } = await startSystem(system, {
          port,
          mockUrl: mock.url,
          workflow: 'three',
          ...state,
        }));
        const waitMs = ctx.smoke ? 5000 : 30000;
        const after = await settle(system, base, submitted, waitMs);
        let afterRecovery = null;
        let recoveryNote = null;
        // A peer with a documented recovery call gets a second chance, reported apart.
        if (system.recover && !after.every((s) => s === 'completed')) {
          try {
            await system.recover(base, 'three');
            afterRecovery = await settle(system, base, submitted, waitMs);
          } catch (error) {
            recoveryNote = String(error.message).slice(0, 200);
          }
        }
        const calls = await mock.requestCount();
        row = {
          system: system.name,
          jobs,
          completed_before_kill: before.filter((s) => s === 'completed').length,
          completed_after_restart: after.filter((s) => s === 'completed').length,
          failed: after.filter((s) => s === 'failed' || s === 'error').length,
          lost_or_stuck: after.filter((s) => s !== 'completed' && s !== 'failed' && s !== 'error').length,
          completed_after_recovery_call: afterRecovery
            ? afterRecovery.filter((s) => s === 'completed').length
            : null,
          recovery_error: recoveryNote,
          model_calls: calls,
          model_calls_minimum: jobs * 3,
          states_after: tally(after),
        };
        ctx.log(`durability ${system.name}: ${row.completed_after_restart}/${jobs} completed`);
      } finally {
        await stopChild(child);
      }
      rows.push(row);
    }
  } finally {
    await mock.close();
  }
  const lines = [
    "| system | jobs | completed before kill -9 | completed after restart (no action) | failed | lost / stuck | model calls (minimum) | states after restart | completed after the peer's recovery call |",
    '|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    lines.push(
      `| ${r.system} | ${r.jobs} | ${r.completed_before_kill} | ${r.completed_after_restart} | ${r.failed} | ${r.lost_or_stuck} | ${r.model_calls} (${r.model_calls_minimum}) | ${JSON.stringify(r.states_after).replace(/"/g, '')} | ${r.completed_after_recovery_call ?? (r.recovery_error ? `error: ${r.recovery_error}` : '–')} |`,
    );
  }
  return {
    rows,
    markdown: `${lines.join('\n')}\n\nNo operator action between the restart and the count; each system as configured in bench/peers (Mastra with its libsql file store). Model calls above the minimum are steps that were in flight at the kill and ran again (or, above one per job, finished steps repeated). The last column: Mastra's \`POST /api/workflows/:id/restart-all-active-workflow-runs\`, called once after the first count.\n`,
  };
}

async function settle(system, base, jobs, waitMs) {
  const deadline = Date.now() + waitMs;
  let now = [];
  while (Date.now() < deadline) {
    now = await statuses(system, base, jobs);
    if (now.every((s) => s === 'completed' || s === 'failed')) break;
    await sleep(250);
  }
  return now;
}

async function statuses(system, base, jobs) {
  return Promise.all(jobs.map((job) => system.jobStatus(base, job).catch(() => 'unknown')));
}

function tally(values) {
  const out = {};
  for (const v of values) out[v] = (out[v] ?? 0) + 1;
  return out;
}
