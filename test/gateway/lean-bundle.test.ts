/**
 * The gateway's container bundle (CommonJS, src/deploy/gateway/bundle.ts) starts without its
 * serving part (the app, the configuration reader, pino: gateway-app.cjs, read by a child
 * process at start), Node's fetch implementation, HTTP/2, node:sqlite, node:crypto,
 * worker_threads or vm, answers liveness probes without loading them, loads the serving part
 * on the first chat request and answers chat without the web layer (fetch's classes) — judged
 * from the built-in modules the process reports (process.moduleLoadList) and the files it
 * required, not from its memory.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, request } from 'node:http';
import { constants as http2Constants } from 'node:http2';
import { createRequire } from 'node:module';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleGateway } from '../../src/deploy/gateway/bundle.js';
import { GATEWAY_NODE_FLAGS } from '../../src/deploy/types.js';
import { lazyListener } from '../../src/gateway/http/lazy-listener.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { freePort } from './helpers.js';

/** Writes the built-in modules and the files required so far to $MODULE_LIST_FILE on SIGUSR2. */
const PRELOAD = `
process.on('SIGUSR2', () => {
  const files = Object.keys(require.cache).map((f) => 'File ' + require('node:path').basename(f));
  require('node:fs').writeFileSync(process.env.MODULE_LIST_FILE, [...process.moduleLoadList, ...files].join('\\n'));
});
`;

describe('the gateway container bundle', () => {
  let dir: string;
  let mock: MockLlm;
  let child: ChildProcess | undefined;
  let port: number;
  let out = '';

  const loaded = async (): Promise<string[]> => {
    const list = join(dir, 'modules.txt');
    rmSync(list, { force: true });
    child?.kill('SIGUSR2');
    for (let i = 0; i < 100; i++) {
      try {
        return readFileSync(list, 'utf8').split('\n');
      } catch {
        await new Promise((r) => setTimeout(r, 20));
      }
    }
    throw new Error(`no module list from the gateway:\n${out}`);
  };
  const builtin = (modules: string[], name: string) => modules.includes(`NativeModule ${name}`);

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'ac-gw-lean-'));
    mock = await startMockLlm();
    const bundle = await bundleGateway({ outFile: join(dir, 'gateway.cjs') });
    expect(bundle.files).toEqual([join(dir, 'gateway.cjs'), join(dir, 'gateway-app.cjs')]);
    writeFileSync(join(dir, 'preload.cjs'), PRELOAD);
    writeFileSync(
      join(dir, 'gateway.yaml'),
      `upstreams:\n  local: {provider: openai-compatible, base_url: ${mock.url}}\nroutes:\n  fast: {targets: [local/mock-model]}\nkeys: {require: never}\n`,
    );
    port = await freePort();
    child = spawn(process.execPath, ['--require', join(dir, 'preload.cjs'), join(dir, 'gateway.cjs')], {
      env: {
        PATH: process.env.PATH,
        GATEWAY_PORT: String(port),
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_CONFIG: join(dir, 'gateway.yaml'),
        MODULE_LIST_FILE: join(dir, 'modules.txt'),
      },
    });
    child.stdout?.on('data', (d) => (out += d));
    child.stderr?.on('data', (d) => (out += d));
    const deadline = Date.now() + 20_000;
    while (!out.includes('agentcrate gateway serving') && Date.now() < deadline && child.exitCode === null)
      await new Promise((r) => setTimeout(r, 50));
    expect(out).toContain('agentcrate gateway serving');
  }, 60_000);

  afterAll(async () => {
    child?.kill('SIGKILL');
    await mock?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('answers liveness probes and chat without loading the web layer, and other routes through Hono', async () => {
    // The probe a container engine sends: plain node:http, so fetch stays unloaded.
    const health = await new Promise<{ status: number; body: string; type: string }>((resolve, reject) => {
      request(`http://127.0.0.1:${port}/health`, (res) => {
        let body = '';
        res.on('data', (d) => (body += d));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body, type: String(res.headers['content-type']) }),
        );
      })
        .on('error', reject)
        .end();
    });
    expect(health).toEqual({ status: 200, body: '{"status":"ok"}', type: 'application/json' });

    const idle = await loaded();
    expect(builtin(idle, 'http')).toBe(true);
    for (const name of ['internal/deps/undici/undici', 'http2', 'sqlite', 'crypto', 'worker_threads', 'vm'])
      expect(builtin(idle, name), `${name} loaded by an idle gateway`).toBe(false);
    // Only the start's file: the serving part (and the configuration reader in it) is not read.
    expect(idle.filter((m) => m.startsWith('File ')).sort()).toEqual([
      'File gateway.cjs',
      'File preload.cjs',
    ]);

    const answer = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = request(
        `http://127.0.0.1:${port}/v1/chat/completions`,
        { method: 'POST', headers: { 'content-type': 'application/json' } },
        (res) => {
          let body = '';
          res.on('data', (d) => (body += d));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      req.end(JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }));
    });
    expect(answer.status, answer.body).toBe(200);
    expect(JSON.parse(answer.body).choices[0].message.content).toEqual(expect.any(String));

    // Chat is answered on the server's own node:http path: no web Request or Response.
    const chatting = await loaded();
    expect(builtin(chatting, 'internal/deps/undici/undici'), 'fetch loaded by a chat request').toBe(false);
    expect(chatting).toContain('File gateway-app.cjs');

    const models = await new Promise<number>((resolve, reject) => {
      request(`http://127.0.0.1:${port}/v1/models`, (res) => {
        res.resume();
        res.on('end', () => resolve(res.statusCode ?? 0));
      })
        .on('error', reject)
        .end();
    });
    expect(models).toBe(200);
  });

  it('refuses an invalid configuration read by its child process, with file, line and field', () => {
    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'upstreams:\n  a: {provider: opneai}\n');
    const r = spawnSync(process.execPath, [join(dir, 'gateway.cjs')], {
      env: { PATH: process.env.PATH, GATEWAY_PORT: '1', GATEWAY_HOST: '127.0.0.1', GATEWAY_CONFIG: bad },
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status, r.stderr).toBe(1);
    const line = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(line).toMatchObject({ level: 50, service: 'agentcrate-gateway', code: 'E_INVALID_CONFIG' });
    expect(line.err).toContain('bad.yaml is not a valid gateway configuration');
    expect(line.diagnostics[0]).toMatchObject({ file: bad, line: 2, path: 'upstreams.a.provider' });
  });

  it('compiles nothing and collects no garbage while idle, however long its path and large its environment', async () => {
    // Node's module loader runs its path helpers once per character of the main script's path:
    // at a long path, with V8's default tiering, one of them reached Maglev at start, which
    // faults in the compiler's code. And the start fills V8's young generation to just under
    // where its minor-GC task is posted by default: a hundred variables more made it scavenge.
    // Started as the image starts it (GATEWAY_NODE_FLAGS).
    const deep = join(dir, 'x'.repeat(60), 'node_modules', 'agentcrate', 'lib', 'gateway');
    mkdirSync(deep, { recursive: true });
    for (const file of ['gateway.cjs', 'gateway-app.cjs']) copyFileSync(join(dir, file), join(deep, file));
    const idlePort = await freePort();
    const padding = Object.fromEntries(
      Array.from({ length: 100 }, (_, i) => [`PADDING_${i}`, 'x'.repeat(40)]),
    );
    const flags = [...GATEWAY_NODE_FLAGS, '--trace-opt', '--trace-gc'];
    const idle = spawn(process.execPath, [...flags, join(deep, 'gateway.cjs')], {
      env: {
        ...padding,
        PATH: process.env.PATH,
        GATEWAY_PORT: String(idlePort),
        GATEWAY_HOST: '127.0.0.1',
        GATEWAY_CONFIG: join(dir, 'gateway.yaml'),
      },
    });
    let trace = '';
    idle.stdout?.on('data', (d) => (trace += d));
    idle.stderr?.on('data', (d) => (trace += d));
    try {
      const deadline = Date.now() + 20_000;
      while (!trace.includes('agentcrate gateway serving') && Date.now() < deadline && idle.exitCode === null)
        await new Promise((r) => setTimeout(r, 50));
      expect(trace).toContain('agentcrate gateway serving');
      const status = await new Promise<number>((resolve, reject) => {
        request(`http://127.0.0.1:${idlePort}/health`, (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        })
          .on('error', reject)
          .end();
      });
      expect(status).toBe(200);
      // Past the start-up trim; V8 compiles concurrently, so its line may come a little after.
      await new Promise((r) => setTimeout(r, 1000));
      expect(trace.split('\n').filter((l) => /compiling method|Scavenge|Mark-Compact/.test(l))).toEqual([]);
    } finally {
      idle.kill('SIGKILL');
    }
  }, 30_000);

  it("stands in for node:http2's constants with node:http2's own values", () => {
    const require = createRequire(import.meta.url);
    const lean = require('../../src/gateway/lean/http2.cjs') as {
      FIXED_CONSTANTS: Record<string, unknown>;
    };
    for (const [name, value] of Object.entries(lean.FIXED_CONSTANTS))
      expect(value, name).toBe((http2Constants as Record<string, unknown>)[name]);
  });
});

