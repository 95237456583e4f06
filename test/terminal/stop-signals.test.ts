/**
 * A stop signal's copies: one arriving soon after the first is ignored even when the command
 * has finished and taken its handlers away (a re-running wrapper's forwarded copy can arrive
 * after a quick drain), while a later one still ends the process by the signal. Each case runs
 * in a process of its own, which signals itself.
 */
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

const module = pathToFileURL(join(ROOT, 'src/terminal/stop-signals.ts')).href;

/** Stops on a first SIGINT, removes the handlers as a finished command does, then sends a copy after `delayMs`. */
function copyAfterRemoval(delayMs: number) {
  const script = `
    import { handleStopSignals } from ${JSON.stringify(module)};
    const controller = new AbortController();
    const remove = handleStopSignals(controller, {});
    controller.signal.addEventListener('abort', () => {
      remove();
      setTimeout(() => {
        process.kill(process.pid, 'SIGINT');
        setTimeout(() => console.log('exited normally'), 200);
      }, ${delayMs});
    });
    process.kill(process.pid, 'SIGINT');
    setTimeout(() => {}, 100);
  `;
  return spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8',
    timeout: 20_000,
  });
}

describe('stop signals', () => {
  it('a copy arriving just after the command removed its handlers is still ignored', () => {
    const run = copyAfterRemoval(0);
    expect(run.stderr).toBe('');
    expect({ status: run.status, signal: run.signal }).toEqual({ status: 0, signal: null });
    expect(run.stdout).toContain('exited normally');
  });

  it('a signal after the window still ends the process by that signal', () => {
    const run = copyAfterRemoval(800);
    expect({ status: run.status, signal: run.signal }).toEqual({ status: null, signal: 'SIGINT' });
    expect(run.stdout).not.toContain('exited normally');
  });
});
