/**
 * The gateway's container entry as a process (dist/gateway/entry.js): serves from the
 * environment, answers --healthcheck, manages keys, refuses an invalid configuration with its
 * diagnostics in the log, and stops cleanly on SIGTERM.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { freePort } from './helpers.js';

const ENTRY = join(ROOT, 'dist/gateway/entry.js');
let dir: string;
let mock: MockLlm;

function env(port: number, config: string): NodeJS.ProcessEnv {
  return {
    PATH: process.env.PATH,
    GATEWAY_PORT: String(port),
    GATEWAY_HOST: '127.0.0.1',
    GATEWAY_CONFIG: config,
    GATEWAY_KEYS_DB: join(dir, 'keys.db'),
    GATEWAY_TEST_API_KEY: 'sk-test-entry-secret-0123456789',
  };
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentcrate-gw-entry-'));
  mock = await startMockLlm();
});
afterAll(async () => {
  await mock?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('gateway container entry', () => {
  it('serves, answers --healthcheck, manages keys and stops on SIGTERM', async () => {
    const config = join(dir, 'gateway.yaml');
    writeFileSync(
      config,
      `upstreams:\n  test: {provider: openai-compatible, base_url: ${mock.url}}\nroutes:\n  fast: {targets: [test/m]}\n`,
    );
    const port = await freePort();
    const child: ChildProcess = spawn(process.execPath, [ENTRY], { env: env(port, config) });
    let out = '';
    child.stdout?.on('data', (d) => (out += d));
    try {
      const deadline = Date.now() + 20_000;
      while (!out.includes('agentcrate gateway serving') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 50));
      const started = JSON.parse(out.split('\n').find((l) => l.includes('agentcrate gateway serving'))!);
      expect(started).toMatchObject({
        routes: ['fast'],
        upstreams: [{ name: 'test', available: true }],
        keysRequired: false,
      });
      const health = spawnSync(process.execPath, [ENTRY, '--healthcheck'], {
        env: env(port, config),
        encoding: 'utf8',
      });
      expect(health.status).toBe(0);
      const answer = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model: 'fast', messages: [{ role: 'user', content: 'hi' }] }),
      });
      expect(answer.status).toBe(200);
      expect(mock.chatRequests().at(-1)?.headers.authorization).toBe(
        'Bearer sk-test-entry-secret-0123456789',
      );
      const created = spawnSync(
        process.execPath,
        [ENTRY, 'keys', 'create', '--rpm', '5', '--name', 'entry'],
        {
          env: env(port, config),
          encoding: 'utf8',
        },
      );
      expect(created.status, created.stderr).toBe(0);
      expect(created.stdout.trim()).toMatch(/^sk-gw-[A-Za-z0-9_-]{32}$/);
      const listed = spawnSync(process.execPath, [ENTRY, 'keys', 'list', '--json'], {
        env: env(port, config),
        encoding: 'utf8',
      });
      expect(JSON.parse(listed.stdout)).toEqual([
        expect.objectContaining({ name: 'entry', rpm: 5, status: 'active' }),
      ]);
      // The serving gateway sees the new key: requests now need one.
      await new Promise((r) => setTimeout(r, 1100));
      const refused = await fetch(`http://127.0.0.1:${port}/v1/models`);
      expect(refused.status).toBe(401);
      const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
      child.kill('SIGTERM');
      expect(await exited).toBe(0);
      // No line of the log holds the upstream key.
      expect(out).not.toContain('sk-test-entry-secret');
    } finally {
      if (child.exitCode === null) child.kill('SIGKILL');
    }
  });

  it('refuses an invalid configuration, logging each problem with its line', () => {
    const config = join(dir, 'bad.yaml');
    writeFileSync(config, 'upstreams:\n  a: {provider: opneai}\n');
    const r = spawnSync(process.execPath, [ENTRY], {
      env: env(1, config),
      encoding: 'utf8',
      timeout: 20_000,
    });
    expect(r.status).toBe(1);
    const line = JSON.parse(r.stdout.trim().split('\n').at(-1)!);
    expect(line.code).toBe('E_INVALID_CONFIG');
    expect(line.diagnostics[0]).toMatchObject({
      line: 2,
      path: 'upstreams.a.provider',
      suggestion: 'openai',
    });
  });
});
