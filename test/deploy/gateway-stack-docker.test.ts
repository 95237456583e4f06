/**
 * `deploy --with-gateway` on a real Docker engine with Debian's docker-compose (v1): the stack
 * comes up healthy from one `compose up`, POST /run on the workflow goes through the gateway
 * to a mock model on the host (on the Docker bridge's address, reached as
 * host.docker.internal), a failing first target makes the gateway fall back, the workflow's
 * container holds no provider key, and the interactive-test service passes.
 * Skipped, saying why, without an engine, the local base image or docker-compose v1.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deployWithGateway, type StackResult } from '../../src/deploy/gateway/deploy.js';
import { announceSkip, dockerSkipReason, TEST_BASE_IMAGE, tryDocker } from '../support/docker.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { loadSource } from './helpers.js';
import { freePort } from './ports.js';

function composeV1(): string | undefined {
  try {
    const v = execFileSync('docker-compose', ['version', '--short'], { encoding: 'utf8' }).trim();
    return v.startsWith('1.') ? undefined : `docker-compose is ${v}, not v1`;
  } catch {
    return 'docker-compose (v1, Debian package docker-compose) is not installed';
  }
}

/** The host's address on the default Docker bridge: containers reach it as host-gateway. */
const bridge = tryDocker(
  'network',
  'inspect',
  'bridge',
  '--format',
  '{{(index .IPAM.Config 0).Gateway}}',
)?.trim();
const reason =
  dockerSkipReason() ??
  composeV1() ??
  (bridge === undefined || bridge === '' ? 'the Docker bridge network has no gateway address' : undefined);
const skip = announceSkip('deploy --with-gateway on Docker with docker-compose v1', reason);

const execFileAsync = promisify(execFile);
const id = `${process.pid}-${Date.now().toString(36)}`;
const NAME = `agentcrate-gwstack-${id}`;
const SECRET = `sk-gwstack-${id}-0123456789`;
const dir = mkdtempSync(join(tmpdir(), 'agentcrate-gwstack-'));
let primary: MockLlm;
let backup: MockLlm;
let result: StackResult | undefined;

const WORKFLOW = `schema_version: "1.0"
flow: { name: gwstack }
config:
  llm: { provider: gateway, model: fast }
state:
  fields:
    topic: { type: str, required: true }
    summary: { type: str, default: "" }
nodes:
  - id: summarize
    prompt: "Summarize {topic}."
    outputs: [summary]
    output_schema: { type: str }
edges:
  - { from: START, to: summarize }
  - { from: summarize, to: END }
`;

/** Asynchronous: the mocks answering the stack live in this process's event loop. */
async function compose(...args: string[]): Promise<string> {
  const { stdout } = await execFileAsync('docker-compose', ['-p', NAME, ...args], {
    cwd: join(dir, 'out'),
    encoding: 'utf8',
  });
  return stdout;
}

