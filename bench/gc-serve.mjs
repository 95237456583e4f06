// What the GC costs a served run, and who allocates what it collects: the server (dist/, so
// allocations are told by source file; or a bundle given as `entry`) under c=50 against the 0 ms mock, pinned as bench/ab.mjs pins (server
// on the last CPU, mock and load on the first), in two passes of `seconds` each:
//  1. CPU per run of each of the server's threads (/proc/<pid>/task: the main thread, V8's
//     worker threads doing parallel scavenges and concurrent marking, the WAL checkpoint
//     worker) and, from --trace-gc-nvp, what scavenges and mark-compacts cost per run, how much
//     a run allocates, how much survives a scavenge and is promoted;
//  2. allocation sampling through the inspector with the objects young- and old-generation
//     GCs collected (so every allocation counts, not only what is alive at the end), by place
//     (package or source file, native allocations counted to their JS caller) per run.
//   node_modules/.bin/node bench/gc-serve.mjs [seconds=8] [entry]
// WF=one|three (default three).
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { load } from './lib/load.mjs';
import { startMock } from './lib/mock.mjs';
import { ROOT } from './lib/paths.mjs';
import { comparisonCpus, freePort, pinToCpus, stopAll, stopChild } from './lib/proc.mjs';
import { agentcrate, runOnce, startSystem } from './lib/systems.mjs';

const seconds = Number(process.argv[2] ?? 8);
const wf = process.env.WF ?? 'three';
const entry = process.argv[3] ?? join(ROOT, 'dist/server/entry.js');
const cpus = comparisonCpus();

/** The server as `agentcrate` runs in the suites (its Node flags plus `nodeFlags`), warmed up, then pinned. */
async function start(mockUrl, nodeFlags) {
  const stateDir = mkdtempSync(join(tmpdir(), 'agentcrate-gc-'));
  const logFile = join(stateDir, 'server.log');
  const { child, base } = await startSystem(agentcrate, {
    port: await freePort(),
    mockUrl,
    workflow: wf,
    stateDir,
    logFile,
    entry,
    nodeFlags,
  });
  if (!(await runOnce(agentcrate, base, wf))) throw new Error('a first run failed');
  pinToCpus(child.pid, cpus.servers);
  await load(agentcrate, base, wf, { connections: 50, durationSec: 2 });
  return { child, base, log: logFile };
}

const threads = (pid) =>
  new Map(
    readdirSync(`/proc/${pid}/task`).map((tid) => {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8');
      const fields = stat.slice(stat.lastIndexOf(') ') + 2).split(' ');
      return [`${/\((.*)\)/.exec(stat)?.[1]} ${tid}`, (Number(fields[11]) + Number(fields[12])) * 10];
    }),
  );

const place = (url) =>
  /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url)?.[1] ??
  /\/dist\/(.+)$/.exec(url)?.[1] ??
  (url || '(native)');

