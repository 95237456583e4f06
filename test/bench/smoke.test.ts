/**
 * Keeps the benchmark harness from rotting: every suite of `npm run bench` runs for about a
 * second (`--smoke`) into a temp results folder, and its JSON must have the rows a real run
 * reports. Only the shape is checked: how many runs fit in a smoke window depends on the
 * machine and its load, so counts and rates are checked for range, never for a target (speed
 * goals live in bench/ and BENCHMARKS.md). Peers (bench/peers/, not installed in CI) join the
 * peer suites only when installed.
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..', '..');

/** A count the harness measured: a whole number from 0 to `max`. */
function expectCount(value: unknown, max: number, what: string): void {
  expect(Number.isInteger(value), `${what} is a whole number`).toBe(true);
  expect(value as number, what).toBeGreaterThanOrEqual(0);
  expect(value as number, what).toBeLessThanOrEqual(max);
}

/** A rate or a duration: a finite number ≥ 0. */
function expectMeasure(value: unknown, what: string): void {
  expect(typeof value === 'number' && Number.isFinite(value), `${what} is a finite number`).toBe(true);
  expect(value as number, what).toBeGreaterThanOrEqual(0);
}
const results = mkdtempSync(join(tmpdir(), 'agentcrate-bench-smoke-'));
afterAll(() => rmSync(results, { recursive: true, force: true }));

const peers = {
  mastra: existsSync(join(root, 'bench/peers/node_modules/@mastra/core')),
  langgraph: existsSync(join(root, 'bench/peers/node_modules/@langchain/langgraph-api')),
};
const installed = Object.entries(peers)
  .filter(([, ok]) => ok)
  .map(([name]) => name);
for (const [name, ok] of Object.entries(peers)) {
  if (!ok) {
    console.warn(
      `bench smoke: peer '${name}' is not installed, so it is skipped (run \`npm install --prefix bench/peers\` to include it)`,
    );
  }
}

interface Record {
  suite: string;
  smoke: boolean;
  skipped: string | null;
  rows: Array<{ [key: string]: unknown }>;
}

function bench(suite: string, systems: string[]): Record {
  const r = spawnSync(process.execPath, ['bench/run.mjs', suite, '--smoke', '--systems', systems.join(',')], {
    cwd: root,
    encoding: 'utf8',
    env: { ...process.env, BENCH_RESULTS_DIR: results },
    timeout: 90_000,
  });
  expect(r.status, `bench ${suite} failed:\n${r.stderr.slice(-3000)}`).toBe(0);
  return JSON.parse(readFileSync(join(results, `${suite}.json`), 'utf8')) as Record;
}

// Peers take seconds to boot: they join the suites that exercise their adapters (load and
// async submit/status) and stay out of the others to keep this file near a minute.
const withPeers = ['agentcrate', ...installed];

