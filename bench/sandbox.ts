/**
 * Code-node sandbox costs. Run with `node_modules/.bin/node bench/sandbox.ts [calls] [--docker]`
 * (Node 24 strips the types itself), under `flock /work/.bench.lock` on a shared machine.
 *
 * - python mode: the interpreter's first load in a fresh process (worker start, Pyodide load,
 *   runner setup), the per-call cost of a small code node once loaded, the interpreter's heap
 *   and the process RSS it adds; the peer, measured in the same run, is the host's own
 *   `python3` started per call (what a naive "spawn python" sandbox costs).
 * - docker mode (--docker, needs the engine and AGENTCRATE_SANDBOX_IMAGE or the test image):
 *   the per-call cost of a throw-away container.
 */
import { spawnSync } from 'node:child_process';
import './lib/ts-sources.mjs';

const { PythonSandbox } = await import('../src/sandbox/pyodide/python-sandbox.js');
const calls = Number(process.argv.find((a) => /^\d+$/.test(a)) ?? 200);
const docker = process.argv.includes('--docker');

const CODE = "items = inputs['numbers']\nresult = sum(x * x for x in items if x % 2 == 0)";
const request = (mode: 'python' | 'docker') => ({
  nodeId: 'bench',
  code: CODE,
  inputs: { numbers: Array.from({ length: 100 }, (_, i) => i) },
  memory: { enabled: false, values: {} },
  settings: { mode, enabled: true, network: false, preset: 'medium' as const },
});
const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
const p95 = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length * 0.95)]!;
const mb = (b: number) => Math.round(b / 1024 / 1024);

const rssBefore = process.memoryUsage().rss;
const sandbox = new PythonSandbox();
let t = performance.now();
const first = await sandbox.run(request('python'));
const firstMs = performance.now() - t;
if (!first.ok) throw new Error(JSON.stringify(first.failure));
const times: number[] = [];
for (let i = 0; i < calls; i++) {
  t = performance.now();
  const o = await sandbox.run(request('python'));
  times.push(performance.now() - t);
  if (!o.ok) throw new Error(JSON.stringify(o.failure));
}
const rssAfter = process.memoryUsage().rss;
console.log(
  `python mode: first call (load included) ${Math.round(firstMs)} ms (load ${Math.round(sandbox.stats.lastLoadMs ?? 0)} ms)`,
);
console.log(
  `python mode: per call median ${median(times).toFixed(2)} ms, p95 ${p95(times).toFixed(2)} ms over ${calls}`,
);
console.log(
  `python mode: interpreter heap ${mb(sandbox.stats.heapBytes ?? 0)} MB; process RSS +${mb(rssAfter - rssBefore)} MB`,
);
await sandbox.close();

const peer: number[] = [];
const peerCalls = Math.min(calls, 50);
const script = `import json,sys\ninputs=json.load(sys.stdin)\n${CODE}\nprint(json.dumps(result))`;
for (let i = 0; i < peerCalls; i++) {
  t = performance.now();
  const r = spawnSync('/usr/bin/python3', ['-I', '-S', '-c', script], {
    input: JSON.stringify(request('python').inputs),
  });
  peer.push(performance.now() - t);
  if (r.status !== 0) throw new Error(String(r.stderr));
}
console.log(`peer (host python3 spawned per call): median ${median(peer).toFixed(2)} ms over ${peerCalls}`);
console.log(`ratio peer / python mode per call: ${(median(peer) / median(times)).toFixed(1)}x`);

if (docker) {
  const { DockerSandbox } = await import('../src/sandbox/docker/docker-sandbox.js');
  const image = process.env.AGENTCRATE_SANDBOX_IMAGE ?? 'agentcrate-sandbox-test-python:3';
  const d = new DockerSandbox({ dockerImage: image });
  await d.run(request('docker'));
  const dt: number[] = [];
  for (let i = 0; i < Math.min(calls, 20); i++) {
    t = performance.now();
    const o = await d.run(request('docker'));
    dt.push(performance.now() - t);
    if (!o.ok) throw new Error(JSON.stringify(o.failure));
  }
  console.log(
    `docker mode (${image}): per call median ${Math.round(median(dt))} ms, p95 ${Math.round(p95(dt))} ms over ${dt.length}`,
  );
  console.log(`ratio docker / python mode per call: ${Math.round(median(dt) / median(times))}x`);
}