const mock = await startMock(0);
pinToCpus(mock.child.pid, cpus.load);
pinToCpus(process.pid, cpus.load);
try {
  // 1. Threads and the GC's trace.
  {
    const { child, base, log } = await start(mock.url, ['--trace-gc', '--trace-gc-nvp']);
    const logged = readFileSync(log, 'utf8').length;
    const before = threads(child.pid);
    const r = await load(agentcrate, base, wf, { connections: 50, durationSec: seconds });
    const after = threads(child.pid);
    const lines = readFileSync(log, 'utf8').slice(logged).split('\n');
    await stopChild(child);
    const runs = r.runs_per_s * seconds;
    console.log(`${wf}-step: ${Math.round(r.runs_per_s)} runs/s, p50 ${r.p50_ms} ms, p99 ${r.p99_ms} ms`);
    console.log('CPU per run by thread:');
    for (const [name, ms] of after) {
      const used = ms - (before.get(name) ?? 0);
      if (used > 0) console.log(`  ${((used * 1000) / runs).toFixed(1).padStart(7)} µs  ${name}`);
    }
    const value = (line, key) => Number(new RegExp(`\\b${key}=([\\d.]+)`).exec(line)?.[1] ?? 0);
    const sum = (list, key) => list.reduce((s, line) => s + value(line, key), 0);
    const scavenges = lines.filter((l) => l.includes(' gc=s '));
    const majors = lines.filter((l) => / gc=(mc|mmc) /.test(l));
    const kb = (bytes) => (bytes / runs / 1024).toFixed(2);
    console.log(
      `scavenges: ${scavenges.length}, ${((sum(scavenges, 'pause') * 1000) / runs).toFixed(1)} µs per run on the main thread; ` +
        `per run ${kb(sum(scavenges, 'allocated'))} KB allocated, ${kb(sum(scavenges, 'new_space_survived'))} KB surviving in the young generation, ${kb(sum(scavenges, 'promoted'))} KB promoted`,
    );
    console.log(
      `mark-compacts: ${majors.length}, ${((sum(majors, 'pause') * 1000) / runs).toFixed(1)} µs per run on the main thread`,
    );
  }
  // 2. Allocation sampling, collected objects included.
  {
    const inspectPort = await freePort();
    const { child, base } = await start(mock.url, [`--inspect=127.0.0.1:${inspectPort}`]);
    const [{ webSocketDebuggerUrl }] = await (
      await fetch(`http://127.0.0.1:${inspectPort}/json/list`)
    ).json();
    const ws = new WebSocket(webSocketDebuggerUrl);
    await new Promise((resolve) => ws.addEventListener('open', resolve, { once: true }));
    let nextId = 0;
    const waiting = new Map();
    ws.addEventListener('message', (message) => {
      const data = JSON.parse(message.data);
      waiting.get(data.id)?.(data.result);
      waiting.delete(data.id);
    });
    const post = (method, params = {}) =>
      new Promise((resolve) => {
        const id = ++nextId;
        waiting.set(id, resolve);
        ws.send(JSON.stringify({ id, method, params }));
      });
    await post('HeapProfiler.enable');
    await post('HeapProfiler.startSampling', {
      samplingInterval: 512,
      includeObjectsCollectedByMajorGC: true,
      includeObjectsCollectedByMinorGC: true,
    });
    const r = await load(agentcrate, base, wf, { connections: 50, durationSec: seconds });
    const { profile } = await post('HeapProfiler.stopSampling');
    ws.close();
    await stopChild(child);
    const runs = r.runs_per_s * seconds;
    const byPlace = new Map();
    const byFunction = new Map();
    let total = 0;
    const walk = (node, caller) => {
      const frame = node.callFrame;
      const here = frame.url
        ? `${frame.functionName || '(anonymous)'} ${place(frame.url)}:${frame.lineNumber + 1}`
        : undefined;
      const owner = here ?? caller;
      if (node.selfSize > 0) {
        total += node.selfSize;
        const where =
          owner === undefined ? '(native)' : owner.slice(owner.lastIndexOf(' ') + 1).replace(/:\d+$/, '');
        byPlace.set(where, (byPlace.get(where) ?? 0) + node.selfSize);
        const key = owner ?? '(native)';
        byFunction.set(key, (byFunction.get(key) ?? 0) + node.selfSize);
      }
      for (const c of node.children) walk(c, owner);
    };
    walk(profile.head, undefined);
    const per = (bytes) => `${(bytes / runs / 1024).toFixed(1).padStart(6)} KB`;
    console.log(`\nallocated per run: ${per(total)} (${Math.round(r.runs_per_s)} runs/s under the sampler)`);
    console.log('by place (natives counted to their JS caller):');
    for (const [k, v] of [...byPlace].sort((a, b) => b[1] - a[1]).slice(0, 30))
      console.log(`  ${per(v)}  ${k}`);
    console.log('by function:');
    for (const [k, v] of [...byFunction].sort((a, b) => b[1] - a[1]).slice(0, 40))
      console.log(`  ${per(v)}  ${k}`);
  }
} finally {
  await mock.close();
  await stopAll();
}
