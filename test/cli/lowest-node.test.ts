/**
 * The CLI on the lowest Node that package.json `engines` claims (CI fetches it with
 * scripts/fetch-lowest-node.mjs): the commands a user starts with, including the ones that
 * open the SQLite store, work and print no ExperimentalWarning.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, CLEAN_ENV, ROOT } from '../support/cli.js';
import { announceSkip } from '../support/docker.js';
import { lowestNode } from '../support/lowest-node.js';

const node = lowestNode();
const dir = mkdtempSync(join(tmpdir(), 'agentcrate-lowest-node-'));
const example = join(ROOT, 'examples/research-brief.yaml');

function env(): NodeJS.ProcessEnv {
  const e: Record<string, string | undefined> = { ...process.env, ...CLEAN_ENV, NO_COLOR: '1' };
  for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
  return e as NodeJS.ProcessEnv;
}

function cli(args: string[]) {
  const r = spawnSync(node.bin, ['--', BIN, ...args], { cwd: ROOT, env: env(), encoding: 'utf8' });
  return { code: r.status, stdout: r.stdout, stderr: r.stderr };
}

describe.skipIf(node.skip !== undefined)(
  `the CLI on Node ${node.version}${announceSkip(`the CLI on the lowest claimed Node`, node.skip)}`,
  () => {
    it('is really that Node', () => {
      expect(spawnSync(node.bin, ['--version'], { encoding: 'utf8' }).stdout.trim()).toBe(`v${node.version}`);
    });

    it('validate and run --dry-run work', () => {
      const valid = cli(['validate', example]);
      expect(valid.code, valid.stderr).toBe(0);
      const run = cli(['run', example, '--dry-run', '--json', '-i', 'topic=AI']);
      expect(run.code, run.stderr).toBe(0);
      expect(JSON.parse(run.stdout)).toMatchObject({ status: 'success' });
    });

    it('serve runs a job into its store, traces reads it, and no ExperimentalWarning is printed', async () => {
      const store = join(dir, 'jobs.db');
      const child = spawn(
        node.bin,
        ['--', BIN, 'serve', example, '--dry-run', '--port', '0', '--store', store],
        { cwd: ROOT, env: env(), stdio: ['ignore', 'pipe', 'pipe'] },
      );
      let stderr = '';
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        const base = await new Promise<string>((resolve, reject) => {
          child.stderr.on('data', (d) => {
            stderr += d;
            const m = /serving '.*' at (http:\/\/\S+)/.exec(stderr);
            if (m) resolve(m[1]!);
          });
          child.on('exit', () => reject(new Error(`serve exited: ${stderr}`)));
        });
        const res = await fetch(`${base}/run`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ topic: 'AI' }),
        });
        const body = (await res.json()) as { status: string; job_id: string };
        expect(body.status).toBe('success');
        child.kill('SIGTERM');
        expect(await exited).toBe(0);
        const traces = cli(['traces', body.job_id, '--store', store]);
        expect(traces.code, traces.stderr).toBe(0);
        expect(traces.stdout).toMatch(/research/);
        for (const text of [stderr, traces.stderr]) expect(text).not.toMatch(/ExperimentalWarning/);
      } finally {
        child.kill('SIGKILL');
      }
    }, 60_000);

    // The store's own suites on that Node: its node:sqlite lacks `isTransaction` and numbered
    // `?1` parameters, which a serve smoke test meets only on the paths it happens to take.
    it('the SQLite store contract and migration suites pass', () => {
      const vitest = join(ROOT, 'node_modules/vitest/vitest.mjs');
      const r = spawnSync(
        node.bin,
        ['--no-warnings', vitest, 'run', 'test/store/sqlite.test.ts', 'test/store/sqlite-migrations.test.ts'],
        { cwd: ROOT, env: { ...env(), CI: 'true' }, encoding: 'utf8' },
      );
      expect(r.status, `${r.stdout}\n${r.stderr}`.slice(-4000)).toBe(0);
      expect(r.stdout).toMatch(/Tests\s+.*\d+ passed/);
    }, 120_000);
  },
);
