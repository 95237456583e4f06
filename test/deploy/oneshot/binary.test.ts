/**
 * `agentcrate build --binary`: the echo workflow as a single executable, run with an
 * environment whose PATH holds no node at all, dry and against the mock model on 127.0.0.1.
 */
import { spawn, spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLEAN_ENV, ROOT, runCli } from '../../support/cli.js';
import { announceSkip } from '../../support/docker.js';
import { type MockLlm, startMockLlm } from '../../support/mock-llm.js';
import { FIXTURES_DIR } from '../helpers.js';

function whySkip(): string | undefined {
  if (!existsSync(join(FIXTURES_DIR, 'echo.yaml'))) return `fixture ${FIXTURES_DIR}/echo.yaml is absent`;
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) return 'the CLI is not built (node scripts/build.mjs)';
  if (process.platform !== 'linux') return 'the single-executable test runs on Linux';
  return undefined;
}

const skip = whySkip();
const skipNote = announceSkip('agentcrate build --binary', skip);
let tmp = '';
let mock: MockLlm;

/**
 * Runs the executable with nothing but an empty folder on PATH (asynchronously: the mock
 * model answers from this process).
 */
async function runBinary(
  file: string,
  args: string[],
): Promise<{ status: number | null; stdout: string; stderr: string }> {
  const emptyPath = join(tmp, 'empty-path');
  mkdirSync(emptyPath, { recursive: true });
  // The environment really has no node to fall back on.
  expect(spawnSync('node', ['-v'], { env: { PATH: emptyPath } }).error).toBeDefined();
  const child = spawn(file, args, { env: { PATH: emptyPath, AGENTCRATE_LOG_LEVEL: 'warn' }, cwd: tmp });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d) => (stdout += d));
  child.stderr.on('data', (d) => (stderr += d));
  child.stdin.end();
  const [status] = (await once(child, 'close')) as [number | null];
  return { status, stdout, stderr };
}

describe.skipIf(skip !== undefined)(`single executable${skipNote}`, () => {
  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'agentcrate-oneshot-bin-'));
    mock = await startMockLlm();
  });

  afterAll(async () => {
    await mock?.close();
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
  });

  it('runs the echo workflow with no node on PATH: JSON in, one JSON result out, exit codes', async () => {
    const flow = join(tmp, 'echo.yaml');
    writeFileSync(flow, readFileSync(join(FIXTURES_DIR, 'echo.yaml'), 'utf8'));
    const file = join(tmp, 'echo-bin');
    const built = await runCli(
      [
        'build',
        flow,
        '--binary',
        file,
        '--json',
        '--provider',
        'openai-compatible',
        '--model',
        'mock-1',
        '--base-url',
        mock.url,
      ],
      { env: CLEAN_ENV, cwd: tmp },
    );
    expect(built.code, built.stderr).toBe(0);
    expect(JSON.parse(built.stdout)).toMatchObject({ binary: file, providers: ['openai-compatible'] });

    const dry = await runBinary(file, ['{"message": "no node here"}', '--dry-run']);
    expect(dry.status, dry.stderr).toBe(0);
    expect(JSON.parse(dry.stdout)).toMatchObject({ status: 'success', outputs: { message: 'no node here' } });

    const real = await runBinary(file, ['{"message": "to the mock"}']);
    expect(real.status, real.stderr).toBe(0);
    expect(JSON.parse(real.stdout)).toMatchObject({ status: 'success', outputs: { message: 'to the mock' } });
    expect(mock.chatRequests()).toHaveLength(1);

    const bad = await runBinary(file, ['{"message": 1}']);
    expect(bad.status).toBe(2);
    expect(JSON.parse(bad.stdout).error).toMatchObject({ code: 'E_INVALID_INPUT' });
  }, 180_000);
});
