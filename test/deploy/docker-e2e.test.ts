/**
 * Real Docker: builds the fixture server into an image FROM the local base image (no pulls),
 * runs it hardened, and checks what `agentcrate deploy` promises. Skipped, saying why, when no
 * engine answers (run scripts/docker/ensure-docker.sh).
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { type DeployEvent, type DeployResult, deploy } from '../../src/deploy/deploy.js';
import { listManaged, logs, remove, stop } from '../../src/deploy/manage.js';
import { DockerRuntime } from '../../src/deploy/runtime/docker.js';
import { SERVER_ALLOCATOR_ENV } from '../../src/deploy/types.js';
import { AgentcrateError } from '../../src/errors.js';
import { announceSkip } from '../support/docker.js';
import {
  CRASH_SERVER,
  FIXTURE_SERVER,
  FIXTURES_PRESENT,
  loadFixture,
  savedImageContains,
  TEST_BASE_IMAGE,
} from './helpers.js';
import { freePort } from './ports.js';

const runtime = new DockerRuntime();
const engine = await runtime.detect().then(
  (info) => info,
  (err: Error) => err.message,
);
const available = typeof engine !== 'string';
const skipReason = announceSkip(
  'deploy to a real Docker engine',
  !available ? engine : FIXTURES_PRESENT ? undefined : 'the shared fixtures are absent',
);

const id = `${process.pid}-${Date.now().toString(36)}`;
const NAME = `agentcrate-e2e-${id}`;
const CRASH_NAME = `agentcrate-e2e-crash-${id}`;
const FOREIGN = `agentcrate-e2e-foreign-${id}`;
const SECRET = `s3cr3t-${id}-value`;
const tmp = mkdtempSync(join(tmpdir(), 'agentcrate-e2e-'));
const envFile = join(tmp, 'deploy.env');

function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** The echo fixture deployed with no env file or schemas, as the tests beside the first deploy need. */
async function deployAgain(
  output: string,
  name: string,
  serverEntry: string,
  over: Partial<Parameters<typeof deploy>[0]> = {},
): Promise<unknown> {
  return deploy({
    workflow: loadFixture('echo.yaml'),
    output,
    port: await freePort(),
    name,
    baseImage: TEST_BASE_IMAGE,
    noEnvFile: true,
    timeoutSeconds: 30,
    traces: true,
    envVars: [],
    exampleInput: {},
    inputSchema: {},
    outputSchema: {},
    serverEntry,
    runtime,
    ...over,
  });
}

async function caught(p: Promise<unknown>): Promise<AgentcrateError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AgentcrateError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

