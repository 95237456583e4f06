import { spawnSync } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { RUNNER_NODE_FLAGS, renderOneshotDockerfile } from '../../../src/deploy/oneshot/dockerfile.js';

const render = (warm: boolean) =>
  renderOneshotDockerfile({
    baseImage: 'agentcrate-oneshot-base:24',
    workflowName: 'echo',
    agentcrateVersion: '0.0.0',
    labels: {},
    warm,
  });

/** The JSON array of a Dockerfile instruction in exec form. */
function execForm(dockerfile: string, instruction: string): string[] {
  const line = dockerfile.split('\n').find((l) => l.startsWith(`${instruction} [`));
  if (line === undefined) throw new Error(`no ${instruction} in exec form:\n${dockerfile}`);
  return JSON.parse(line.slice(instruction.length + 1)) as string[];
}

describe('one-shot Dockerfile', () => {
  it('starts the runner and its warm-up with the same node flags (the compile cache is keyed on them)', () => {
    const dockerfile = render(true);
    const entry = execForm(dockerfile, 'ENTRYPOINT');
    const warm = execForm(dockerfile, 'RUN');
    expect(entry).toEqual(['node', ...RUNNER_NODE_FLAGS, '/app/runner.mjs']);
    expect(warm).toEqual([...entry, '--warm']);
    expect(execForm(render(false), 'ENTRYPOINT')).toEqual(entry);
  });

  it("starts Node with a young generation large enough for a start's allocations", () => {
    const run = spawnSync(
      process.execPath,
      [
        ...RUNNER_NODE_FLAGS,
        '-e',
        "process.stdout.write(String(require('node:v8').getHeapSpaceStatistics().find((s) => s.space_name === 'new_space').space_size))",
      ],
      { encoding: 'utf8' },
    );
    expect(run.stderr).toBe('');
    expect(run.status).toBe(0);
    expect(Number(run.stdout)).toBeGreaterThanOrEqual(16 * 1024 * 1024);
  });
});
