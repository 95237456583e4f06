/**
 * The one-shot runner (the real kit, staged as an image's /app is) run on this machine's Node:
 * - with its `--batch` results going to a stdout that cannot be written (/dev/full): it says it
 *   cannot write the results, not that it cannot read its input, and exits 1 without a stack trace;
 * - a workflow without tools carries the AI SDK's errors, not the whole SDK, and an answer that
 *   does not parse is still reported as such (against the mock model on 127.0.0.1);
 * - its model request goes out without Node's internal undici ever being loaded, and the cap on
 *   an answer's size still cuts a long answer off.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { closeSync, existsSync, mkdtempSync, openSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadKit } from '../../../src/deploy/oneshot/kit/build.js';
import { workflowParts } from '../../../src/deploy/oneshot/parts.js';
import { stageRunner, writeRunner } from '../../../src/deploy/oneshot/stage.js';
import { announceSkip } from '../../support/docker.js';
import { type MockLlm, startMockLlm } from '../../support/mock-llm.js';
import { probeWorkflow } from './probe-workflow.js';

const noFull = existsSync('/dev/full')
  ? undefined
  : 'this system has no /dev/full (a file whose writes fail)';
const fullNote = announceSkip('the one-shot runner writing to a full stdout', noFull);
let tmp = '';
let runner = '';
let mock: MockLlm;

/** Runs the staged runner once on `{"message": "hi"}` against the mock model. */
async function runAgainstMock(
  level: string,
  { nodeArgs = [], env = {} }: { nodeArgs?: string[]; env?: Record<string, string> } = {},
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const child = spawn(process.execPath, [...nodeArgs, runner, '{"message": "hi"}'], {
    env: {
      ...env,
      PATH: process.env.PATH ?? '',
      AGENTCRATE_LOG_LEVEL: level,
      AGENTCRATE_LLM_PROVIDER: 'openai-compatible',
      AGENTCRATE_LLM_MODEL: 'mock-1',
      AGENTCRATE_LLM_BASE_URL: mock.url,
    },
  });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, stdout, stderr };
}

describe('the one-shot runner on this machine', () => {
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'agentcrate-oneshot-out-'));
    mock = await startMockLlm();
    const kit = await loadKit();
    const workflow = probeWorkflow('provider: openai-compatible, model: mock-1');
    const parts = workflowParts(workflow, kit.manifest, {}, 'image');
    const staged = stageRunner(kit, { workflow, parts, override: {}, exampleInput: { message: 'hi' } });
    writeRunner(kit, staged, join(tmp, 'app'));
    runner = join(tmp, 'app', 'runner.mjs');
  }, 120_000);

  afterAll(async () => {
    await mock?.close();
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
  });

  it("without tools it carries the AI SDK's errors alone, and still reports answers that do not parse", async () => {
    // (kit.test.ts proves from the manifest which chunks these are.)
    expect(readdirSync(join(tmp, 'app', 'chunks')).some((f) => f.startsWith('ai-errors-'))).toBe(true);
    mock.script([{ text: 'not json at all' }, { text: 'still not json' }, { text: 'never json' }]);
    const { status, stdout, stderr } = await runAgainstMock('warn');
    // Each unparseable answer is reported as one (with the SDK's parse error) and retried; the
    // mock's next, default answer parses.
    expect(status, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'success', outputs: { message: 'hi' } });
    const parseFailures = stderr.split('\n').filter((l) => l.includes('could not parse the response'));
    expect(parseFailures, stderr).toHaveLength(3);
    expect(stderr).not.toMatch(/carries only|ERR_MODULE_NOT_FOUND|is not a function/);
    expect(mock.chatRequests()).toHaveLength(4);
  }, 60_000);

  it('at debug level, logs when the first model request leaves, after the call that made it', async () => {
    const { status, stderr } = await runAgainstMock('debug');
    expect(status, stderr).toBe(0);
    const lines = stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l) as { msg: string; since_start_ms?: number; called_ms?: number });
    const called = lines.find((l) => l.msg === 'first model call');
    const sent = lines.find((l) => l.msg === 'first model request');
    expect(called?.since_start_ms, stderr).toBeGreaterThan(0);
    expect(sent?.called_ms).toBe(called?.since_start_ms);
    expect(sent?.since_start_ms).toBeGreaterThanOrEqual(sent?.called_ms as number);
    expect(lines.filter((l) => l.msg === 'first model request')).toHaveLength(1);
  }, 60_000);

  it("sends its model request without loading Node's internal undici, TLS, crypto, zlib, readline or web streams", async () => {
    // Read as the process exits. Touching Node's `Headers` or `fetch` global, or subscribing to
    // an undici diagnostics channel, loads undici; an ES-module import of `node:http` does too,
    // of `node:crypto` WebCrypto, and `node:https` (an http: model needs none) TLS. A run given
    // its input as an argument, whose answer is neither compressed nor streamed, needs none of
    // crypto (run ids), zlib, fs/promises, readline (batches) or web streams (streamed answers).
    const probe = join(tmp, 'loaded-at-exit.mjs');
    writeFileSync(
      probe,
      "process.on('exit', () => process.stderr.write('loaded at exit: ' + JSON.stringify(process.moduleLoadList.filter((m) => /undici|^NativeModule (tls|https|crypto|internal\\/crypto\\/webcrypto|worker_threads|zlib|readline|internal\\/fs\\/promises|internal\\/webstreams\\/readablestream)$/.test(m))) + '\\n'));\n",
    );
    const { status, stdout, stderr } = await runAgainstMock('debug', {
      nodeArgs: ['--import', pathToFileURL(probe).href],
    });
    expect(status, stderr).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ status: 'success', outputs: { message: 'hi' } });
    expect(mock.chatRequests().length).toBeGreaterThan(0);
    const loaded = stderr.split('\n').find((l) => l.startsWith('loaded at exit: '));
    expect(loaded, stderr).toBeDefined();
    expect(JSON.parse((loaded as string).slice('loaded at exit: '.length)), stderr).toEqual([]);
  }, 60_000);

  it('cuts off an answer over AGENTCRATE_MAX_MODEL_ANSWER_BYTES, saying so', async () => {
    mock.script([{ text: 'x'.repeat(5000) }]);
    const { status, stdout, stderr } = await runAgainstMock('warn', {
      env: { AGENTCRATE_MAX_MODEL_ANSWER_BYTES: '1000' },
    });
    expect(status, stderr).toBe(1);
    const result = JSON.parse(stdout) as { status: string; error: { message: string } };
    expect(result.status).toBe('failed');
    expect(result.error.message).toMatch(/exceeded 1000 bytes \(AGENTCRATE_MAX_MODEL_ANSWER_BYTES\)/);
    expect(stderr).not.toMatch(/\n\s+at /);
  }, 60_000);

  it.skipIf(noFull !== undefined)(
    `a results write that fails is reported as E_IO on stderr, naming stdout, exit 1${fullNote}`,
    () => {
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
    },
    60_000,
  );
});
