/**
 * `agentcrate gateway` as a user runs it from the packed package: the bin hands the command to
 * the gateway's lean bundle (lib/gateway/gateway.cjs, the file `deploy --with-gateway` puts in
 * the image), whose process serves, while the CLI reads the options and the configuration in a
 * short-lived child. Through real sockets: the start message, liveness probes and chat against
 * the loopback mock, the files the serving process required (the bundle's start, not the CLI
 * nor the serving part while idle), the CLI's errors and exit codes for bad options, an invalid
 * configuration and a port in use, other actions after options, and SIGINT/SIGTERM stopping it
 * with exit code 0.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import {
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  symlinkSync,
  writeFileSync,
} from 'node:fs';
import { createServer, request } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bundleGateway } from '../../src/deploy/gateway/bundle.js';
import { freePort } from '../gateway/helpers.js';
import { ROOT } from '../support/cli.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';

/** Writes the files required so far to $FILE_LIST on SIGUSR2. */
const PRELOAD = `
process.on('SIGUSR2', () => {
  const files = Object.keys(require.cache).map((f) => require('node:path').basename(f));
  require('node:fs').writeFileSync(process.env.FILE_LIST, files.join('\\n'));
});
`;

let dir: string;
let pkg: string;
let mock: MockLlm;
let config: string;

/** The packed layout: the bin, the CLI (the checkout's, built), lib/gateway from the bundler. */
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'ac-cli-gw-'));
  pkg = join(dir, 'agentcrate');
  mkdirSync(join(pkg, 'bin'), { recursive: true });
  mkdirSync(join(pkg, 'dist'), { recursive: true });
  writeFileSync(join(pkg, 'package.json'), JSON.stringify({ name: 'agentcrate', type: 'module' }));
  for (const bin of ['agentcrate.cjs', 'agentcrate.js'])
    copyFileSync(join(ROOT, 'bin', bin), join(pkg, 'bin', bin));
  symlinkSync(join(ROOT, 'dist/cli'), join(pkg, 'dist/cli'));
  await bundleGateway({ outFile: join(pkg, 'lib/gateway/gateway.cjs') });
  writeFileSync(join(dir, 'preload.cjs'), PRELOAD);
  mock = await startMockLlm();
  config = join(dir, 'gateway.yaml');
  writeFileSync(
    config,
    `upstreams:\n  local: {provider: openai-compatible, base_url: ${mock.url}}\nroutes:\n  fast: {targets: [local/mock-model]}\nkeys: {require: never}\n`,
  );
}, 60_000);

afterAll(async () => {
  await mock?.close();
  rmSync(dir, { recursive: true, force: true });
});

interface Started {
  child: ChildProcess;
  out: () => string;
  err: () => string;
  exit: Promise<number | null>;
}

function gateway(args: string[], extraEnv: Record<string, string> = {}): Started {
  const child = spawn(
    process.execPath,
    ['--require', join(dir, 'preload.cjs'), '--', join(pkg, 'bin/agentcrate.cjs'), 'gateway', ...args],
    {
      cwd: dir,
      env: { PATH: process.env.PATH, NO_COLOR: '1', FILE_LIST: join(dir, 'files.txt'), ...extraEnv },
    },
  );
  let out = '';
  let err = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (err += d));
  const exit = new Promise<number | null>((done) => child.on('close', (code) => done(code)));
  return { child, out: () => out, err: () => err, exit };
}

async function until(what: () => boolean, started: Started): Promise<void> {
  const deadline = Date.now() + 20_000;
  while (!what() && Date.now() < deadline && started.child.exitCode === null)
    await new Promise((r) => setTimeout(r, 25));
  expect(what(), `stderr:\n${started.err()}\nstdout:\n${started.out()}`).toBe(true);
}

function post(port: number, path: string, body: unknown): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const req = request(
      `http://127.0.0.1:${port}${path}`,
      { method: body === undefined ? 'GET' : 'POST', headers: { 'content-type': 'application/json' } },
      (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body: text }));
      },
    );
    req.on('error', reject);
    req.end(body === undefined ? undefined : JSON.stringify(body));
  });
}

