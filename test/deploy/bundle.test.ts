import { spawn, spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BUNDLE_BANNER, bundleServer, CHUNKS_DIR, DEFAULT_SERVER_ENTRY } from '../../src/deploy/bundle.js';
import { FIXTURE_SERVER } from './helpers.js';
import { freePort } from './ports.js';

describe('bundleServer', () => {
  it('bundles an entry into an ESM file that runs with node alone (health, --healthcheck, SIGTERM)', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentcrate-bundle-'));
    const outFile = join(dir, 'server.mjs');
    const result = await bundleServer({ outFile, entry: FIXTURE_SERVER });
    expect(result).toMatchObject({ outFile, prebuilt: false, source: FIXTURE_SERVER });
    expect(result.sha256).toMatch(/^[0-9a-f]{64}$/);
    const text = readFileSync(outFile, 'utf8');
    expect(text.startsWith(BUNDLE_BANNER)).toBe(true);
    expect(result.files[0]).toBe(outFile);
    expect(result.bytes).toBe(result.files.reduce((sum, f) => sum + statSync(f).size, 0));
    // Same input, same bytes: the image layer stays cached.
    const again = mkdtempSync(join(tmpdir(), 'agentcrate-bundle-'));
    expect((await bundleServer({ outFile: join(again, 'again.mjs'), entry: FIXTURE_SERVER })).sha256).toBe(
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

  it('splits the real server: the AI SDK and the OpenTelemetry SDK load from chunks when first used', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentcrate-bundle-'));
    const outFile = join(dir, 'server.mjs');
    // A chunk left by an earlier agentcrate: pruned, or it would ride along into the image.
    mkdirSync(join(dir, CHUNKS_DIR));
    writeFileSync(join(dir, CHUNKS_DIR, 'stale-OLD.mjs'), 'export {};\n');
    const result = await bundleServer({ outFile, entry: DEFAULT_SERVER_ENTRY });
    const chunks = readdirSync(join(dir, CHUNKS_DIR)).sort();
    expect(chunks).not.toContain('stale-OLD.mjs');
    // Nothing else beside the bundle (the build cache, with host paths, lives elsewhere).
    expect(readdirSync(dir).sort()).toEqual([CHUNKS_DIR, 'server.mjs'].sort());
    expect(result.files).toEqual([outFile, ...chunks.map((c) => join(dir, CHUNKS_DIR, c))]);
    for (const chunk of result.files)
      expect(readFileSync(chunk, 'utf8').startsWith(BUNDLE_BANNER)).toBe(true);

    // What the entry loads before it can serve: itself and its static imports, transitively.
    const eager = new Set<string>();
    const visit = (file: string) => {
      if (eager.has(file)) return;
      eager.add(file);
      const text = readFileSync(file, 'utf8');
      for (const m of text.matchAll(/(?:^|[;}\s])import\s*(?:[\w*{}\s,$]+from\s*)?["'](\.[^"']+)["']/g)) {
        visit(join(dirname(file), m[1]!));
      }
    };
    visit(outFile);
    const eagerText = [...eager].map((f) => readFileSync(f, 'utf8')).join('\n');
    const allText = result.files.map((f) => readFileSync(f, 'utf8')).join('\n');
    const eagerBytes = [...eager].reduce((sum, f) => sum + statSync(f).size, 0);
    // Markers of code a server without exporters or model calls never runs.
    for (const marker of ['AI_NoObjectGeneratedError', 'BatchSpanProcessor', 'OTLPTraceExporter']) {
      expect(allText, marker).toContain(marker);
      expect(eagerText, marker).not.toContain(marker);
    }
    expect(eagerBytes).toBeLessThan(result.bytes / 2);

    // The same bundle, unchanged inputs: served from the cache, same digest and files.
    const cached = await bundleServer({ outFile, entry: DEFAULT_SERVER_ENTRY });
    expect(cached.sha256).toBe(result.sha256);
    expect(cached.files).toEqual(result.files);
  }, 60_000);

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