async function run(port: number, topic: string): Promise<{ status: number; body: Record<string, unknown> }> {
  const response = await fetch(`http://127.0.0.1:${port}/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ topic }),
  });
  return { status: response.status, body: (await response.json()) as Record<string, unknown> };
}

describe.skipIf(reason !== undefined)(`deploy --with-gateway, docker-compose v1${skip}`, () => {
  let port: number;

  beforeAll(async () => {
    [primary, backup] = await Promise.all([startMockLlm({ host: bridge! }), startMockLlm({ host: bridge! })]);
    const inContainer = (m: MockLlm) => `http://host.docker.internal:${m.port}/v1`;
    writeFileSync(
      join(dir, 'gateway.yaml'),
      `upstreams:
  primary: {provider: openai-compatible, base_url: "${inContainer(primary)}"}
  backup: {provider: openai-compatible, base_url: "${inContainer(backup)}"}
routes:
  fast: {targets: [primary/m1, backup/m2]}
retries: {attempts: 1}
`,
    );
    writeFileSync(join(dir, 'stack.env'), `GATEWAY_PRIMARY_API_KEY=${SECRET}\n`);
    port = await freePort();
    result = await deployWithGateway({
      workflow: loadSource(WORKFLOW, 'workflow.yaml'),
      output: join(dir, 'out'),
      name: NAME,
      port,
      gatewayHostPort: await freePort(),
      baseImage: TEST_BASE_IMAGE,
      gatewayConfig: join(dir, 'gateway.yaml'),
      envFile: join(dir, 'stack.env'),
      timeoutSeconds: 30,
      traces: false,
      envVars: [],
      exampleInput: { topic: 'containers' },
      inputSchema: {},
      outputSchema: {},
      healthTimeoutMs: 90_000,
    });
  }, 240_000);

  afterAll(async () => {
    try {
      await compose('--profile', 'test', 'down', '--volumes', '--remove-orphans', '--timeout', '2');
    } catch {
      // nothing was started
    }
    tryDocker('rmi', '-f', `${NAME}:latest`, `${NAME}-gateway:latest`);
    await Promise.all([primary?.close(), backup?.close()]);
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  it('comes up healthy from one compose up: gateway first, then the workflow', () => {
    expect(result?.compose).toMatch(/^docker-compose 1\./);
    // Compose started the workflow only once the gateway's health check passed.
    expect(tryDocker('inspect', '--format', '{{.State.Health.Status}}', `${NAME}-gateway`)?.trim()).toBe(
      'healthy',
    );
    expect(tryDocker('inspect', '--format', '{{.State.Running}}', NAME)?.trim()).toBe('true');
    // Both on the stack's private bridge network, the gateway reachable by its service name.
    const networks = tryDocker('inspect', '--format', '{{json .NetworkSettings.Networks}}', NAME) ?? '';
    expect(Object.keys(JSON.parse(networks))).toEqual([`${NAME}_private`]);
  });

  it('POST /run goes through the gateway to the mock on the host; a failing first target falls back', async () => {
    primary.enqueue({ json: { summary: 'from the primary' } });
    const first = await run(port, 'one');
    expect(first.status, JSON.stringify(first.body)).toBe(200);
    expect(JSON.stringify(first.body)).toContain('from the primary');
    expect(primary.chatRequests().at(-1)?.body.model).toBe('m1');
    // The gateway sent the key from the env file to its upstream.
    expect(primary.chatRequests().at(-1)?.headers.authorization).toBe(`Bearer ${SECRET}`);

    primary.enqueue({ status: 500 });
    backup.enqueue({ json: { summary: 'from the backup' } });
    const second = await run(port, 'two');
    expect(second.status, JSON.stringify(second.body)).toBe(200);
    expect(JSON.stringify(second.body)).toContain('from the backup');
    expect(backup.chatRequests().at(-1)?.body.model).toBe('m2');
  });

  it('gives the provider key to the gateway only: the workflow container holds none', () => {
    const env = (container: string) =>
      JSON.parse(tryDocker('inspect', '--format', '{{json .Config.Env}}', container) ?? '[]') as string[];
    const workflowEnv = env(NAME);
    expect(workflowEnv.join('\n')).not.toContain(SECRET);
    expect(workflowEnv.filter((e) => /_API_KEY=|_API_KEYS=/.test(e) && !e.endsWith('='))).toEqual([]);
    expect(workflowEnv).toContain('AGENTCRATE_LLM_PROVIDER=gateway');
    expect(workflowEnv).toContain('GATEWAY_URL=http://model-gateway:8585');
    expect(env(`${NAME}-gateway`)).toContain(`GATEWAY_PRIMARY_API_KEY=${SECRET}`);
  });

  it('passes its own interactive test (make test) and the fallback drill (make test-fallback)', async () => {
    const out = await compose('--profile', 'test', 'run', '--rm', 'interactive-test', 'all');
    expect(out).toContain('ok   workflow POST /run through the gateway');
    expect(out).toContain('all checks passed');
    const drill = await compose('--profile', 'test', 'run', '--rm', 'interactive-test', 'fallback');
    expect(drill).toContain('all checks passed');
  }, 120_000);
});
