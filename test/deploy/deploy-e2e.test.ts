/**
 * `agentcrate deploy` end to end, as a user runs it: the built CLI in a child process, a real
 * Docker engine, the real bundled server, the local base image (nothing is pulled) and the
 * loopback mock model reached through `--network host`. Skipped, saying why, when the
 * fixtures, the engine, the base image or the built CLI are missing.
 */
import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkValue } from '../../src/config/index.js';
import type { Workflow } from '../../src/config/types.js';
import { CLEAN_ENV, type CliResult, ROOT, runCli } from '../support/cli.js';
import { announceSkip, dockerSkipReason, tryDocker } from '../support/docker.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { FIXTURES_DIR, loadFixture, savedImageContains, TEST_BASE_IMAGE } from './helpers.js';
import { freePort } from './ports.js';

function hasCompose(): boolean {
  try {
    execFileSync('docker-compose', ['version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
}

function whySkip(): string | undefined {
  for (const f of ['echo.yaml', 'type_enforcement.yaml']) {
    if (!existsSync(join(FIXTURES_DIR, f))) return `fixture ${FIXTURES_DIR}/${f} is absent`;
  }
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) return 'the CLI is not built (node scripts/build.mjs)';
  return dockerSkipReason();
}

const skip = whySkip();
const skipNote = announceSkip('agentcrate deploy in a real Docker engine', skip);
const id = `${process.pid}-${Date.now().toString(36)}`;
const SECRET = 'some-secret-value-123';
const ECHO = `ac-e2e-echo-${id}`;
const TYPES = `ac-e2e-types-${id}`;
const NOCRED = `ac-e2e-nocred-${id}`;
const ALL_NAMES = [ECHO, TYPES, NOCRED];
/** Made in beforeAll, so a skipped run leaves nothing behind. */
let tmp = '';

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Every state field is in the outputs with a value of its declared type. */
function expectTypedOutputs(workflow: Workflow, outputs: Record<string, unknown>): void {
  for (const field of workflow.state) {
    expect(outputs, `output ${field.name}`).toHaveProperty(field.name);
    expect(
      checkValue(field.type, outputs[field.name], field.name),
      `${field.name}: ${field.typeText}`,
    ).toEqual([]);
  }
}

async function waitHealthy(url: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
      if (res.status === 200) return;
    } catch {
      // not listening yet
    }
    if (Date.now() > deadline) throw new Error(`${url} not healthy within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

interface Deployed {
  name: string;
  port: number;
  out: string;
  cli: CliResult;
  workflow: Workflow;
  base: string;
}

describe.skipIf(skip !== undefined)(`agentcrate deploy in a real Docker engine${skipNote}`, () => {
  let mock: MockLlm;
  let envFile: string;
  let echo: Deployed;
  let types: Deployed;

  const deployArgs = (file: string, name: string, port: number, out: string, env = envFile): string[] => [
    'deploy',
    join(FIXTURES_DIR, file),
    '--name',
    name,
    '--base-image',
    TEST_BASE_IMAGE,
    '--network',
    'host',
    '--port',
    String(port),
    '--output',
    out,
    '--env-file',
    env,
  ];

  async function deployFixture(file: string, name: string): Promise<Deployed> {
    const port = await freePort();
    const out = join(tmp, name);
    const cli = await runCli(deployArgs(file, name, port, out), { env: CLEAN_ENV });
    return { name, port, out, cli, workflow: loadFixture(file), base: `http://127.0.0.1:${port}` };
  }

  beforeAll(async () => {
    tmp = mkdtempSync(join(tmpdir(), 'agentcrate-deploy-e2e-'));
    mock = await startMockLlm({ latencyMs: 50 });
    envFile = join(tmp, 'deploy.env');
    writeFileSync(
      envFile,
      [
        'AGENTCRATE_LLM_PROVIDER=openai-compatible',
        `AGENTCRATE_LLM_BASE_URL=${mock.url}`,
        'AGENTCRATE_LLM_MODEL=mock-1',
        `OPENAI_COMPATIBLE_API_KEY=${SECRET}`,
        '',
      ].join('\n'),
    );
    // Both at once: bundling and building overlap, which halves the wall time.
    [echo, types] = await Promise.all([
      deployFixture('echo.yaml', ECHO),
      deployFixture('type_enforcement.yaml', TYPES),
    ]);
  }, 120_000);

  afterAll(async () => {
    // Whatever happened above: no container, image or volume of ours survives the run.
    for (const name of ALL_NAMES) {
      tryDocker('rm', '-f', '-v', name);
      tryDocker('image', 'rm', '-f', `${name}:latest`);
      tryDocker('volume', 'rm', '-f', `${name}-data`);
    }
    await mock?.close();
    if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  it('deploys both fixtures and prints the endpoints, a curl example and the management commands', () => {
    for (const d of [echo, types]) {
      expect(d.cli.code, d.cli.stderr).toBe(0);
      expect(d.cli.stdout).toContain(`${d.name} is running and healthy`);
      for (const path of ['/run', '/docs', '/ui', '/health'])
        expect(d.cli.stdout).toContain(`${d.base}${path}`);
      expect(d.cli.stdout).toContain(`curl -sS -X POST ${d.base}/run`);
      expect(d.cli.stdout).toContain(`agentcrate logs ${d.name} -f`);
      expect(d.cli.stderr).toMatch(/build step \d+\/\d+/); // visible build progress
    }
  });

  it('POST /run answers with outputs of the declared state types', async () => {
    const inputs: Array<[Deployed, Record<string, unknown>]> = [
      [echo, { message: 'hello from e2e' }],
      [types, { topic: 'container hardening' }],
    ];
    for (const [d, body] of inputs) {
      const before = mock.chatRequests().length;
      const res = await fetch(`${d.base}/run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      });
      const json = (await res.json()) as { status: string; outputs: Record<string, unknown> };
      expect(res.status, JSON.stringify(json)).toBe(200);
      expect(json.status).toBe('success');
      expectTypedOutputs(d.workflow, json.outputs);
      expect(json.outputs).toMatchObject(body); // inputs flow through to the final state
      expect(mock.chatRequests().length - before).toBe(d.workflow.nodes.length);
      // The override reached the container: the request named the env file's model and key.
      const last = mock.chatRequests().at(-1);
      expect(last?.body.model).toBe('mock-1');
      expect(last?.headers.authorization).toBe(`Bearer ${SECRET}`);
    }
  });

  let slowJob = '';
  it('a slow model: /run hands off to async (202) and /status completes, one model call per node', async () => {
    mock.script([{ delayMs: 2500 }]);
    const before = mock.chatRequests().length;
    const res = await fetch(`${echo.base}/run?timeout=1`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ message: 'slow one' }),
    });
    const accepted = (await res.json()) as { status: string; job_id: string; status_url: string };
    expect(res.status).toBe(202);
    expect(accepted.status_url).toBe(`/status/${accepted.job_id}`);
    slowJob = accepted.job_id;
    let status: { status: string; outputs: Record<string, unknown> } | undefined;
    const deadline = Date.now() + 15_000;
    while (Date.now() < deadline) {
      const poll = await fetch(`${echo.base}/status/${slowJob}`);
      expect(poll.status).toBe(200);
      status = (await poll.json()) as typeof status;
      if (status?.status === 'completed' || status?.status === 'failed') break;
      await new Promise((r) => setTimeout(r, 200));
    }
    expect(status?.status).toBe('completed');
    expectTypedOutputs(echo.workflow, status?.outputs ?? {});
    expect(status?.outputs.message).toBe('slow one');
    expect(mock.chatRequests().length - before).toBe(echo.workflow.nodes.length);
  }, 30_000);

  it('docker restart keeps the job store: the finished job still answers', async () => {
    expect(slowJob).not.toBe('');
    docker('restart', '-t', '5', ECHO);
    await waitHealthy(`${echo.base}/health`, 20_000);
    const res = await fetch(`${echo.base}/status/${slowJob}`);
    expect(res.status).toBe(200);
    expect(await res.json()).toMatchObject({
      job_id: slowJob,
      status: 'completed',
      outputs: { message: 'slow one' },
    });
  }, 30_000);

  it('runs hardened: uid 1000, read-only root, all capabilities dropped, no-new-privileges', () => {
    for (const d of [echo, types]) {
      const info = JSON.parse(docker('container', 'inspect', d.name))[0] as {
        Config: { User: string };
        HostConfig: {
          ReadonlyRootfs: boolean;
          CapDrop: string[];
          SecurityOpt: string[];
          NetworkMode: string;
        };
      };
      expect(info.Config.User.split(':')[0]).toBe('1000');
      expect(info.HostConfig.ReadonlyRootfs).toBe(true);
      expect(info.HostConfig.CapDrop).toEqual(['ALL']);
      expect(info.HostConfig.SecurityOpt).toContain('no-new-privileges');
      expect(info.HostConfig.NetworkMode).toBe('host');
    }
  });

  it('the saved image contains no value of the env file', async () => {
    // The provider name is public (it is in the server's own code), so the values checked are
    // the key and the base URL, which only the env file knows.
    const found = await savedImageContains(`${ECHO}:latest`, [SECRET, mock.url, 'agentcrate serving']);
    expect(found['agentcrate serving']).toBe(true); // the scan does see the bundle
    expect(found[SECRET]).toBe(false);
    expect(found[mock.url]).toBe(false);
  }, 60_000);

  it.skipIf(!hasCompose())(
    'docker-compose config accepts both generated compose files and the sidecar profiles',
    () => {
      // Compose needs the env file it names, as after `cp .env.example .env` in the README.
      copyFileSync(join(echo.out, '.env.example'), join(echo.out, '.env'));
      const compose = (...args: string[]) =>
        execFileSync('docker-compose', args, {
          cwd: echo.out,
          encoding: 'utf8',
          stdio: ['ignore', 'pipe', 'pipe'],
        });
      expect(compose('-f', join(echo.out, 'docker-compose.yml'), 'config')).toContain(ECHO);
      const prod = compose('-f', join(echo.out, 'docker-compose.prod.yml'), 'config');
      expect(prod).toMatch(/read_only: true/);
      expect(prod).toMatch(/no-new-privileges:true/);
      const withSidecars = compose(
        '-f',
        join(echo.out, 'docker-compose.yml'),
        '--profile',
        'jaeger',
        '--profile',
        'mlflow',
        'config',
      );
      expect(withSidecars).toMatch(/jaegertracing\/all-in-one/);
      expect(withSidecars).toMatch(/ghcr\.io\/mlflow\/mlflow/);
    },
  );

  it('agentcrate ps lists both, agentcrate logs prints JSON log lines', async () => {
    const ps = await runCli(['ps']);
    expect(ps.code, ps.stderr).toBe(0);
    for (const name of [ECHO, TYPES]) expect(ps.stdout).toMatch(new RegExp(`${name}\\s+\\S+\\s+running`));
    const logs = await runCli(['logs', ECHO]);
    expect(logs.code, logs.stderr).toBe(0);
    const lines = logs.stdout.split('\n').filter((l) => l.trim() !== '');
    expect(lines.length).toBeGreaterThan(0);
    const records = lines.map((l) => JSON.parse(l) as { msg?: string; workflow?: string });
    expect(records.some((r) => r.msg === 'agentcrate serving' && r.workflow === 'echo')).toBe(true);
    expect(logs.stdout).not.toContain(SECRET);
  });

  it('deploying again under a taken name is a clear conflict, and nothing is replaced', async () => {
    const idBefore = docker('container', 'inspect', '--format', '{{.Id}}', ECHO).trim();
    const out = join(tmp, 'conflict');
    const res = await runCli(deployArgs('echo.yaml', ECHO, await freePort(), out), { env: CLEAN_ENV });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain(`a container named ${ECHO} already exists`);
    expect(res.stderr).toContain(`agentcrate rm ${ECHO}`);
    expect(existsSync(out)).toBe(false);
    expect(docker('container', 'inspect', '--format', '{{.Id}}', ECHO).trim()).toBe(idBefore);
  });

  it('no engine at DOCKER_HOST: says to install or start Docker, writes nothing', async () => {
    const out = join(tmp, 'no-engine');
    const res = await runCli(deployArgs('echo.yaml', `ac-e2e-none-${id}`, await freePort(), out), {
      env: { ...CLEAN_ENV, DOCKER_HOST: 'unix:///nonexistent.sock' },
    });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('unix:///nonexistent.sock');
    expect(res.stderr).toMatch(/install Docker/);
    expect(res.stderr).toMatch(/start/);
    expect(existsSync(out)).toBe(false);
  });

  it('an env file without the credential is refused before building, naming GOOGLE_API_KEY', async () => {
    const env = join(tmp, 'nocred.env');
    writeFileSync(env, 'AGENTCRATE_LOG_LEVEL=info\n');
    const out = join(tmp, 'nocred');
    const res = await runCli(deployArgs('echo.yaml', NOCRED, await freePort(), out, env), {
      env: CLEAN_ENV,
    });
    expect(res.code).not.toBe(0);
    expect(res.stderr).toContain('GOOGLE_API_KEY');
    expect(res.stderr).not.toMatch(/build step/);
    expect(existsSync(out)).toBe(false);
    expect(tryDocker('image', 'inspect', `${NOCRED}:latest`)).toBeUndefined();
    expect(tryDocker('container', 'inspect', NOCRED)).toBeUndefined();
  });

  it('agentcrate stop, then rm --volumes removes the container and its job store', async () => {
    for (const d of [echo, types]) {
      const stopped = await runCli(['stop', d.name]);
      expect(stopped.code, stopped.stderr).toBe(0);
      expect(docker('container', 'inspect', '--format', '{{.State.Running}}', d.name).trim()).toBe('false');
      const removed = await runCli(['rm', d.name, '--volumes']);
      expect(removed.code, removed.stderr).toBe(0);
      expect(tryDocker('container', 'inspect', d.name)).toBeUndefined();
      expect(tryDocker('volume', 'inspect', `${d.name}-data`)).toBeUndefined();
    }
  }, 60_000);
});
