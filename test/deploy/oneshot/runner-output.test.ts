/**
 * The one-shot runner (the real kit, staged as an image's /app is) run on this machine's Node
 * with its `--batch` results going to a stdout that cannot be written (/dev/full): it says it
 * cannot write the results, not that it cannot read its input, and exits 1 without a stack trace.
 */
import { spawnSync } from 'node:child_process';
import { closeSync, existsSync, mkdtempSync, openSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadWorkflowFromString } from '../../../src/config/load.js';
import { loadKit } from '../../../src/deploy/oneshot/kit/build.js';
import { workflowParts } from '../../../src/deploy/oneshot/parts.js';
import { stageRunner, writeRunner } from '../../../src/deploy/oneshot/stage.js';
import { announceSkip } from '../../support/docker.js';

const skip = existsSync('/dev/full') ? undefined : 'this system has no /dev/full (a file whose writes fail)';
const skipNote = announceSkip('the one-shot runner writing to a full stdout', skip);
let tmp = '';
let runner = '';

const SOURCE = `schema_version: "1.0"
flow: {name: output-probe}
config:
  llm: {provider: ollama, model: llama3}
state:
  fields:
    message: {type: str, required: true}
    result: {type: str, default: ""}
nodes:
  - id: echo
    prompt: "Repeat: {state.message}"
    outputs: [result]
    output_schema: {type: object, fields: [{name: result, type: str}]}
edges:
  - {from: START, to: echo}
  - {from: echo, to: END}
`;

describe.skipIf(skip !== undefined)(`the runner's batch output${skipNote}`, () => {
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'agentcrate-oneshot-out-'));
    const kit = await loadKit();
    const loaded = loadWorkflowFromString(SOURCE, { file: 'output-probe.yaml' });
    if (loaded.workflow === undefined) throw new Error(JSON.stringify(loaded.diagnostics));
    const workflow = loaded.workflow;
    const parts = workflowParts(workflow, kit.manifest, {}, 'image');
    const staged = stageRunner(kit, { workflow, parts, override: {}, exampleInput: { message: 'hi' } });
    writeRunner(kit, staged, join(tmp, 'app'));
    runner = join(tmp, 'app', 'runner.mjs');
  }, 120_000);

  afterAll(() => {
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
  });

  it('a results write that fails is reported as E_IO on stderr, naming stdout, exit 1', () => {
    const inputs = join(tmp, 'inputs.jsonl');
    writeFileSync(inputs, '{"message": "one"}\n{"message": "two"}\n');
    const full = openSync('/dev/full', 'w');
    try {
      const run = spawnSync(process.execPath, [runner, '--batch', inputs, '--dry-run'], {
        stdio: ['ignore', full, 'pipe'],
        encoding: 'utf8',
        env: { PATH: process.env.PATH ?? '', AGENTCRATE_LOG_LEVEL: 'warn' },
        timeout: 60_000,
      });
      expect(run.status, run.stderr).toBe(1);
      expect(run.stderr).toContain('cannot write the batch results to stdout');
      expect(run.stderr).toContain('E_IO');
      expect(run.stderr).not.toContain('cannot read the batch input');
      expect(run.stderr).not.toMatch(/\n\s+at /);
    } finally {
      closeSync(full);
    }
  }, 60_000);
});
