/**
 * `agentcrate build`, `exec` and `clean` end to end, as a user runs them: the built CLI in a
 * child process, a real Docker engine, the local one-shot base (nothing is pulled), and the
 * mock model on this machine reached through host.docker.internal (host-gateway: the mock
 * listens on the engine's bridge address) and through `--network host` (the mock on
 * 127.0.0.1). The fixtures are copied under unique flow names, so the images are this run's
 * alone; every image made is removed at the end.
 */
import { execFileSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLEAN_ENV, ROOT, runCli } from '../../support/cli.js';
import { announceSkip, dockerSkipReason, tryDocker } from '../../support/docker.js';
import { type MockLlm, startMockLlm } from '../../support/mock-llm.js';
import { FIXTURES_DIR } from '../helpers.js';

const BASE = 'agentcrate-oneshot-base:24';

function whySkip(): string | undefined {
  for (const f of ['echo.yaml', 'type_enforcement.yaml']) {
    if (!existsSync(join(FIXTURES_DIR, f))) return `fixture ${FIXTURES_DIR}/${f} is absent`;
  }
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) return 'the CLI is not built (node scripts/build.mjs)';
  return dockerSkipReason(BASE)?.replace(
    'scripts/docker/build-base-image.sh',
    'scripts/docker/build-oneshot-base.sh',
  );
}

const skip = whySkip();
const skipNote = announceSkip('agentcrate build/exec/clean in a real Docker engine', skip);
const id = `${process.pid}-${Date.now().toString(36)}`;
const ECHO = `ac-os-echo-${id}`;
const TYPES = `ac-os-types-${id}`;
let tmp = '';
let echoFile = '';
let typesFile = '';
let bridgeMock: MockLlm | undefined;
let loopbackMock: MockLlm | undefined;

/** A fixture under another flow name (so its default image names are this run's). */
function renamed(fixture: string, from: string, to: string): string {
  const text = readFileSync(join(FIXTURES_DIR, fixture), 'utf8').replace(`name: ${from}\n`, `name: ${to}\n`);
  expect(text).toContain(`name: ${to}\n`);
  const file = join(tmp, `${to}.yaml`);
  writeFileSync(file, text);
  return file;
}

/** Every image tag of one-shot images of a flow, as the engine lists them. */
function tagsOf(flow: string): string[] {
  const out = tryDocker(
    'images',
    '--filter',
    'label=io.agentcrate.oneshot=true',
    '--filter',
    `label=io.agentcrate.workflow=${flow}`,
    '--format',
    '{{.Repository}}:{{.Tag}}',
  );
  return (out ?? '')
    .split('\n')
    .filter((l) => l !== '' && !l.includes('<none>'))
    .sort();
}

function bridgeGateway(): string | undefined {
  const out = tryDocker(
    'network',
    'inspect',
    'bridge',
    '--format',
    '{{range .IPAM.Config}}{{.Gateway}}{{end}}',
  );
  return out?.trim() || undefined;
}

const cli = (args: string[], input?: string) =>
  runCli(args, {
    env: { ...CLEAN_ENV, AGENTCRATE_LOG_LEVEL: 'warn' },
    cwd: tmp,
    ...(input !== undefined ? { input } : {}),
  });

/** The one JSON line a one-shot run writes on stdout. */
function resultOf(stdout: string): Record<string, unknown> {
  const lines = stdout.trim().split('\n');
  expect(lines, stdout).toHaveLength(1);
  const result = JSON.parse(lines[0] as string) as Record<string, unknown>;
  expect(Object.keys(result)).toEqual(
    expect.arrayContaining(['status', 'outputs', 'error', 'usage', 'duration_ms']),
  );
  return result;
}

