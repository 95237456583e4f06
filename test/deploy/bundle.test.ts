import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLE_BANNER, bundleServer } from '../../src/deploy/bundle.js';
import { FIXTURE_SERVER } from './helpers.js';
import { freePort } from './ports.js';

describe('bundleServer', () => {
  it('bundles an entry into one ESM file that runs with node alone (health, --healthcheck, SIGTERM)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentcrate-bundle-'));
    const outFile = join(dir, 'server.mjs');
    const result = await bundleServer({ outFile, entry: FIXTURE_SERVER });
    expect(result).toMatchObject({ outFile, prebuilt: false, source: FIXTURE_SERVER });
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
    const text = readFileSync(outFile, 'utf8');
    expect(text.startsWith(BUNDLE_BANNER)).toBe(true);
    expect(result.bytes).toBe(Buffer.byteLength(text));
    // Same input, same bytes: the image layer stays cached.
    expect((await bundleServer({ outFile: join(dir, 'again.mjs'), entry: FIXTURE_SERVER })).sha256).toBe(
      result.sha256,
    );

    const port = await freePort();
    const env = {
      ...process.env,
      PORT: String(port),
      HOST: '127.0.0.1',
      AGENTCRATE_STORE: join(dir, 'store.db'),
      AGENTCRATE_WORKFLOW: outFile,
    };
    const child = spawn(process.execPath, [outFile], { cwd: dir, env, stdio: ['ignore', 'pipe', 'pipe'] });
    try {
      let up = false;
      for (let i = 0; i < 100 && !up; i++) {
        up = await fetch(`http://127.0.0.1:${port}/health`).then(
          (r) => r.status === 200,
          () => false,
        );
        if (!up) await new Promise((r) => setTimeout(r, 50));
      }
      expect(up).toBe(true);
      expect(spawnSync(process.execPath, [outFile, '--healthcheck'], { env }).status).toBe(0);
      const exit = new Promise<number | null>((r) => child.once('exit', (code) => r(code)));
      child.kill('SIGTERM');
      expect(await exit).toBe(0);
      const dead = { ...env, PORT: String(await freePort()) };
      expect(spawnSync(process.execPath, [outFile, '--healthcheck'], { env: dead }).status).toBe(1);
    } finally {
      child.kill('SIGKILL');
    }
  });

  it('reports a broken entry with the esbuild message and location', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentcrate-bundle-'));
    await expect(
      bundleServer({ outFile: join(dir, 'x.mjs'), entry: '/nonexistent/entry.ts' }),
    ).rejects.toThrow(/server entry \/nonexistent\/entry\.ts does not exist/);
    const bad = join(dir, 'bad.ts');
    (await import('node:fs')).writeFileSync(bad, "import { nope } from './missing.js';\nnope();\n");
    await expect(bundleServer({ outFile: join(dir, 'x.mjs'), entry: bad })).rejects.toThrow(
      /bundling the server failed: Could not resolve "\.\/missing\.js".*bad\.ts:1/,
    );
  });
});
