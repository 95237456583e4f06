/**
 * `npx agentcrate serve … &` then `kill $!`: the signal goes to npm, which passes it to the
 * `sh -c` it runs the bin through; the shell dies without passing it on. The server must still
 * stop (gracefully: "shutting down") and its port close — through the real npm, as a user runs it.
 */
import { type ChildProcess, spawn, spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLEAN_ENV, ROOT } from '../support/cli.js';
import { announceSkip } from '../support/docker.js';
import { alive, descendants, HAS_PROC, listening } from '../support/proc.js';

const npm = spawnSync('npm', ['--version'], { encoding: 'utf8' });
const skip = !HAS_PROC
  ? 'no /proc to find the processes npm started'
  : npm.status === 0
    ? undefined
    : 'npm is not on PATH';
const dir = mkdtempSync(join(tmpdir(), 'agentcrate-npx-'));

describe.skipIf(skip !== undefined)(
  `npx agentcrate serve${announceSkip('npx agentcrate serve', skip)}`,
  () => {
    // SIGINT is not here: npm passes it to its shell, which ignores it while it waits, so npm and
    // the shell stay up (a terminal's Ctrl-C reaches the whole group, the server included).
    for (const signal of ['SIGTERM', 'SIGHUP'] as const) {
      it(`${signal} to npm (kill $!) stops the server gracefully and closes its port`, async () => {
        const env: Record<string, string | undefined> = { ...process.env, ...CLEAN_ENV, NO_COLOR: '1' };
        for (const k of Object.keys(env)) if (env[k] === undefined) delete env[k];
        // npm's own variables are npm's to set.
        for (const k of Object.keys(env)) if (k.startsWith('npm_')) delete env[k];
        const launcher: ChildProcess = spawn(
          'npm',
          [
            'exec',
            '--yes',
            '--',
            'agentcrate',
            'serve',
            join(ROOT, 'examples/research-brief.yaml'),
            '--dry-run',
            '--port',
            '0',
            '--store',
            join(dir, `${signal}.db`),
          ],
          { cwd: ROOT, env: env as NodeJS.ProcessEnv, stdio: ['ignore', 'pipe', 'pipe'] },
        );
        let stderr = '';
        const port = await new Promise<number>((resolve, reject) => {
          launcher.stderr!.on('data', (d) => {
            stderr += d;
            const m = /serving '.*' at http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
            if (m) resolve(Number(m[1]));
          });
          launcher.on('exit', () => reject(new Error(`npm exited before serving: ${stderr}`)));
        });
        const below = descendants(launcher.pid!);
        expect(below.length).toBeGreaterThan(0);
        launcher.kill(signal);
        await new Promise((r) => launcher.once('exit', r));
        await expect.poll(() => listening(port), { timeout: 20_000, interval: 200 }).toBe(false);
        await expect.poll(() => below.filter(alive), { timeout: 20_000, interval: 200 }).toEqual([]);
        expect(stderr).toMatch(/shutting down/);
      }, 120_000);
    }
  },
);