describe.skipIf(skip !== undefined)(`one-shot images: build, exec, clean${skipNote}`, () => {
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'agentcrate-oneshot-e2e-'));
    echoFile = renamed('echo.yaml', 'echo', ECHO);
    typesFile = renamed('type_enforcement.yaml', 'type_enforcement_demo', TYPES);
    const gateway = bridgeGateway();
    if (gateway !== undefined) bridgeMock = await startMockLlm({ host: gateway });
    loopbackMock = await startMockLlm();
  });

  afterAll(async () => {
    for (const flow of [ECHO, TYPES]) {
      for (const tag of tagsOf(flow)) tryDocker('rmi', tag);
    }
    await bridgeMock?.close();
    await loopbackMock?.close();
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
  });

  it('builds echo.yaml and type_enforcement.yaml: tagged by content hash and latest, schemas in the labels', async () => {
    const [echo, types] = await Promise.all([
      cli(['build', echoFile, '--json', '--output', join(tmp, 'build-echo')]),
      cli(['build', typesFile, '--json', '--output', join(tmp, 'build-types')]),
    ]);
    expect(echo.code, echo.stderr).toBe(0);
    expect(types.code, types.stderr).toBe(0);
    const built = JSON.parse(echo.stdout) as { image: string; tags: string[]; content_hash: string };
    expect(built.tags).toEqual([
      `agentcrate-${ECHO}:${built.content_hash.slice(0, 12)}`,
      `agentcrate-${ECHO}:latest`,
    ]);
    expect(tagsOf(ECHO)).toEqual([...built.tags].sort());
    const labels = JSON.parse(
      execFileSync('docker', ['image', 'inspect', built.image, '--format', '{{json .Config.Labels}}'], {
        encoding: 'utf8',
      }),
    ) as Record<string, string>;
    const inputSchema = JSON.parse(labels['io.agentcrate.input-schema'] as string) as { required: string[] };
    expect(inputSchema.required).toEqual(['message']);
    expect(JSON.parse(labels['io.agentcrate.output-schema'] as string)).toHaveProperty('properties.result');
    // The image runs as a non-root user.
    const user = execFileSync('docker', ['image', 'inspect', built.image, '--format', '{{.Config.User}}'], {
      encoding: 'utf8',
    });
    expect(user.trim()).toBe('1000:1000');
    // A second build of the same content is not rebuilt.
    const again = await cli(['build', echoFile, '--json', '--output', join(tmp, 'build-echo')]);
    expect(JSON.parse(again.stdout)).toMatchObject({
      built: false,
      image_id: (JSON.parse(echo.stdout) as { image_id: string }).image_id,
    });
  }, 180_000);

  it('exec: the input as a JSON argument, a file and stdin; one JSON result on stdout', async () => {
    const inFile = join(tmp, 'in.json');
    writeFileSync(inFile, JSON.stringify({ message: 'from a file' }));
    const [arg, file, stdin, types] = await Promise.all([
      cli(['exec', echoFile, '{"message": "from an argument"}', '--dry-run']),
      cli(['exec', echoFile, '--input-file', inFile, '--dry-run']),
      cli(['exec', echoFile, '--dry-run'], '{"message": "from stdin"}'),
      cli(['exec', typesFile, '{"topic": "AI"}', '--dry-run']),
    ]);
    for (const [run, message] of [
      [arg, 'from an argument'],
      [file, 'from a file'],
      [stdin, 'from stdin'],
    ] as const) {
      expect(run.code, run.stderr).toBe(0);
      expect(resultOf(run.stdout)).toMatchObject({ status: 'success', error: null, outputs: { message } });
    }
    expect(types.code, types.stderr).toBe(0);
    expect(resultOf(types.stdout)).toMatchObject({ status: 'success', outputs: { topic: 'AI' } });
  }, 120_000);

  it('exec: the image built from this very file is found by its source key; other text takes the full path', async () => {
    const fast = await cli(['exec', echoFile, '{"message": "found"}', '--dry-run', '-v']);
    expect(fast.code, fast.stderr).toBe(0);
    expect(resultOf(fast.stdout)).toMatchObject({ status: 'success', outputs: { message: 'found' } });
    const steps = (text: string) =>
      JSON.parse(/exec steps, ms since the process started: (\{.*\})/.exec(text)?.[1] ?? 'null') as Record<
        string,
        number
      > | null;
    expect(Object.keys(steps(fast.stderr) ?? {})).toEqual([
      'handler',
      'image found',
      'image ready',
      'created',
      'started',
      'first output',
      'exited',
    ]);
    // A comment at the end changes the text, not the content (positions included): the full
    // path finds the image up to date.
    const commented = join(tmp, `${ECHO}-commented.yaml`);
    writeFileSync(commented, `${readFileSync(echoFile, 'utf8')}\n# a comment\n`);
    const full = await cli(['exec', commented, '{"message": "full"}', '--dry-run', '-v']);
    expect(full.code, full.stderr).toBe(0);
    expect(resultOf(full.stdout)).toMatchObject({ status: 'success', outputs: { message: 'full' } });
    expect(steps(full.stderr)).toHaveProperty(['image not found by its source']);
    expect(full.stderr).not.toMatch(/building it|rebuilding/);
    // Other settings are another source: --model bakes a default into another image.
    const other = await cli([
      'exec',
      echoFile,
      '{"message": "x"}',
      '--dry-run',
      '-v',
      '--model',
      'other-model',
    ]);
    expect(other.code, other.stderr).toBe(0);
    expect(other.stderr).toContain('is not built yet: building it');
    expect(steps(other.stderr)).toHaveProperty(['image not found by its source']);
  }, 180_000);

  it("exec: a workflow's warnings are printed on the quick path too, as build printed them", async () => {
    const warned = join(tmp, `${ECHO}-warned.yaml`);
    // Another description (the later wins): other content than echo's image, and a warning.
    const text = readFileSync(echoFile, 'utf8').replace(
      /(\n {2}description: [^\n]*\n)/,
      '$1  description: warned\n',
    );
    expect(text).toContain('description: warned');
    writeFileSync(warned, text);
    const warning = /the key 'description' appears twice in flow \(first at line \d+\)/;
    const built = await cli(['exec', warned, '{"message": "one"}', '--dry-run', '-v']);
    expect(built.code, built.stderr).toBe(0);
    expect(built.stderr).toContain('is not built yet: building it');
    expect(built.stderr).toMatch(warning);
    const quick = await cli(['exec', warned, '{"message": "two"}', '--dry-run', '-v']);
    expect(quick.code, quick.stderr).toBe(0);
    expect(quick.stderr).toContain('"image found"');
    expect(quick.stderr).toMatch(warning);
    expect(quick.stderr).toContain(`${ECHO}-warned.yaml:`);
    // Without warnings, nothing is said about the workflow.
    const clean = await cli(['exec', echoFile, '{"message": "three"}', '--dry-run']);
    expect(clean.code, clean.stderr).toBe(0);
    expect(clean.stderr).not.toMatch(/appears twice|warning/);
  }, 180_000);

  it('exec: invalid input exits 2 and names the field', async () => {
    const run = await cli(['exec', echoFile, '{"message": 5}', '--dry-run']);
    expect(run.code, run.stderr).toBe(2);
    const result = resultOf(run.stdout);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'E_INVALID_INPUT' });
    expect(JSON.stringify(result.error)).toContain('message');
    // A provider the image does not carry, picked by the run's environment: said before running.
    const envFile = join(tmp, 'other-provider.env');
    writeFileSync(envFile, 'AGENTCRATE_LLM_PROVIDER=anthropic\nAGENTCRATE_LLM_MODEL=claude-test\n');
    const other = await cli(['exec', echoFile, '{"message": "hi"}', '--env-file', envFile]);
    expect(other.code, other.stderr).toBe(2);
    expect(resultOf(other.stdout).error).toMatchObject({
      code: 'E_USAGE',
      message: expect.stringContaining("provider 'anthropic'"),
    });
    const notJson = await cli(['exec', echoFile, '{not json', '--dry-run']);
    expect(notJson.code).toBe(2);
    expect(resultOf(notJson.stdout).error).toMatchObject({ code: 'E_INVALID_INPUT' });
  }, 60_000);

  it.skipIf(bridgeGateway() === undefined)(
    'exec: reaches a model on the host through host.docker.internal (host-gateway)',
    async () => {
      const mock = bridgeMock as MockLlm;
      const run = await cli([
        'exec',
        echoFile,
        '{"message": "via host-gateway"}',
        '--provider',
        'openai-compatible',
        '--model',
        'mock-1',
        '--base-url',
        `http://host.docker.internal:${mock.port}/v1`,
      ]);
      expect(run.code, run.stderr).toBe(0);
      const result = resultOf(run.stdout);
      expect(result).toMatchObject({ status: 'success', outputs: { message: 'via host-gateway' } });
      expect(typeof (result.outputs as { result: unknown }).result).toBe('string');
      expect(mock.chatRequests()).toHaveLength(1);
      expect(JSON.stringify(mock.chatRequests()[0]?.body)).toContain('via host-gateway');
    },
    120_000,
  );

  it('exec --network host: reaches the mock on 127.0.0.1', async () => {
    const mock = loopbackMock as MockLlm;
    const run = await cli([
      'exec',
      echoFile,
      '{"message": "via the host network"}',
      '--network',
      'host',
      '--provider',
      'openai-compatible',
      '--model',
      'mock-1',
      '--base-url',
      mock.url,
    ]);
    expect(run.code, run.stderr).toBe(0);
    expect(resultOf(run.stdout)).toMatchObject({
      status: 'success',
      outputs: { message: 'via the host network' },
    });
    expect(mock.chatRequests()).toHaveLength(1);
  }, 120_000);

  it('exec --batch: one result line per input, in order; a bad input does not stop the batch', async () => {
    const inputs = join(tmp, 'inputs.jsonl');
    const results = join(tmp, 'results.jsonl');
    writeFileSync(
      inputs,
      ['{"message": "one"}', '{"message": 2}', '', 'not json', '{"message": "four"}', ''].join('\n'),
    );
    const run = await cli([
      'exec',
      echoFile,
      '--batch',
      inputs,
      '--concurrency',
      '2',
      '--output',
      results,
      '--dry-run',
    ]);
    expect(run.code, run.stderr).toBe(1);
    expect(run.stdout).toBe('');
    const lines = readFileSync(results, 'utf8')
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.map((l) => [l.index, l.line, l.status])).toEqual([
      [0, 1, 'success'],
      [1, 2, 'failed'],
      [2, 4, 'failed'],
      [3, 5, 'success'],
    ]);
    expect(lines[1]?.error).toMatchObject({ code: 'E_INVALID_INPUT' });
    expect(lines[3]?.outputs).toMatchObject({ message: 'four' });
  }, 60_000);

  it('exec --batch: a results file that cannot be written is reported as such (E_IO, the path)', async () => {
    const inputs = join(tmp, 'inputs-out.jsonl');
    writeFileSync(inputs, '{"message": "one"}\n{"message": "two"}\n');
    // A directory that does not exist: refused before any container starts.
    const missing = join(tmp, 'no-such-dir', 'results.jsonl');
    const early = await cli(['exec', echoFile, '--batch', inputs, '--output', missing, '--dry-run']);
    expect(early.code, early.stderr).toBe(2);
    expect(early.stderr).toContain(`cannot write the batch results to ${missing}`);
    expect(early.stderr).toContain('ENOENT');
    expect(early.stderr).not.toMatch(/cannot read|\n\s+at /);
    // A file whose writes fail (a full disk): the container's results have nowhere to go.
    if (existsSync('/dev/full')) {
      const full = await cli(['exec', echoFile, '--batch', inputs, '--output', '/dev/full', '--dry-run']);
      expect(full.code, full.stderr).toBe(2);
      expect(full.stderr).toContain('cannot write the batch results to /dev/full');
      expect(full.stderr).toContain('ENOSPC');
      expect(full.stderr).not.toMatch(/cannot read|\n\s+at /);
    }
  }, 60_000);

  it('clean removes exactly the images build made for the workflow, and asks without --yes', async () => {
    const before = tagsOf(ECHO);
    expect(before.length).toBeGreaterThanOrEqual(2);
    const typesBefore = tagsOf(TYPES);
    expect(typesBefore.length).toBeGreaterThanOrEqual(2);
    // No terminal to ask on and no --yes: nothing is removed.
    const refused = await cli(['clean', echoFile]);
    expect(refused.code).toBe(2);
    expect(tagsOf(ECHO)).toEqual(before);
    const run = await cli(['clean', echoFile, '--yes']);
    expect(run.code, run.stderr).toBe(0);
    expect(tagsOf(ECHO)).toEqual([]);
    for (const tag of before) expect(tryDocker('image', 'inspect', tag)).toBeUndefined();
    expect(tagsOf(TYPES)).toEqual(typesBefore);
    expect(tryDocker('image', 'inspect', BASE)).toBeDefined();
  }, 60_000);
});
