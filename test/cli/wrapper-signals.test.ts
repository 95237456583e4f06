/**
 * bin/agentcrate.js on a Node older than the lowest supported re-runs itself on the pinned
 * Node as a child. Signals sent to the wrapper alone must reach the serving child, a terminal's
 * Ctrl-C (sent to both) must still be one graceful stop, and the child's exit must come back.
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { delimiter, join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { BIN, CLEAN_ENV, ROOT } from '../support/cli.js';
import { announceSkip } from '../support/docker.js';
import { alive, listening } from '../support/proc.js';

/** A `node` on PATH older than 22.13, which makes the bin re-run itself. */
function oldNode(): string | undefined {
  for (const dir of (process.env.PATH ?? '').split(delimiter)) {
    const candidate = join(dir, 'node');
    try {
      const version = execFileSync(candidate, ['--version'], { encoding: 'utf8' }).trim();
      const [major, minor] = version.slice(1).split('.').map(Number) as [number, number];
      if (major < 22 || (major === 22 && minor < 13)) return candidate;
    } catch {
      // not there
    }
  }
  return undefined;
}

const OLD = oldNode();
const skip =
  OLD === undefined ? 'no Node older than 22.13 on PATH to start the re-running wrapper' : undefined;
const dir = mkdtempSync(join(tmpdir(), 'agentcrate-wrapper-'));
const example = join(ROOT, 'examples/research-brief.yaml');

function env(): NodeJS.ProcessEnv {
  const e: Record<string, string | undefined> = { ...process.env, ...CLEAN_ENV, NO_COLOR: '1' };
  for (const k of Object.keys(e)) if (e[k] === undefined) delete e[k];
  return e as NodeJS.ProcessEnv;
}

interface Wrapped {
  wrapper: ChildProcess;
  port: Promise<number>;
  exit: Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>;
  stderr: () => string;
}

function serveWrapped(name: string, detached = false): Wrapped {
  const wrapper = spawn(
    OLD!,
    ['--', BIN, 'serve', example, '--dry-run', '--port', '0', '--store', join(dir, `${name}.db`)],
    { cwd: ROOT, env: env(), detached, stdio: ['ignore', 'pipe', 'pipe'] },
  );
  let stderr = '';
  const port = new Promise<number>((resolve, reject) => {
    wrapper.stderr!.on('data', (d) => {
      stderr += d;
      const m = /serving '.*' at http:\/\/127\.0\.0\.1:(\d+)/.exec(stderr);
      if (m) resolve(Number(m[1]));
    });
    wrapper.on('exit', () => reject(new Error(`exited before serving: ${stderr}`)));
  });
  const exit = new Promise<{ code: number | null; signal: NodeJS.Signals | null; at: number }>((resolve) =>
    wrapper.on('exit', (code, signal) => resolve({ code, signal, at: Date.now() })),
  );
  return { wrapper, port, exit, stderr: () => stderr };
}

/** The pid of the wrapper's only child: the process that serves. */
function childOf(pid: number): number {
  const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/);
  expect(children).toHaveLength(1);
  return Number(children[0]);
}

describe.skipIf(skip !== undefined)(
  `the re-running wrapper${announceSkip('the re-running wrapper', skip)}`,
  () => {
    for (const signal of ['SIGTERM', 'SIGINT', 'SIGHUP'] as const) {
      it(`${signal} to the wrapper alone stops the serving child gracefully; exit 0 comes back`, async () => {
        const s = serveWrapped(signal);
        const port = await s.port;
        const server = childOf(s.wrapper.pid!);
        expect(server).not.toBe(s.wrapper.pid);
        const sent = Date.now();
        s.wrapper.kill(signal);
        const exit = await s.exit;
        expect(exit, s.stderr()).toMatchObject({ code: 0, signal: null });
        // Well within the 25 s shutdown grace: nothing was running.
        expect(exit.at - sent).toBeLessThan(10_000);
        expect(s.stderr()).toMatch(/shutting down/);
        expect(await listening(port)).toBe(false);
        expect(() => process.kill(server, 0)).toThrow();
      }, 60_000);
    }

    it("a terminal's Ctrl-C (SIGINT to the whole group, forwarded once more) is still one graceful stop", async () => {
      const s = serveWrapped('group', true);
      const port = await s.port;
      process.kill(-s.wrapper.pid!, 'SIGINT');
      const exit = await s.exit;
      expect(exit, s.stderr()).toMatchObject({ code: 0, signal: null });
      expect(await listening(port)).toBe(false);
    }, 60_000);

    it('a child killed by a signal ends the wrapper by the same signal', async () => {
      const s = serveWrapped('killed');
      await s.port;
      process.kill(childOf(s.wrapper.pid!), 'SIGKILL');
      expect(await s.exit).toMatchObject({ code: null, signal: 'SIGKILL' });
    }, 60_000);

    it('a wrapper killed outright (SIGKILL, nothing forwarded) still stops the serving child', async () => {
      const s = serveWrapped('wrapper-killed');
      const port = await s.port;
      const server = childOf(s.wrapper.pid!);
      s.wrapper.kill('SIGKILL');
      await s.exit;
      await expect.poll(() => listening(port), { timeout: 15_000, interval: 200 }).toBe(false);
      await expect.poll(() => alive(server), { timeout: 15_000, interval: 200 }).toBe(false);
      expect(s.stderr()).toMatch(/launcher \(pid \d+\) ended: stopping/);
    }, 60_000);

    it('exit codes come back: 2 for an invalid workflow, 0 for --version', () => {
      const bad = join(dir, 'bad.yaml');
      writeFileSync(bad, 'schema_version: "1.0"\nflow: {name: x}\n');
      const run = (args: string[]) => {
        try {
          execFileSync(OLD!, ['--', BIN, ...args], { env: env(), stdio: 'pipe' });
          return 0;
        } catch (error) {
          return (error as { status: number }).status;
        }
      };
      expect(run(['validate', bad])).toBe(1);
      expect(run(['run', bad, '--dry-run'])).toBe(2);
      expect(run(['--version'])).toBe(0);
    });
  },
);