async function requiredFiles(started: Started): Promise<string[]> {
  const list = join(dir, 'files.txt');
  rmSync(list, { force: true });
  started.child.kill('SIGUSR2');
  for (let i = 0; i < 200; i++) {
    try {
      return readFileSync(list, 'utf8').split('\n').sort();
    } catch {
      await new Promise((r) => setTimeout(r, 20));
    }
  }
  throw new Error('no file list from the gateway');
}

describe('agentcrate gateway on the lean bundle', () => {
  it('serves from the bundle with the CLI’s options, then stops on SIGTERM with code 0', async () => {
    const port = await freePort();
    const g = gateway(['--config', config, '--port', String(port), '--host', '127.0.0.1']);
    try {
      await until(() => g.err().includes('Ctrl-C stops it.'), g);
      expect(g.err()).toContain(`✓ model gateway at http://127.0.0.1:${port} — config ${config}`);
      expect(g.err()).toContain('model = fast');
      expect(g.err()).toContain('keys: not required (keys.require: never)');
      expect(await post(port, '/health', undefined)).toEqual({ status: 200, body: '{"status":"ok"}' });
      // The serving process holds the bin and the bundle's start: not the CLI, not yet the
      // serving part, and no ES module (Node's ESM loader not loaded).
      expect(await requiredFiles(g)).toEqual(['agentcrate.cjs', 'gateway.cjs', 'preload.cjs']);

      const chat = await post(port, '/v1/chat/completions', {
        model: 'fast',
        messages: [{ role: 'user', content: 'hi' }],
      });
      expect(chat.status, chat.body).toBe(200);
      expect(JSON.parse(chat.body).choices[0].message.content).toEqual(expect.any(String));
      expect(await requiredFiles(g)).toContain('gateway-app.cjs');
      // One JSON log line per request on stdout, as in-process.
      await until(() => g.out().includes('"route":"fast"'), g);

      g.child.kill('SIGTERM');
      expect(await g.exit).toBe(0);
      expect(g.err()).toContain('shutting down: finishing streams in flight');
    } finally {
      g.child.kill('SIGKILL');
    }
  }, 60_000);

  it('stops on SIGINT with code 0 (Ctrl-C)', async () => {
    const port = await freePort();
    const g = gateway(['--config', config, '--port', String(port)]);
    try {
      await until(() => g.err().includes('Ctrl-C stops it.'), g);
      g.child.kill('SIGINT');
      expect(await g.exit).toBe(0);
    } finally {
      g.child.kill('SIGKILL');
    }
  }, 60_000);

  it('says what is wrong, as every command does: a bad option, an invalid file, a port in use', async () => {
    const badPort = gateway(['--port', '99999']);
    expect(await badPort.exit).toBe(2);
    expect(badPort.err()).toContain("--port expects a whole number from 0 to 65535, got '99999'");

    const bad = join(dir, 'bad.yaml');
    writeFileSync(bad, 'upstreams:\n  a: {provider: opneai}\n');
    const invalid = gateway(['--config', bad]);
    expect(await invalid.exit).toBe(2);
    expect(invalid.err()).toContain(`${bad}:2:`);
    // Named for what it is, its diagnostics said once.
    expect(invalid.err()).toContain(`${bad} is not a valid gateway configuration`);
    expect(invalid.err().split(`${bad}:2:`)).toHaveLength(2);
    expect(invalid.err()).toContain('upstreams.a.provider');
    expect(invalid.err()).not.toMatch(/\n\s+at /);

    const taken = createServer();
    await new Promise<void>((done) => taken.listen(0, '127.0.0.1', () => done()));
    try {
      const port = (taken.address() as AddressInfo).port;
      const busy = gateway(['--config', config, '--port', String(port), '--host', '127.0.0.1']);
      expect(await busy.exit).toBe(2);
      expect(busy.err()).toContain(`port ${port} is already in use on 127.0.0.1`);
      expect(busy.err()).not.toContain('model gateway at');
    } finally {
      taken.close();
    }
  }, 60_000);

  it('runs another action given after options (gateway --config … check --json)', async () => {
    const check = gateway(['--config', config, 'check', '--json']);
    expect(await check.exit).toBe(0);
    expect(JSON.parse(check.out())).toMatchObject({ file: config, valid: true });
  }, 60_000);
});
