/**
 * `process`: background programs under the command policy, seen and stopped only by the run
 * that started them, and never outliving their limit, their run or agentcrate itself.
 */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createToolRegistry } from '../../src/tools/index.js';
import type { ToolContext } from '../../src/tools/types.js';
import { HAS_PROC, processesMatching, waitUntil } from '../support/proc.js';
import { makeCtx, rejection, tempDir } from './helpers.js';

const tool = createToolRegistry().get('process')!;
const ROOT = path.resolve(import.meta.dirname, '../..');
let root: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ dir: root, cleanup } = await tempDir());
});
afterAll(async () => cleanup());

const ctx = (config: Record<string, unknown>, extra: Partial<ToolContext> = {}) =>
  makeCtx({ cwd: root, allowedPaths: [root], config, env: { PATH: process.env.PATH }, ...extra });

interface Described {
  pid: number;
  status: string;
  exit_code: number | null;
  reason?: string;
  stdout: string;
}
const call = (args: unknown, context: ToolContext) => tool.run(args, context) as Promise<Described>;

const failure = (args: unknown, context: ToolContext) => rejection(tool.run(args, context));

const alive = (marker: string) => processesMatching(marker).length > 0;

describe('process', () => {
  it('starts a program, answers at once with its pid, then reports its end and output', async () => {
    const context = ctx({ allowed_commands: ['echo'] });
    const started = await call({ command: 'echo', args: ['from the background'] }, context);
    expect(started).toMatchObject({ status: 'running', command: 'echo from the background' });
    expect(started.pid).toBeGreaterThan(0);
    let status = await call({ action: 'status', pid: started.pid }, context);
    for (let i = 0; i < 100 && status.status === 'running'; i++) {
      await new Promise((r) => setTimeout(r, 20));
      status = await call({ action: 'status', pid: started.pid }, context);
    }
    expect(status).toMatchObject({ status: 'exited', exit_code: 0, stdout: 'from the background\n' });
    const list = (await tool.run({ action: 'list' }, context)) as { processes: Described[] };
    expect(list.processes.map((p) => p.pid)).toContain(started.pid);
  });

  it.skipIf(!HAS_PROC)('stops a program on request; another run can neither see nor stop it', async () => {
    const marker = '41.375';
    const context = ctx({ allowed_commands: ['sleep'] });
    const started = await call({ command: 'sleep', args: [marker] }, context);
    await waitUntil(() => alive(`sleep ${marker}`), 5_000, 'the program to start');
    const stranger = { ...context, runId: 'another-run' };
    expect((await failure({ action: 'stop', pid: started.pid }, stranger)).message).toMatch(
      /no program with pid \d+ was started by this run/,
    );
    expect(((await tool.run({ action: 'list' }, stranger)) as { processes: unknown[] }).processes).toEqual(
      [],
    );
    expect(alive(`sleep ${marker}`)).toBe(true);
    const stopped = await call({ action: 'stop', pid: started.pid }, context);
    expect(stopped).toMatchObject({ status: 'killed', reason: 'stopped on request' });
    expect(alive(`sleep ${marker}`)).toBe(false);
  });

  it.skipIf(!HAS_PROC)('kills a program at its time limit and when its run is cancelled', async () => {
    const context = ctx({ allowed_commands: ['sleep'], timeout_seconds: 0.3 });
    const limited = await call({ command: 'sleep', args: ['42.125'] }, context);
    await waitUntil(() => !alive('sleep 42.125'), 5_000, 'the time limit to stop it');
    await new Promise((r) => setTimeout(r, 20));
    expect(await call({ action: 'status', pid: limited.pid }, context)).toMatchObject({
      status: 'killed',
      reason: 'ran longer than 0.3s',
    });

    const run = new AbortController();
    const cancellable = ctx({ allowed_commands: ['sleep'] }, { signal: run.signal, runId: 'cancelled-run' });
    await call({ command: 'sleep', args: ['42.625'] }, cancellable);
    await waitUntil(() => alive('sleep 42.625'), 5_000, 'the program to start');
    run.abort();
    await waitUntil(() => !alive('sleep 42.625'), 2_000, 'the cancel to stop it');
  });

  it('applies the command policy of shell and bounds how many programs a run keeps', async () => {
    const denied = await failure(
      { command: 'env', args: ['sh', '-c', 'id'] },
      ctx({ allowed_commands: ['env'] }),
    );
    expect(denied.code).toBe('E_TOOL_DENIED');
    expect((await failure({ command: 'sleep', args: ['1'] }, ctx({}))).message).toContain(
      'process is disabled',
    );
    expect(
      (await failure({ command: 'sleep', args: ['/etc'] }, ctx({ allowed_commands: ['sleep'] }))).message,
    ).toContain('outside allowed_paths');
    const context = ctx({ allowed_commands: ['sleep'], max_processes: 2 }, { runId: 'busy-run' });
    const a = await call({ command: 'sleep', args: ['30'] }, context);
    const b = await call({ command: 'sleep', args: ['30'] }, context);
    expect((await failure({ command: 'sleep', args: ['30'] }, context)).message).toContain('max_processes');
    await call({ action: 'stop', pid: a.pid }, context);
    const c = await call({ command: 'sleep', args: ['30'] }, context);
    for (const pid of [b.pid, c.pid]) await call({ action: 'stop', pid }, context);
    expect((await failure({ action: 'status' }, context)).message).toContain('needs the pid');
    expect((await failure({}, context)).message).toContain('start needs a command');
  });

  it.skipIf(!HAS_PROC)('kills what is still running when agentcrate exits', async () => {
    const marker = '43.875';
    const script = `
      const { createToolRegistry } = await import('./src/tools/index.ts');
      const tool = createToolRegistry().get('process');
      await tool.run({ command: 'sleep', args: ['${marker}'] }, {
        runId: 'r', cwd: process.cwd(), allowedPaths: [process.cwd()], env: { PATH: process.env.PATH },
        config: { allowed_commands: ['sleep'] }, network: {}, signal: new AbortController().signal,
      });
      console.log('started');
      setTimeout(() => process.exit(0), 200);`;
    const child = spawn(
      path.join(ROOT, 'node_modules/.bin/node'),
      [
        '--import',
        path.join(ROOT, 'test/server/support/register-ts.mjs'),
        '--input-type=module',
        '-e',
        script,
      ],
      { cwd: ROOT, stdio: ['ignore', 'pipe', 'inherit'] },
    );
    let out = '';
    child.stdout.on('data', (d) => (out += d));
    await new Promise((r) => child.once('exit', r));
    expect(out).toContain('started');
    await waitUntil(() => !alive(`sleep ${marker}`), 2_000, 'the exit hook to stop the program');
  });
});
