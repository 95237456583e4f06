/**
 * configurable-agents' sandbox_example.yaml with its code nodes in docker mode, run end to end
 * as a user would (`agentcrate run --json --events`): the three code nodes each in a
 * throw-away container of the local Python image, the LLM node on the loopback mock model.
 * Skips, saying why, without a Docker engine, the image or the fixtures.
 */
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SANDBOX_LABEL } from '../../src/sandbox/docker/docker-sandbox.js';
import { CLEAN_ENV, runCli } from '../support/cli.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { docker, dockerSkipReason, SANDBOX_TEST_IMAGE } from '../support/sandbox.js';

const FIXTURE = new URL('../../../shared/fixtures/configurable-agents/sandbox_example.yaml', import.meta.url)
  .pathname;
const skip = existsSync(FIXTURE) ? dockerSkipReason() : `no fixture at ${FIXTURE}`;
if (skip) console.warn(`sandbox_example in docker mode skipped: ${skip}`);

describe.skipIf(skip !== undefined)('sandbox_example.yaml in docker mode through the CLI', () => {
  let mock: MockLlm;
  const dir = mkdtempSync(join(tmpdir(), 'agentcrate-docker-example-'));
  beforeAll(async () => {
    mock = await startMockLlm();
  });
  afterAll(async () => {
    await mock?.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('runs every code node in a container and the analysis on the model', async () => {
    const source = readFileSync(FIXTURE, 'utf8');
    // The three nodes' sandbox blocks (not the comments at the end of the file).
    const dockerised = source.replaceAll(/^(\s+)mode: "python"/gm, '$1mode: "docker"');
    expect(dockerised.match(/^\s+mode: "docker"/gm)).toHaveLength(3);
    const file = join(dir, 'sandbox_example.yaml');
    writeFileSync(file, dockerised);
    const r = await runCli(['run', file, '--json', '--events', '-i', 'input_numbers=[1,2,5]'], {
      env: {
        ...CLEAN_ENV,
        AGENTCRATE_LLM_PROVIDER: 'openai-compatible',
        AGENTCRATE_LLM_BASE_URL: mock.url,
        AGENTCRATE_LLM_MODEL: 'mock-1',
        AGENTCRATE_SANDBOX_IMAGE: SANDBOX_TEST_IMAGE,
      },
    });
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe('success');
    expect(out.outputs).toMatchObject({
      sum_result: 8,
      doubled_result: 16,
      filtered_result: 'Filtered 1 items > 3: [5]',
    });
    expect(typeof out.outputs.analysis).toBe('string');
    expect(mock.chatRequests()).toHaveLength(1);
    const calls = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === 'code-call');
    expect(calls.map((e) => [e.nodeId, e.mode, e.ok])).toEqual([
      ['sum_numbers', 'docker', true],
      ['double_sum', 'docker', true],
      ['filter_format', 'docker', true],
    ]);
    // The presets' limits: low for the first node, medium for the second.
    expect(calls[0].limits).toMatchObject({ timeoutMs: 10_000, memoryBytes: 256 * 1024 * 1024 });
    expect(calls[1].limits).toMatchObject({ memoryBytes: 512 * 1024 * 1024 });
    // Every throw-away container is gone.
    expect(docker('ps', '-aq', '--filter', `label=${SANDBOX_LABEL}`).trim()).toBe('');
  }, 180_000);
});
