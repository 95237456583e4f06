// How long `agentcrate serve` takes to answer /ready with a long chain workflow, and its peak
// memory (goal for 10,000 nodes: ready in ≤ 2 s with ≤ 300 MB peak RSS). Each size also runs
// `agentcrate validate` alone, to show what loading and checking the file costs.
//
//   node_modules/.bin/node bench/chain-serve.mjs [sizes=1,5000,10000,40000] [timeout s=60]
//
// Uses the built CLI (dist/, `npm run build`); the server runs with --dry-run on a fresh
// SQLite store in a temporary folder, on a free loopback port.
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chainWorkflow } from '../test/support/chain-workflow.ts';
import { NODE, ROOT } from './lib/paths.mjs';
import { freePort, stopChild } from './lib/proc.mjs';

const GOAL = { nodes: 10_000, readyMs: 2000, peakMb: 300 };

/** Peak resident memory of a live process in MB (VmHWM), or null once it is gone. */
function peakMb(pid) {
  try {
    const kb = Number(/VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : null;
  } catch {
    return null;
  }
}

/** CPU time (user + system) a live process has used, in ms (Linux /proc, 100 ticks a second). */
function cpuMs(pid) {
  try {
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
    return (Number(fields[11]) + Number(fields[12])) * 10;
  } catch {
    return null;
  }
}

/** Runs a child to completion, sampling its peak RSS; resolves with its exit code and figures. */
function measureProcess(args, { timeoutMs, ready, cwd }) {
  return new Promise((resolve) => {
    const started = performance.now();
    const child = spawn(NODE, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] });
    let peak = 0;
    let stderr = '';
    let settled = false;
    child.stderr.on('data', (d) => {
      if (stderr.length < 4000) stderr += d;
    });
    child.stdout.resume();
    let lastCpu = null;
    const sample = setInterval(() => {
      const mb = peakMb(child.pid);
      if (mb !== null) peak = Math.max(peak, mb);
      lastCpu = cpuMs(child.pid) ?? lastCpu;
    }, 20);
    const done = async (result) => {
      if (settled) return;
      settled = true;
      clearInterval(sample);
      const mb = peakMb(child.pid);
      if (mb !== null) peak = Math.max(peak, mb);
      const cpu = lastCpu;
      clearTimeout(timer);
      await stopChild(child, 3000);
      resolve({ ...result, peakMb: Math.round(peak), cpuMs: cpu, stderr: stderr.trim() });
    };
    const timer = setTimeout(
      () => done({ ok: false, ms: null, why: `not done in ${timeoutMs / 1000} s` }),
      timeoutMs,
    );
    child.once('exit', (code) =>
      done(
        ready === undefined && code === 0
          ? { ok: true, ms: performance.now() - started }
          : { ok: false, ms: null, why: `exited with ${code}` },
      ),
    );
    if (ready !== undefined) {
      (async () => {
        while (!settled) {
          if (await ready()) {
            lastCpu = cpuMs(child.pid) ?? lastCpu;
            return done({ ok: true, ms: performance.now() - started });
          }
          await new Promise((r) => setTimeout(r, 10));
        }
      })();
    }
  });
}

async function probeReady(port) {
  try {
    const res = await fetch(`http://127.0.0.1:${port}/ready`, { signal: AbortSignal.timeout(1000) });
    await res.arrayBuffer();
    return res.status === 200;
  } catch {
    return false;
  }
}

async function main() {
  const sizes = (process.argv[2] ?? '1,5000,10000,40000').split(',').map(Number);
  const timeoutMs = Number(process.argv[3] ?? 60) * 1000;
  const cli = join(ROOT, 'bin', 'agentcrate.js');
  const rows = [];
  for (const nodes of sizes) {
    const dir = mkdtempSync(join(tmpdir(), 'agentcrate-bench-chain-'));
    try {
      const file = join(dir, `chain-${nodes}.yaml`);
      writeFileSync(file, chainWorkflow(nodes));
      const validate = await measureProcess([cli, 'validate', file], { timeoutMs, cwd: dir });
      const port = await freePort();
      const serve = await measureProcess(
        [cli, 'serve', file, '--dry-run', '--port', String(port), '--store', join(dir, 'jobs.db')],
        { timeoutMs, cwd: dir, ready: () => probeReady(port) },
      );
      const row = { nodes, validate, serve };
      rows.push(row);
      const fmt = (r) =>
        r.ok
          ? `${Math.round(r.ms)} ms (CPU ${r.cpuMs ?? '?'} ms), peak ${r.peakMb} MB`
          : `FAILED (${r.why}), peak ${r.peakMb} MB`;
      console.log(`chain ${nodes}: validate ${fmt(validate)}; serve → /ready ${fmt(serve)}`);
      if (!serve.ok && serve.stderr)
        console.log(`  serve stderr: ${serve.stderr.split('\n').slice(0, 5).join(' | ')}`);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  }
  const goal = rows.find((r) => r.nodes === GOAL.nodes);
  if (goal !== undefined) {
    const met = goal.serve.ok && goal.serve.ms <= GOAL.readyMs && goal.serve.peakMb <= GOAL.peakMb;
    console.log(
      `goal: ${GOAL.nodes}-node chain ready in ≤ ${GOAL.readyMs} ms with ≤ ${GOAL.peakMb} MB: ${met ? 'OK' : 'MISSED'}`,
    );
    if (!met) process.exitCode = 1;
  }
}

if (/chain-serve\.mjs$/.test(process.argv[1] ?? '')) await main();