describe('bench harness (smoke)', () => {
  it('throughput: counts successful runs with latency percentiles per system, the floor beside them', {
    timeout: 90_000,
  }, () => {
    const systems = [...withPeers, 'floor'];
    const rec = bench('throughput', systems);
    expect(rec.smoke).toBe(true);
    expect(rec.rows.map((r) => r.system).sort()).toEqual([...systems].sort());
    for (const row of rec.rows) {
      expectMeasure(row.runs_per_s, `${String(row.system)} runs/s`);
      if ((row.runs_per_s as number) > 0) expect(row.p99_ms).toBeGreaterThanOrEqual(row.p50_ms as number);
    }
    const table = readFileSync(join(results, 'throughput.md'), 'utf8');
    expect(table).toContain('| 1-step | 0 ms | 10 |');
    expect(table).toContain('runs/s ratio vs floor');
  });

  it('floor: agentcrate against the minimal durable server, ratio per round, CPU per run of both', {
    timeout: 60_000,
  }, () => {
    const row = bench('floor', ['agentcrate']).rows[0]!;
    expectMeasure(row.agentcrate_runs_per_s, 'agentcrate runs/s');
    expectMeasure(row.floor_runs_per_s, 'floor runs/s');
    expect(row.round_ratios).toHaveLength(1);
    expectMeasure(row.agentcrate_cpu_ms_per_run, 'agentcrate CPU per run');
    expectMeasure(row.floor_cpu_ms_per_run, 'floor CPU per run');
    expect(readFileSync(join(results, 'floor.md'), 'utf8')).toContain('1-step vs floor');
  });

  it('durability: kill -9 mid-run, restart, and agentcrate completes every job', { timeout: 90_000 }, () => {
    const rec = bench('durability', withPeers);
    const ours = rec.rows.find((r) => r.system === 'agentcrate');
    expectCount(ours?.completed_after_restart, ours?.jobs as number, 'jobs completed after the restart');
    expect(rec.rows).toHaveLength(withPeers.length);
  });

  it('cold-start: spawn to first successful run', { timeout: 60_000 }, () => {
    const rec = bench('cold-start', ['agentcrate']);
    expect(rec.rows[0]?.first_run_ms).toBeGreaterThanOrEqual(rec.rows[0]?.ready_ms as number);
  });

  it('cold-start also restarts on the same state', { timeout: 60_000 }, () => {
    const rec = JSON.parse(readFileSync(join(results, 'cold-start.json'), 'utf8')) as Record;
    expect(rec.rows[0]?.restart_ready_ms).toBeGreaterThan(0);
  });

  it('tracing: rounds of interleaved on/off windows, runs/s for both, and the read cost', {
    timeout: 60_000,
  }, () => {
    const rec = bench('tracing', ['agentcrate']);
    const row = rec.rows[0]!;
    expectMeasure(row.on_runs_per_s, 'runs/s with traces on');
    expectMeasure(row.off_runs_per_s, 'runs/s with traces off');
    // One ratio per round, each round started in the other order.
    expect(row.round_runs_ratios).toHaveLength(row.rounds as number);
    expect((row.round_runs_ratios as string[]).map((r) => /\((on|off) first\)/.exec(r)?.[1])).toEqual([
      'on',
      'off',
    ]);
    expect(typeof row.runs_ratio === 'number' || row.runs_ratio === null).toBe(true);
    // Reading traces back (rebuilt from events) was measured against the traced server.
    expect(row.trace_p50_ms).toBeGreaterThan(0);
    expect(row.list_p50_ms).toBeGreaterThan(0);
    expect(readFileSync(join(results, 'tracing.md'), 'utf8')).toContain('GET /traces/{job_id}');
  });

  it('rss: idle and after runs, with how many of the target completed in the window', {
    timeout: 60_000,
  }, () => {
    const rec = bench('rss', ['agentcrate']);
    expect(rec.rows[0]?.idle_mb).toBeGreaterThan(10);
    expectCount(rec.rows[0]?.runs_ok, rec.rows[0]?.runs_target as number, 'runs completed');
  });

  it('engine, validate, artifacts, cli-start, deploy: agentcrate-only figures', { timeout: 90_000 }, () => {
    expect(bench('engine', ['agentcrate']).rows[0]?.per_node_ms).toBeGreaterThan(0);
    expect(bench('validate', ['agentcrate']).rows[0]?.load_validate_ms).toBeGreaterThan(0);
    const artifacts = bench('artifacts', ['agentcrate']);
    if (artifacts.skipped === null) expect(artifacts.rows[0]?.generate_ms).toBeGreaterThan(0);
    else console.warn(`bench smoke: artifacts skipped: ${artifacts.skipped}`);
    expect(bench('cli-start', ['agentcrate']).rows[0]?.agentcrate_ms).toBeGreaterThan(0);
    // Building an image has no one-second version: the suite must say so rather than fail.
    expect(bench('deploy', ['agentcrate']).skipped).toMatch(/smoke/);
  });

  it('gateway: added latency, time to first byte, throughput, memory and a mid-stream failover', {
    timeout: 90_000,
  }, () => {
    const rec = bench('gateway', ['agentcrate']);
    const direct = rec.rows.find((r) => r.system === 'direct');
    const ours = rec.rows.find((r) => r.system === 'agentcrate');
    expectMeasure(direct?.p50_ms, 'direct p50');
    expectMeasure(ours?.p50_ms, 'gateway p50');
    expect(ours?.p99_ms).toBeGreaterThanOrEqual(ours?.p50_ms as number);
    expectMeasure(ours?.ttfb_p50_ms, 'gateway time to first byte');
    expectMeasure(ours?.rps_c50, 'gateway req/s at c=50');
    expect(ours?.idle_cold_mb).toBeGreaterThan(10);
    // Every broken stream was completed through the second upstream.
    expect(ours?.failover_completed).toBe(ours?.failover_repeats);
    expect(readFileSync(join(results, 'gateway.md'), 'utf8')).toContain('stream broken after 4 of 10 chunks');
  });
});
