/**
 * The WebAssembly Python sandbox, for real: one Pyodide worker shared by the file (as a
 * process shares it), code run with inputs and memory, limits hit and recovered from, and
 * every way out we know of tried and refused — with a loopback listener that must see no
 * connection and a host file the code must not read.
 */

import { mkdtempSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PythonSandbox } from '../../src/sandbox/pyodide/python-sandbox.js';
import type { CodeRequest, SandboxSettings } from '../../src/sandbox/types.js';
import { sandboxRequest, sandboxSettings } from '../support/sandbox.js';

const settings = (over: Partial<SandboxSettings> = {}) => sandboxSettings('python', over);
const request = (code: string, over: Partial<CodeRequest> = {}) => sandboxRequest(code, settings(), over);

describe('python sandbox (Pyodide in a worker)', () => {
  const sandbox = new PythonSandbox();
  let listener: Server;
  let port = 0;
  const connections: string[] = [];
  let secretFile = '';

  beforeAll(async () => {
    listener = createServer((socket) => {
      connections.push('connection');
      socket.destroy();
    });
    await new Promise<void>((resolve) => listener.listen(0, '127.0.0.1', resolve));
    port = (listener.address() as { port: number }).port;
    const dir = mkdtempSync(join(tmpdir(), 'agentcrate-sandbox-'));
    secretFile = join(dir, 'secret.txt');
    writeFileSync(secretFile, 'host secret');
    await sandbox.warm();
  }, 120_000);

  afterAll(async () => {
    await sandbox.close();
    listener.close();
  });

  it('runs the code with its inputs and returns result, stdout and stderr', async () => {
    const outcome = await sandbox.run(
      request(
        "import sys\nprint('summing', len(inputs['numbers']))\nprint('warn', file=sys.stderr)\nresult = sum(inputs.get('numbers', []))",
        { inputs: { numbers: [1, 2, 3, 4] } },
      ),
    );
    expect(outcome).toMatchObject({
      ok: true,
      result: 10,
      stdout: 'summing 4\n',
      stderr: 'warn\n',
      mode: 'python',
    });
    expect(outcome.durationMs).toBeGreaterThanOrEqual(0);
    expect(outcome.limits).toMatchObject({ timeoutMs: 30_000, memoryBytes: 256 * 1024 * 1024 });
  });

  it('returns JSON values of every kind, and None when result is never set', async () => {
    const rich = await sandbox.run(request("result = {'a': [1, 2.5, None, True], 'b': (1, 2), 'c': 'é'}"));
    expect(rich.result).toEqual({ a: [1, 2.5, null, true], b: [1, 2], c: 'é' });
    const none = await sandbox.run(request('x = 1'));
    expect(none).toMatchObject({ ok: true, result: null });
  });

  it('gives each call fresh globals', async () => {
    await sandbox.run(request('leftover = 41'));
    const outcome = await sandbox.run(request("result = 'leftover' in globals()"));
    expect(outcome.result).toBe(false);
  });

  it('reports an exception with its type, line and traceback, keeping what was printed', async () => {
    const outcome = await sandbox.run(request("print('before')\nx = 1\nresult = x / 0"));
    expect(outcome.ok).toBe(false);
    expect(outcome.failure).toMatchObject({ code: 'E_CODE', type: 'ZeroDivisionError', line: 3 });
    expect(outcome.failure?.message).toContain('ZeroDivisionError: division by zero');
    expect(outcome.failure?.traceback).toContain('line 3');
    expect(outcome.stdout).toBe('before\n');
  });

  it('reports a syntax error with its line', async () => {
    const outcome = await sandbox.run(request('x = 1\nresult = (x +'));
    expect(outcome.failure).toMatchObject({ code: 'E_CODE', type: 'SyntaxError', line: 2 });
  });

  it('refuses a result that is not JSON, naming its type', async () => {
    const outcome = await sandbox.run(request('result = {1, 2}'));
    expect(outcome.failure?.code).toBe('E_CODE');
    expect(outcome.failure?.message).toContain('result is a set');
  });

  it('caps what the code prints', async () => {
    const outcome = await sandbox.run(request("print('x' * 200000)"));
    expect(outcome.stdout.length).toBeLessThan(70_000);
    expect(outcome.stdout).toContain('[output truncated');
  });

  it('offers the memory API over the snapshot and returns the changes in order', async () => {
    const outcome = await sandbox.run(
      request(
        [
          "seen = memory['count']",
          "missing = memory['nope']",
          "memory.write('count', (seen or 0) + 1)",
          "memory.write('notes', {'last': inputs['msg']})",
          "memory.delete('old')",
          "result = [seen, missing, memory['count'], 'notes' in memory, memory.read('nope', 'dflt'), sorted(memory.keys()), len(memory)]",
        ].join('\n'),
        { inputs: { msg: 'hi' }, memory: { enabled: true, values: { count: 4, old: 'x' } } },
      ),
    );
    expect(outcome.result).toEqual([4, null, 5, true, 'dflt', ['count', 'notes'], 2]);
    expect(outcome.memory).toEqual([
      { op: 'set', key: 'count', value: 5 },
      { op: 'set', key: 'notes', value: { last: 'hi' } },
      { op: 'delete', key: 'old' },
    ]);
  });

  it('drops memory changes of a failed call and says how to enable memory', async () => {
    const failed = await sandbox.run(
      request("memory.write('k', 1)\nraise ValueError('boom')", { memory: { enabled: true, values: {} } }),
    );
    expect(failed.memory).toEqual([]);
    const disabled = await sandbox.run(request("memory.write('k', 1)"));
    expect(disabled.failure?.message).toContain("memory is not enabled for node 'n'");
    const notJson = await sandbox.run(
      request("memory.write('k', object())", { memory: { enabled: true, values: {} } }),
    );
    expect(notJson.failure?.message).toContain("memory.write('k', ...): the value must be JSON data");
  });

  it('has the standard library and nothing else', async () => {
    const ok = await sandbox.run(
      request('import statistics, json, re, datetime\nresult = statistics.mean([1, 2, 3])'),
    );
    expect(ok.result).toBe(2);
    const numpy = await sandbox.run(request('import numpy'));
    expect(numpy.failure).toMatchObject({ code: 'E_CODE', type: 'ModuleNotFoundError' });
    for (const name of ['js', 'pyodide_js', 'pyodide.code', 'micropip']) {
      const denied = await sandbox.run(request(`import ${name}`));
      expect(denied.failure?.code, name).toBe('E_SANDBOX_VIOLATION');
      expect(denied.failure?.message).toContain('only the Python standard library');
    }
  });

  it('has no network: sockets and urllib are refused and the listener sees nothing', async () => {
    const socket = await sandbox.run(
      request(`import socket\ns = socket.socket()\ns.connect(('127.0.0.1', ${port}))`),
    );
    expect(socket.failure?.code).toBe('E_SANDBOX_VIOLATION');
    expect(socket.failure?.message).toContain('network access is disabled');
    const urllib = await sandbox.run(
      request(`import urllib.request\nurllib.request.urlopen('http://127.0.0.1:${port}/')`),
    );
    expect(urllib.ok).toBe(false);
    // Below the friendly layer: the raw _socket module reaches no network either.
    const raw = await sandbox.run(
      request(
        `import _socket\ns = _socket.socket()\ns.connect(('127.0.0.1', ${port}))\nresult = 'connected'`,
      ),
    );
    expect(raw.ok).toBe(false);
    await new Promise((resolve) => setTimeout(resolve, 200));
    expect(connections).toEqual([]);
  });

  it('has no host filesystem: host files are absent and nothing mounts them', async () => {
    const read = await sandbox.run(request(`result = open(${JSON.stringify(secretFile)}).read()`));
    expect(read.failure).toMatchObject({ type: 'FileNotFoundError' });
    const listing = await sandbox.run(request("import os\nresult = sorted(os.listdir('/'))"));
    expect(listing.result).not.toContain('work');
    expect(listing.result).not.toContain('etc');
  });

  it('stays closed to code that reaches JavaScript by the back door', async () => {
    // The import guard is only the first layer: a module object already loaded is a way
    // around it, and from it JavaScript's Function constructor. The worker's realm must
    // then hold nothing to reach the host with.
    const globals = await sandbox.run(
      request(
        [
          'import sys',
          "pyjs = sys.modules['pyodide_js']",
          "result = pyjs.constructor.constructor('return [typeof process, typeof require, typeof fetch, typeof WebSocket].join()')()",
        ].join('\n'),
      ),
    );
    expect(globals).toMatchObject({ ok: true, result: 'undefined,undefined,undefined,undefined' });
    const mounts = await sandbox.run(
      request("import sys\nresult = sorted(sys.modules['pyodide_js'].FS.filesystems.object_keys())"),
    );
    expect(mounts).toMatchObject({ ok: true, result: ['MEMFS'] });
    // A dynamic import of node:fs from JavaScript: the promise is parked on `sys` so the next
    // call can read how it settled.
    const file = JSON.stringify(secretFile).replaceAll('"', "'");
    await sandbox.run(
      request(
        [
          'import sys',
          "pyjs = sys.modules['pyodide_js']",
          `sys._probe = pyjs.constructor.constructor("return import('node:fs').then(m => 'READ ' + m.readFileSync(${file}), e => 'DENIED ' + e.message)")()`,
        ].join('\n'),
      ),
    );
    await new Promise((resolve) => setTimeout(resolve, 100));
    const settled = await sandbox.run(request('import sys\nresult = sys._probe.result()'));
    expect(settled.result).toMatch(/^DENIED module imports are disabled in the sandbox/);
    const environ = await sandbox.run(request('import os\nresult = dict(os.environ)'));
    expect(Object.keys(environ.result as object).sort()).toEqual(
      ['HOME', 'LANG', 'LD_LIBRARY_PATH', 'LOGNAME', 'PATH', 'PWD', 'PYTHONINSPECT', 'USER', '_'].sort(),
    );
  });

  it('stops code at its memory limit and keeps working', async () => {
    const big = await sandbox.run(request('x = bytearray(400 * 1024 * 1024)'));
    expect(big.failure?.code).toBe('E_SANDBOX_MEMORY');
    const after = await sandbox.run(request('result = 1 + 1'));
    expect(after.result).toBe(2);
  });

  it('ends code past its time limit, and the next call gets a fresh interpreter', async () => {
    const loads = sandbox.stats.loads;
    const started = Date.now();
    const outcome = await sandbox.run(
      request('while True:\n    pass', { settings: settings({ timeout: 1 }) }),
    );
    expect(outcome.failure?.code).toBe('E_SANDBOX_TIMEOUT');
    expect(outcome.failure?.message).toContain('time limit of 1 s');
    expect(Date.now() - started).toBeLessThan(5_000);
    const after = await sandbox.run(request('result = 6 * 7'));
    expect(after.result).toBe(42);
    expect(sandbox.stats.loads).toBe(loads + 1);
  }, 120_000);

  it('stops a call when the run is cancelled', async () => {
    const controller = new AbortController();
    const call = sandbox.run(request('while True:\n    pass', { signal: controller.signal }));
    setTimeout(() => controller.abort(), 300);
    const outcome = await call;
    expect(outcome.failure?.code).toBe('E_CANCELLED');
    const after = await sandbox.run(request('result = 1'));
    expect(after.result).toBe(1);
  }, 120_000);

  it('runs calls one at a time in submission order', async () => {
    const outcomes = await Promise.all([1, 2, 3, 4].map((n) => sandbox.run(request(`result = ${n} * 10`))));
    expect(outcomes.map((o) => o.result)).toEqual([10, 20, 30, 40]);
  });
});

describe('python sandbox without Pyodide', () => {
  it('fails with E_SANDBOX_UNAVAILABLE naming the fix', async () => {
    const sandbox = new PythonSandbox({ pyodideDir: '/nonexistent/pyodide' });
    await expect(sandbox.run(request('result = 1'))).rejects.toMatchObject({
      code: 'E_SANDBOX_UNAVAILABLE',
      message: expect.stringContaining('AGENTCRATE_PYODIDE_DIR'),
    });
    await sandbox.close();
  });
});
