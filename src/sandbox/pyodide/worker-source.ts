/**
 * The worker thread that holds the WebAssembly Python (inline source, so the server bundle
 * carries it without a separate file). Before loading, it takes away what a Node worker
 * could reach: it reads Pyodide's three files itself, then hides `process`, the network
 * globals and `require`, makes Pyodide load as if in a browser worker (so Pyodide never
 * imports `node:fs`, `node:net` or `node:child_process`), and, once loaded, refuses every
 * further module import. The Python runner then runs with the network module disabled.
 * Memory: every growth of WebAssembly memory goes through `Memory.prototype.grow`, which
 * refuses to pass the call's limit, so Python sees a MemoryError and the worker survives.
 */
export const WORKER_SOURCE = `
import { readFileSync } from 'node:fs';
import { registerHooks } from 'node:module';
import { parentPort, workerData } from 'node:worker_threads';

let locked = false;
registerHooks({
  resolve(specifier, context, next) {
    if (locked) throw new Error('module imports are disabled in the sandbox: ' + specifier);
    return next(specifier, context);
  },
});

let memoryLimit = Infinity;
const grow = WebAssembly.Memory.prototype.grow;
WebAssembly.Memory.prototype.grow = function (delta) {
  if (this.buffer.byteLength + delta * 65536 > memoryLimit) throw new RangeError('sandbox memory limit');
  return grow.call(this, delta);
};

const dir = workerData.dir;
let files = {};
for (const name of ['pyodide.asm.wasm', 'python_stdlib.zip', 'pyodide-lock.json']) {
  files[name] = readFileSync(new URL(name, dir));
}

Object.defineProperty(globalThis, 'process', { value: undefined, configurable: true, writable: true });
for (const name of ['require', 'WebSocket', 'EventSource', 'XMLHttpRequest', 'BroadcastChannel', 'fetch']) {
  try { delete globalThis[name]; } catch {}
}
class WorkerGlobalScope {}
globalThis.WorkerGlobalScope = WorkerGlobalScope;
globalThis.self = Object.create(WorkerGlobalScope.prototype);
globalThis.location = new URL(dir);
// Pyodide fetches its files; this fetch serves only those, from memory, while it loads.
globalThis.fetch = async (url) => {
  const bytes = files[String(url).split('/').pop()];
  if (bytes === undefined) return new Response(null, { status: 404 });
  return new Response(bytes, {
    headers: { 'content-type': String(url).endsWith('.wasm') ? 'application/wasm' : 'application/octet-stream' },
  });
};

const started = performance.now();
let run;
let heap;
try {
  const { createPyodideModule } = await import(new URL('pyodide.asm.mjs', dir).href);
  const { loadPyodide } = await import(new URL('pyodide.mjs', dir).href);
  const py = await loadPyodide({
    indexURL: dir,
    createPyodideModule,
    jsglobals: Object.create(null),
    env: {},
    stdout: () => {},
    stderr: () => {},
  });
  for (const name of Object.keys(py.FS.filesystems)) if (name !== 'MEMFS') delete py.FS.filesystems[name];
  for (const name of ['loadPackage', 'loadPackagesFromImports', 'mountNodeFS', 'mountNativeFS']) {
    py[name] = () => { throw new Error('not available in the sandbox'); };
  }
  py.runPython(workerData.runner);
  py.runPython('_agentcrate_block_network()');
  run = py.globals.get('_agentcrate_run');
  heap = () => py._module.HEAP8.buffer.byteLength;
} catch (error) {
  parentPort.postMessage({ type: 'failed', message: String(error && error.message || error) });
  throw error;
} finally {
  delete globalThis.fetch;
  files = null;
  locked = true;
}
parentPort.postMessage({ type: 'ready', loadMs: performance.now() - started, heapBytes: heap() });

parentPort.on('message', (message) => {
  memoryLimit = message.memoryBytes;
  try {
    const text = run(message.text);
    memoryLimit = Infinity;
    parentPort.postMessage({ type: 'answer', id: message.id, text, heapBytes: heap() });
  } catch (error) {
    memoryLimit = Infinity;
    const text = String(error && error.message || error);
    parentPort.postMessage({ type: 'error', id: message.id, message: text, memory: /memory/i.test(text) });
  }
});
`;
