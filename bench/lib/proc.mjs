// Child processes of the benchmark: every one is tracked so that an error, Ctrl-C or the end
// of a suite stops all of them (a leaked server would skew the next measurement).
import { spawn, spawnSync } from 'node:child_process';
import { openSync, readFileSync } from 'node:fs';
import { availableParallelism } from 'node:os';
import { sleep } from './stats.mjs';

const children = new Set();

export function spawnTracked(command, args, { env, cwd, logFile } = {}) {
  const out = logFile ? openSync(logFile, 'a') : 'ignore';
  const child = spawn(command, args, {
    cwd,
    env: { ...process.env, ...env },
    stdio: ['ignore', logFile ? out : 'pipe', logFile ? out : 'pipe'],
  });
  children.add(child);
  child.once('exit', () => children.delete(child));
  return child;
}

/** SIGTERM, then SIGKILL if it has not exited after `graceMs`. */
export async function stopChild(child, graceMs = 5000) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), graceMs);
  await exited;
  clearTimeout(timer);
}

export async function killHard(child) {
  if (child.exitCode !== null || child.signalCode !== null) return;
  const exited = new Promise((resolve) => child.once('exit', resolve));
  child.kill('SIGKILL');
  await exited;
}

export async function stopAll() {
  await Promise.all([...children].map((c) => stopChild(c, 2000)));
}

for (const signal of ['SIGINT', 'SIGTERM']) {
  process.once(signal, () => {
    for (const c of children) c.kill('SIGKILL');
    process.exit(130);
  });
}
process.once('exit', () => {
  for (const c of children) c.kill('SIGKILL');
});

/** Resident set size of one process in MB (Linux /proc), or null once it is gone. */
export function rssMb(pid) {
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = Number(/VmRSS:\s+(\d+)/.exec(status)?.[1]);
    return Number.isFinite(kb) ? kb / 1024 : null;
  } catch {
    return null;
  }
}

/** Polls `probe` (async → truthy when done) every `everyMs` until `timeoutMs`. */
export async function waitUntil(probe, { timeoutMs, everyMs = 10, what = 'condition', child } = {}) {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (child && (child.exitCode !== null || child.signalCode !== null)) {
      throw new Error(
        `${what}: the process exited (code ${child.exitCode ?? child.signalCode}) before it was ready`,
      );
    }
    try {
      const value = await probe();
      if (value) return value;
    } catch {
      // not up yet
    }
    if (Date.now() > deadline) throw new Error(`${what}: not reached within ${timeoutMs} ms`);
    await sleep(everyMs);
  }
}

/** Reads the first JSON line a child prints on stdout (the mock model announces its URL so). */
export function firstJsonLine(child, timeoutMs = 20000) {
  return new Promise((resolve, reject) => {
    let buffer = '';
    const timer = setTimeout(() => reject(new Error('no JSON line on stdout in time')), timeoutMs);
    child.stdout.on('data', (chunk) => {
      buffer += chunk;
      const line = buffer.split('\n').find((l) => l.trim().startsWith('{'));
      if (line && buffer.includes('\n')) {
        clearTimeout(timer);
        try {
          resolve(JSON.parse(line));
        } catch (error) {
          reject(error);
        }
      }
    });
    child.once('exit', (code) => reject(new Error(`exited with ${code} before printing its URL`)));
  });
}

/** A port that was free a moment ago on 127.0.0.1 (each system gets its own). */
export async function freePort() {
  const { createServer } = await import('node:net');
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address();
      server.close(() => resolve(port));
    });
  });
}

/**
 * Pins a process (all its threads) to the given CPUs with taskset; false where that is not
 * possible (no taskset, one CPU). Two identical servers left to the scheduler were seen to
 * differ by ~10–20% in CPU per run, depending on where each landed next to the load generator
 * and the mock; pinned, they agree within ~2%.
 */
export function pinToCpus(pid, cpus) {
  const r = spawnSync('taskset', ['-a', '-cp', cpus, String(pid)], { stdio: 'ignore' });
  return r.status === 0;
}

/**
 * CPUs for a pinned comparison: the load generator and mock on the first, servers on the last.
 * Call it before pinning this process (it sees only the CPUs it may run on).
 */
export function comparisonCpus() {
  const n = availableParallelism();
  return n >= 2 ? { load: '0', servers: String(n - 1) } : undefined;
}

/** utime + stime of a process in ms (Linux /proc; clock ticks are 10 ms). */
export function cpuTimeMs(pid) {
  const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1].split(' ');
  return (Number(fields[11]) + Number(fields[12])) * 10;
}

/**
 * Bytes a process has caused to be written to storage so far (Linux /proc/<pid>/io
 * `write_bytes`: counted when it dirties file pages, WAL and checkpoints included, sockets not).
 */
export function writtenBytes(pid) {
  const io = readFileSync(`/proc/${pid}/io`, 'utf8');
  return Number(/write_bytes:\s+(\d+)/.exec(io)?.[1] ?? Number.NaN);
}
