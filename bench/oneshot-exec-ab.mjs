// `agentcrate exec --dry-run` of a built image with two CLIs side by side (A, B: each a
// checkout's bin/agentcrate.js), interleaved ABBA with the floor (a bare `docker run --rm
// <base> node -e 0`) in every round, so a shared machine's drift falls on all three alike.
// Prints each side's median command start → JSON on stdout, the floor's, and the median of
// the per-round ratios B/A.
//   flock /work/.bench.lock node_modules/.bin/node bench/oneshot-exec-ab.mjs A/bin/agentcrate.js B/bin/agentcrate.js [rounds=9]
// Each CLI builds the echo fixture's image under its own tag first; every image made is removed.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { loadavg, tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { NODE, ROOT } from './lib/paths.mjs';
import { median, round } from './lib/stats.mjs';

const [A, B] = [process.argv[2], process.argv[3]];
const ROUNDS = Number(process.argv[4] ?? 9);
if (A === undefined || B === undefined) {
  console.error('usage: bench/oneshot-exec-ab.mjs A/bin/agentcrate.js B/bin/agentcrate.js [rounds]');
  process.exit(2);
}
const BASE = 'agentcrate-oneshot-base:24';
const ECHO = join(ROOT, '../shared/fixtures/configurable-agents/echo.yaml');
const INPUT = '{"message": "hi"}';
const tmp = mkdtempSync(join(tmpdir(), 'agentcrate-bench-exec-ab-'));
const tags = { A: `ac-bench-exec-ab-${process.pid}-a:1`, B: `ac-bench-exec-ab-${process.pid}-b:1` };

/** Wall time to the first stdout byte and to the exit. */
function timed(command, args) {
  return new Promise((resolve, reject) => {
    const started = performance.now();
    let firstOut;
    let stderr = '';
    const child = spawn(command, args, { cwd: tmp, stdio: ['ignore', 'pipe', 'pipe'] });
    child.stdout.on('data', () => {
      firstOut ??= performance.now() - started;
    });
    child.stderr.on('data', (d) => (stderr += d));
    child.on('error', reject);
    child.on('close', (code) => {
      if (code !== 0)
        reject(new Error(`${command} ${args.join(' ')} exited ${code}: ${stderr.slice(-1500)}`));
      else resolve({ firstOutMs: firstOut, totalMs: performance.now() - started, stderr });
    });
  });
}

const exec = (side) =>
  timed(NODE, [side === 'A' ? A : B, 'exec', ECHO, INPUT, '--dry-run', '-t', tags[side], '-v']);

const result = { rounds: ROUNDS, a: A, b: B, load_average_at_start: loadavg().map((x) => round(x, 1)) };
try {
  for (const side of ['A', 'B']) {
    await timed(NODE, [side === 'A' ? A : B, 'build', ECHO, '-t', tags[side], '--output', join(tmp, side)]);
  }
  // One unmeasured run each: the first exec after a build pays for what a build leaves cold.
  await exec('A');
  await exec('B');
  const times = { A: [], B: [], floor: [] };
  const steps = [];
  for (let i = 0; i < ROUNDS; i++) {
    const order = i % 2 === 0 ? ['A', 'B'] : ['B', 'A'];
    for (const side of order) {
      const run = await exec(side);
      times[side].push(run.firstOutMs);
      const line = /exec steps, ms since the process started: (\{.*\})/.exec(run.stderr)?.[1];
      if (side === 'B' && line !== undefined) steps.push(JSON.parse(line));
    }
    times.floor.push((await timed('docker', ['run', '--rm', BASE, 'node', '-e', '0'])).totalMs);
  }
  const ratios = times.A.map((a, i) => times.B[i] / a);
  result.a_median_ms = round(median(times.A));
  result.b_median_ms = round(median(times.B));
  result.floor_bare_docker_run_median_ms = round(median(times.floor));
  result.b_over_a_per_round_median = round(median(ratios), 3);
  if (steps.length > 0) {
    result.b_steps_median_ms = Object.fromEntries(
      Object.keys(steps[0]).map((k) => [k, round(median(steps.map((s) => s[k])))]),
    );
  }
} finally {
  for (const tag of Object.values(tags)) {
    try {
      execFileSync('docker', ['rmi', tag], { stdio: 'ignore' });
    } catch {
      // Not built, or already gone.
    }
  }
  rmSync(tmp, { recursive: true, force: true });
}
result.load_average_at_end = loadavg().map((x) => round(x, 1));
console.log(JSON.stringify(result, null, 2));
