/**
 * `agentcrate deploy --with-gateway` without an engine: the files it writes (compose, prod
 * overrides, .env.example, Makefile, the gateway's image context), checked as data and by
 * Debian's docker-compose v1 itself (`config`, no engine needed); the gateway configuration
 * (the user's, checked with file:line, or generated from the workflow); the interactive test's
 * retry and fallback drills against the real gateway entry.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { renderStackArtifacts } from '../../src/deploy/gateway/artifacts.js';
import { stackGatewayConfig } from '../../src/deploy/gateway/config.js';
import { INTERACTIVE_TEST_SCRIPT } from '../../src/deploy/gateway/interactive-test.js';
import { GATEWAY_NODE_FLAGS } from '../../src/deploy/types.js';
import { CLEAN_ENV, ROOT, runCli } from '../support/cli.js';
import { loadSource } from './helpers.js';

const dir = mkdtempSync(join(tmpdir(), 'agentcrate-gwstack-gen-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const OPENAI_FLOW = readFileSync(join(ROOT, 'test/gateway/fixtures/openai-flow.yaml'), 'utf8');
const SEARCH_FLOW = `schema_version: "1.0"
flow: { name: "Search Flow" }
config:
  llm: { provider: anthropic, model: claude-sonnet-4-5 }
state:
  fields:
    topic: { type: str, required: true }
    notes: { type: str, default: "" }
nodes:
  - id: research
    prompt: "Research {topic}."
    tools: [serper_search]
    outputs: [notes]
    output_schema: { type: str }
  - id: summarize
    llm: { provider: openai, model: gpt-4o-mini }
    prompt: "Summarize {notes}."
    outputs: [notes]
    output_schema: { type: str }
edges:
  - { from: START, to: research }
  - { from: research, to: summarize }
  - { from: summarize, to: END }
`;

function render(source: string, gatewayFile?: string) {
  const workflow = loadSource(source);
  return renderStackArtifacts({
    workflow,
    outDir: dir,
    port: 8000,
    traces: true,
    envVars: [
      {
        name: 'SERPER_API_KEY',
        required: true,
        secret: true,
        description: 'serper_search for node research',
      },
    ],
    timeoutSeconds: 30,
    exampleInput: { topic: 'x' },
    inputSchema: {},
    outputSchema: {},
    gateway: stackGatewayConfig(workflow, gatewayFile),
  });
}

const file = (r: ReturnType<typeof render>, path: string) => {
  const f = r.files.find((x) => x.path === path);
  if (f === undefined) throw new Error(`${path} not rendered`);
  return f.content;
};

describe('deploy --with-gateway: the compose stack', () => {
  const r = render(SEARCH_FLOW);
  const compose = parse(file(r, 'docker-compose.yml'));

  it('runs the gateway and the workflow on a private network, the workflow after a healthy gateway', () => {
    expect(compose.version).toBeUndefined();
    expect(Object.keys(compose.services)).toEqual(['model-gateway', 'search-flow', 'interactive-test']);
    const gw = compose.services['model-gateway'];
    expect(gw.ports).toEqual(['${GATEWAY_BIND:-127.0.0.1}:8585:8585']);
    expect(gw.healthcheck.test).toEqual(['CMD', 'node', '/app/gateway.cjs', '--healthcheck']);
    expect(gw.volumes).toEqual(['search-flow-gateway-data:/data', './gateway.yaml:/config/gateway.yaml:ro']);
    expect(gw.build).toEqual({ context: './gateway' });
    const wf = compose.services['search-flow'];
    expect(wf.depends_on).toEqual({ 'model-gateway': { condition: 'service_healthy' } });
    expect(wf.environment).toContain('GATEWAY_URL=http://model-gateway:8585');
    expect(wf.environment).toContain('AGENTCRATE_LLM_PROVIDER=gateway');
    for (const s of [gw, wf]) expect(s.networks).toEqual(['private']);
    expect(compose.networks).toEqual({ private: { driver: 'bridge' } });
    expect(compose.volumes['search-flow-data']).toEqual({ name: 'search-flow-data' });
    const test = compose.services['interactive-test'];
    expect(test.profiles).toEqual(['test']);
    expect(test.environment).toContain('WORKFLOW_URL=http://search-flow:8000');
  });

  it('hands provider keys to the gateway only; the workflow gets its tool key and no provider key', () => {
    const gw: string[] = compose.services['model-gateway'].environment;
    const wf: string[] = compose.services['search-flow'].environment;
    for (const name of [
      'GATEWAY_ANTHROPIC_API_KEY',
      'ANTHROPIC_API_KEY',
      'GATEWAY_OPENAI_API_KEY',
      'OPENAI_API_KEY',
    ])
      expect(gw).toContain(name);
    expect(wf).toContain('SERPER_API_KEY');
    expect(wf.filter((e) => /ANTHROPIC|OPENAI/.test(e))).toEqual([]);
    const env = file(r, '.env.example');
    const [gatewayPart, workflowPart] = env.split('# ---- workflow');
    expect(gatewayPart).toMatch(/^GATEWAY_ANTHROPIC_API_KEY=$/m);
    expect(gatewayPart).toMatch(/^GATEWAY_OPENAI_API_KEY=$/m);
    expect(workflowPart).toMatch(/^SERPER_API_KEY=$/m);
    expect(workflowPart).not.toMatch(/ANTHROPIC|OPENAI/);
  });

  it('hardens both services in docker-compose.prod.yml', () => {
    const prod = parse(file(r, 'docker-compose.prod.yml'));
    for (const name of ['model-gateway', 'search-flow']) {
      const s = prod.services[name];
      expect(s).toMatchObject({
        restart: 'always',
        read_only: true,
        security_opt: ['no-new-privileges:true'],
        cap_drop: ['ALL'],
        logging: { driver: 'json-file', options: { 'max-size': '10m', 'max-file': '3' } },
      });
      expect(s.deploy.resources.limits.memory).toMatch(/M$/);
    }
  });

  it('has the Makefile targets, with tab-indented recipes', () => {
    const make = file(r, 'Makefile');
    for (const target of [
      'build',
      'start',
      'stop',
      'test',
      'health',
      'logs',
      'clean',
      'test-gateway',
      'test-retry',
      'test-fallback',
    ])
      expect(make).toMatch(new RegExp(`^${target}:\\n\\t`, 'm'));
    expect(make).toContain('--profile test run --rm interactive-test');
  });

  it('builds the gateway image from its own context, with only what it copies', () => {
    // Run with the gateway's heap flags, as the gateway is benchmarked (bench/lib/gateways.mjs).
    const cmd = file(r, 'gateway/Dockerfile')
      .split('\n')
      .find((line) => line.startsWith('CMD '));
    expect(JSON.parse(cmd?.slice(4) ?? 'null')).toEqual(['node', ...GATEWAY_NODE_FLAGS, '/app/gateway.cjs']);
    expect(file(r, 'gateway/.dockerignore')).toMatch(
      /^\*\n!Dockerfile\n!gateway\.cjs\n!gateway-app\.cjs\n!data$/m,
    );
    // The start and the serving part it loads on the first request, both in the image.
    expect(file(r, 'gateway/Dockerfile')).toContain('COPY gateway.cjs gateway-app.cjs /app/');
    expect(file(r, 'gateway.yaml')).toContain('provider: anthropic');
  });

  const v1 = spawnSync('docker-compose', ['version', '--short'], { encoding: 'utf8' });
  it.skipIf(v1.status !== 0)(
    `is accepted by docker-compose ${v1.stdout?.trim() || '(not installed: skipped)'}, prod overrides included`,
    () => {
      const out = join(dir, 'compose-check');
      for (const f of r.files) {
        const path = join(out, f.path);
        execFileSync('mkdir', ['-p', join(path, '..')]);
        writeFileSync(path, f.content);
      }
      const config = (...files: string[]) =>
        execFileSync(
          'docker-compose',
          ['-p', 'check', ...files.flatMap((f) => ['-f', f]), '--profile', 'test', 'config'],
          {
            cwd: out,
            encoding: 'utf8',
            env: { PATH: process.env.PATH },
          },
        );
      expect(parse(config('docker-compose.yml')).services['search-flow'].depends_on).toBeDefined();
      const merged = parse(config('docker-compose.yml', 'docker-compose.prod.yml'));
      expect(merged.services['model-gateway'].read_only).toBe(true);
      expect(merged.services['model-gateway'].volumes).toHaveLength(2);
    },
  );
});

describe('deploy --with-gateway: the gateway configuration', () => {
  it('is generated from the workflow: an upstream per provider its nodes use', () => {
    const workflow = loadSource(SEARCH_FLOW);
    const g = stackGatewayConfig(workflow);
    expect(g.upstreams.map((u) => [u.name, u.provider])).toEqual([
      ['anthropic', 'anthropic'],
      ['openai', 'openai'],
    ]);
    expect(parse(g.yaml).upstreams.openai.models).toEqual(['gpt-4o-mini']);
  });

  it("reports the user's file compiler-style and refuses it", () => {
    const bad = join(dir, 'bad-gateway.yaml');
    writeFileSync(bad, 'upstreams:\n  a: {provider: openai}\nroutes:\n  fast: {targets: [a/m], wieght: 2}\n');
    expect(() => stackGatewayConfig(loadSource(OPENAI_FLOW), bad)).toThrow(
      /bad-gateway\.yaml:4:\d+ routes\.fast\.wieght: .*unknown key/,
    );
  });

  it('asks for --gateway-config when the workflow already names gateway aliases', () => {
    const flow = OPENAI_FLOW.replace(
      'provider: openai, model: gpt-4o-mini',
      'provider: gateway, model: smart',
    );
    expect(() => stackGatewayConfig(loadSource(flow))).toThrow(/pass --gateway-config/);
  });
});

describe('the interactive test drills (make test-retry, make test-fallback)', () => {
  const script = join(dir, 'interactive-test.mjs');
  writeFileSync(script, INTERACTIVE_TEST_SCRIPT);
  const drill = (mode: string) =>
    spawnSync(process.execPath, [script, mode], {
      encoding: 'utf8',
      env: { PATH: process.env.PATH, GATEWAY_ENTRY: join(ROOT, 'dist/gateway/entry.js') },
      timeout: 60_000,
    });

  it('retry: an upstream answering 503 once is tried again and the request succeeds', () => {
    const r = drill('retry');
    expect(r.stdout, r.stderr).toContain('ok   retry: two attempts at the same upstream');
    expect(r.status).toBe(0);
  });

  it('fallback: a failing first target falls back to the second', () => {
    const r = drill('fallback');
    expect(r.stdout, r.stderr).toContain('ok   fallback: primary 500, answer from backup');
    expect(r.status).toBe(0);
  });
});

describe('agentcrate deploy --with-gateway --generate', () => {
  it('writes the stack and asks the workflow for no provider key', async () => {
    const flow = join(dir, 'openai-flow.yaml');
    writeFileSync(flow, OPENAI_FLOW);
    const out = join(dir, 'cli-out');
    const result = await runCli(
      ['deploy', flow, '--with-gateway', '--generate', '--output', out, '--gateway-port', '9585'],
      {
        env: { ...CLEAN_ENV },
      },
    );
    expect(result.code, result.stderr).toBe(0);
    const compose = parse(readFileSync(join(out, 'docker-compose.yml'), 'utf8'));
    expect(compose.services['model-gateway'].ports).toEqual(['${GATEWAY_BIND:-127.0.0.1}:9585:8585']);
    expect(compose.services['openai-flow'].environment.join('\n')).not.toContain('OPENAI_API_KEY');
    expect(readFileSync(join(out, 'gateway', 'gateway.cjs'), 'utf8').length).toBeGreaterThan(10_000);
  }, 120_000);
});