describe('lazyListener', () => {
  it('loads the listener once for concurrent first requests, answers /health before it', async () => {
    let loads = 0;
    let release!: () => void;
    const gate = new Promise<void>((r) => {
      release = r;
    });
    const { listener, loaded } = lazyListener(async () => {
      loads += 1;
      await gate;
      return (_req, res) => res.end('from the web layer');
    });
    const server = createServer(listener).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const health = await fetch(`${base}/health`);
      expect(await health.json()).toEqual({ status: 'ok' });
      expect(loads).toBe(0);
      const pending = [fetch(`${base}/a`), fetch(`${base}/b`)];
      await new Promise((r) => setTimeout(r, 50));
      expect(loaded()).toBe(false);
      release();
      const texts = await Promise.all(pending.map(async (p) => (await p).text()));
      expect(texts).toEqual(['from the web layer', 'from the web layer']);
      expect(loads).toBe(1);
      // Once loaded, probes go through it too.
      expect(await (await fetch(`${base}/health`)).text()).toBe('from the web layer');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });

  it('answers 500 when the web layer cannot be loaded, and tries again on the next request', async () => {
    let attempts = 0;
    const { listener } = lazyListener(async () => {
      attempts += 1;
      if (attempts === 1) throw new Error('broken install');
      return (_req, res) => res.end('loaded');
    });
    const server = createServer(listener).listen(0, '127.0.0.1');
    await new Promise((r) => server.once('listening', r));
    const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    try {
      const first = await fetch(`${base}/v1/models`);
      expect(first.status).toBe(500);
      expect(await first.text()).toContain('could not load its HTTP layer');
      expect(await (await fetch(`${base}/v1/models`)).text()).toBe('loaded');
    } finally {
      server.closeAllConnections();
      server.close();
    }
  });
});