describe.skipIf(!available || !FIXTURES_PRESENT)(`deploy to a real Docker engine${skipReason}`, () => {
  let port = 0;
  let result: DeployResult;
  const events: DeployEvent[] = [];

  beforeAll(async () => {
    // Idempotent and offline: makes the base image from the pinned node binary if missing.
    execFileSync(
      'bash',
      [fileURLToPath(new URL('../../scripts/docker/build-base-image.sh', import.meta.url)), TEST_BASE_IMAGE],
      {
        stdio: 'inherit',
      },
    );
    writeFileSync(envFile, `FIXTURE_SECRET=${SECRET}\n# a comment\nEMPTYISH=\n`);
    port = await freePort();
    const out = await deploy({
      workflow: loadFixture('echo.yaml'),
      output: join(tmp, 'out'),
      port,
      name: NAME,
      baseImage: TEST_BASE_IMAGE,
      envFile,
      timeoutSeconds: 30,
      traces: true,
      envVars: [{ name: 'FIXTURE_SECRET', required: true, description: 'test secret', secret: true }],
      exampleInput: { message: 'hi' },
      inputSchema: { type: 'object', properties: { message: { type: 'string' } } },
      outputSchema: { type: 'object', properties: { result: { type: 'string' } } },
      serverEntry: FIXTURE_SERVER,
      healthTimeoutMs: 30_000,
      onProgress: (e) => events.push(e),
      runtime,
    });
    if (out.kind !== 'deployed') throw new Error('expected a deployment');
    result = out;
  }, 90_000);

  afterAll(async () => {
    for (const name of [NAME, CRASH_NAME, FOREIGN])
      await runtime.rm(name, { force: true }).catch(() => undefined);
    for (const image of [`${NAME}:latest`, `${CRASH_NAME}:latest`])
      await runtime.removeImage(image).catch(() => undefined);
    for (const volume of [`${NAME}-data`, `${CRASH_NAME}-data`])
      await runtime.removeVolume(volume).catch(() => undefined);
    rmSync(tmp, { recursive: true, force: true });
  }, 60_000);

  it('deploys: healthy, reachable on 127.0.0.1 only, with progress events and next steps', async () => {
    expect(result.urls.api).toBe(`http://127.0.0.1:${port}/run`);
    expect(result.curlExample).toContain(`http://127.0.0.1:${port}/run`);
    expect(result.management).toContain(`agentcrate logs ${NAME} -f`);
    const phases = new Set(events.map((e) => e.phase));
    for (const p of ['detect', 'bundle', 'generate', 'guard', 'build', 'run', 'health', 'done'] as const) {
      expect(phases.has(p)).toBe(true);
    }
    const steps = events.filter((e) => e.phase === 'build' && (e.total ?? 0) > 0);
    expect(steps.length).toBeGreaterThan(3);
    expect(events.some((e) => e.phase === 'build' && (e.bytes ?? 0) > 0)).toBe(true);
    const health = await fetch(result.urls.health);
    expect(health.status).toBe(200);
    const ports = JSON.parse(docker('inspect', '--format', '{{json .HostConfig.PortBindings}}', NAME));
    expect(ports).toEqual({ [`${port}/tcp`]: [{ HostIp: '127.0.0.1', HostPort: String(port) }] });
  });

  it('runs hardened as uid 1000: read-only root, tmpfs /tmp, no capabilities, no-new-privileges, init, env at run time', async () => {
    const hc = JSON.parse(docker('inspect', '--format', '{{json .HostConfig}}', NAME));
    expect(hc).toMatchObject({
      ReadonlyRootfs: true,
      CapDrop: ['ALL'],
      SecurityOpt: ['no-new-privileges'],
      Init: true,
      RestartPolicy: { Name: 'unless-stopped' },
    });
    // The image's allocator settings reach the process (they keep memory down after bursts).
    const env = JSON.parse(docker('inspect', '--format', '{{json .Config.Env}}', NAME)) as string[];
    for (const [k, v] of Object.entries(SERVER_ALLOCATOR_ENV)) expect(env).toContain(`${k}=${v}`);
    const res = await fetch(result.urls.api, { method: 'POST', body: JSON.stringify({ message: 'hi' }) });
    const body = (await res.json()) as Record<string, unknown>;
    expect(body).toMatchObject({
      outputs: { message: 'hi' },
      uid: 1000,
      runs: 1,
      tmpWritable: true,
      rootWritable: false,
      hasSecretEnv: true,
    });
  });

  it('labels the image with workflow, version, hash and schemas (readable without running it)', () => {
    const labels = JSON.parse(
      docker('image', 'inspect', '--format', '{{json .Config.Labels}}', result.imageName),
    );
    expect(labels).toMatchObject({
      'io.agentcrate.managed': 'true',
      'io.agentcrate.workflow': 'echo',
      'io.agentcrate.hash': result.contentHash,
    });
    expect(JSON.parse(labels['io.agentcrate.input-schema'])).toEqual({
      type: 'object',
      properties: { message: { type: 'string' } },
    });
  });

  it('the saved image contains no value of the env file', async () => {
    const found = await savedImageContains(result.imageName, [SECRET, 'fixture server listening']);
    expect(found['fixture server listening']).toBe(true); // the scan does see the image's files
    expect(found[SECRET]).toBe(false);
  });

  it('docker restart keeps the job store (named volume)', async () => {
    docker('restart', '-t', '5', NAME);
    const health = await runtime.waitHealthy(NAME, { timeoutMs: 20_000, probeUrl: result.urls.health });
    expect(health.status).toBe('healthy');
    const res = await fetch(result.urls.api, {
      method: 'POST',
      body: JSON.stringify({ message: 'again' }),
    });
    expect(((await res.json()) as { runs: number }).runs).toBe(2);
  });

  it('ps / logs / stop are scoped to agentcrate containers', async () => {
    const list = await listManaged({ runtime });
    expect(list.find((c) => c.name === NAME)).toMatchObject({ state: 'running', workflow: 'echo' });
    const lines: string[] = [];
    for await (const l of await logs(NAME, false, { runtime })) lines.push(l.line);
    expect(lines).toContain(`fixture server listening on 0.0.0.0:${port}`);
    for await (const l of await logs(NAME, true, { runtime, tail: 1 })) {
      expect(l.line).toContain('fixture server listening');
      break; // following must not hang once the consumer stops
    }
    docker('create', '--name', FOREIGN, TEST_BASE_IMAGE);
    const refused = await caught(stop(FOREIGN, { runtime }));
    expect(refused.code).toBe('E_CONFLICT');
    expect(refused.message).toMatch(/was not deployed by agentcrate/);
    expect((await caught(stop(`nope-${id}`, { runtime }))).code).toBe('E_NOT_FOUND');
  });

  it('a second deploy with the same name is an explicit conflict, not a replacement', async () => {
    const err = await caught(deployAgain(join(tmp, 'second'), NAME, FIXTURE_SERVER));
    expect(err.code).toBe('E_CONFLICT');
    expect(err.message).toContain(
      `a container named ${NAME} already exists; use --name or \`agentcrate rm ${NAME}\``,
    );
  });

  it('a server that dies at start: E_RUNTIME with its last log lines, container removed', async () => {
    const err = await caught(
      deployAgain(join(tmp, 'crash'), CRASH_NAME, CRASH_SERVER, { healthTimeoutMs: 20_000 }),
    );
    expect(err.code).toBe('E_RUNTIME');
    expect(err.message).toMatch(/did not become healthy: the server exited (with code 3|and was restarted)/);
    expect(err.details?.lastLogs).toContain('boom: AGENTCRATE_FIXTURE_CONFIG is missing, refusing to start');
    expect(await runtime.inspect(CRASH_NAME)).toBeUndefined();
  });

  it('stop then rm (with the volume) through the managed API', async () => {
    await stop(NAME, { runtime, timeoutSeconds: 5 });
    expect((await runtime.inspect(NAME))?.running).toBe(false);
    await remove(NAME, { runtime, volumes: true });
    expect(await runtime.inspect(NAME)).toBeUndefined();
    expect(() => docker('volume', 'inspect', `${NAME}-data`)).toThrow();
  });
});
