/**
 * `runOnce` (what `agentcrate exec` runs) against a real Docker engine: a run stopped before
 * its container started leaves no container behind, one stopped while running is stopped
 * and removed, and `clean`'s look-up finds a container left between create and start
 * (the CLI killed there) once it is old enough, and never a running one.
 */
import { PassThrough } from 'node:stream';
import { afterAll, describe, expect, it } from 'vitest';
import { findLeftoverContainers, removeContainers } from '../../../src/deploy/oneshot/clean.js';
import { DockerRuntime } from '../../../src/deploy/runtime/docker.js';
import type { RunOnceStep } from '../../../src/deploy/runtime/types.js';
import { announceSkip, dockerSkipReason, TEST_BASE_IMAGE, tryDocker } from '../../support/docker.js';

const skip = dockerSkipReason();
const skipNote = announceSkip('runOnce against a real Docker engine', skip);
const FLOW = `ac-runonce-${process.pid}-${Date.now().toString(36)}`;
const LABELS = { 'io.agentcrate.oneshot': 'true', 'io.agentcrate.workflow': FLOW };

/** Every container of this file's runs, in any state. */
function containersOfThisRun(): string[] {
  const out = tryDocker('ps', '-aq', '--filter', `label=io.agentcrate.workflow=${FLOW}`);
  return (out ?? '').split('\n').filter((l) => l !== '');
}

function sink(): { stream: PassThrough; text: () => string } {
  const stream = new PassThrough();
  let text = '';
  stream.on('data', (d) => (text += d));
  return { stream, text: () => text };
}

describe.skipIf(skip !== undefined)(`runOnce: no container left behind${skipNote}`, () => {
  const runtime = new DockerRuntime();

  afterAll(() => {
    for (const id of containersOfThisRun()) tryDocker('rm', '-f', id);
  });

  it('runs, streams the output, reports its steps and removes the container', async () => {
    const out = sink();
    const steps: RunOnceStep[] = [];
    const { exitCode } = await runtime.runOnce({
      image: TEST_BASE_IMAGE,
      args: ['node', '-e', 'process.stdout.write("ran"); process.exitCode = 3'],
      env: {},
      stdout: out.stream,
      stderr: sink().stream,
      network: 'none',
      labels: LABELS,
      onStep: (step) => steps.push(step),
    });
    expect(exitCode).toBe(3);
    expect(out.text()).toBe('ran');
    expect(steps).toEqual(['created', 'started', 'first output', 'exited']);
    expect(containersOfThisRun()).toEqual([]);
  }, 60_000);

  it('a stop signal between create and start removes the created container (E_CANCELLED)', async () => {
    const controller = new AbortController();
    const run = runtime.runOnce({
      image: TEST_BASE_IMAGE,
      args: ['node', '-e', 'process.stdout.write("must not run")'],
      env: {},
      stdout: sink().stream,
      stderr: sink().stream,
      network: 'none',
      labels: LABELS,
      signal: controller.signal,
      onStep: (step) => {
        if (step === 'created') {
          // The container exists now, not started.
          expect(containersOfThisRun()).toHaveLength(1);
          controller.abort(new Error('interrupted by SIGINT'));
        }
      },
    });
    await expect(run).rejects.toMatchObject({ code: 'E_CANCELLED' });
    expect(containersOfThisRun()).toEqual([]);
  }, 60_000);

  it('a stop signal while it runs stops the container, which is then removed', async () => {
    const controller = new AbortController();
    const out = sink();
    const { exitCode } = await runtime.runOnce({
      image: TEST_BASE_IMAGE,
      args: [
        'node',
        '-e',
        'process.on("SIGTERM", () => process.exit(143)); process.stdout.write("up"); setTimeout(() => {}, 60000)',
      ],
      env: {},
      stdout: out.stream,
      stderr: sink().stream,
      network: 'none',
      labels: LABELS,
      signal: controller.signal,
      onStep: (step) => {
        if (step === 'first output') controller.abort(new Error('interrupted by SIGTERM'));
      },
    });
    expect(out.text()).toBe('up');
    expect(exitCode).toBe(143);
    expect(containersOfThisRun()).toEqual([]);
  }, 60_000);

  it("clean's look-up finds a created container once old enough, never a running one", async () => {
    const created = tryDocker(
      'create',
      ...Object.entries(LABELS).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
      TEST_BASE_IMAGE,
      'node',
      '-e',
      '0',
    )?.trim();
    expect(created).toMatch(/^[0-9a-f]{64}$/);
    const running = tryDocker(
      'run',
      '-d',
      ...Object.entries(LABELS).flatMap(([k, v]) => ['--label', `${k}=${v}`]),
      TEST_BASE_IMAGE,
      'node',
      '-e',
      'setTimeout(() => {}, 60000)',
    )?.trim();
    expect(running).toMatch(/^[0-9a-f]{64}$/);
    // Just created: it may be an exec about to start it.
    expect(await findLeftoverContainers(runtime, FLOW)).toEqual([]);
    const later = Date.now() + 61_000;
    const found = await findLeftoverContainers(runtime, FLOW, later);
    expect(found.map((c) => c.id)).toEqual([created]);
    expect(found[0]?.state).toBe('created');
    // Another workflow's leftovers are not this one's.
    expect(await findLeftoverContainers(runtime, `${FLOW}-other`, later)).toEqual([]);
    await removeContainers(runtime, found);
    expect(containersOfThisRun()).toEqual([running?.slice(0, 12)]);
  }, 60_000);
});
