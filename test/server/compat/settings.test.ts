/**
 * The API style reaches every way a server starts: `agentcrate serve --api`, the container
 * entry's `AGENTCRATE_API`, and the image `agentcrate deploy --api` writes (its Dockerfile's
 * environment). Each is checked by what the started server answers, not by option plumbing.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { renderArtifacts } from '../../../src/deploy/artifacts.js';
import { echoOptions, loadSource } from '../../deploy/helpers.js';
import { CLEAN_ENV, runCli } from '../../support/cli.js';
import { type MockLlm, startMockLlm } from '../../support/mock-llm.js';
import { startServe } from '../../support/serve-process.js';
import { killHard, startEntry } from '../support/entry-process.js';
import { HealthResponse, RunResponse, ValidationError } from './upstream-client.js';

const WORKFLOW = `schema_version: "1.0"
flow: {name: counter}
state:
  fields:
    count: {type: int, required: true}
    out: {type: str, default: ""}
nodes:
  - {id: n, prompt: "count {state.count}", outputs: [out], output_schema: {type: str}}
edges:
  - {from: START, to: n}
  - {from: n, to: END}
`;

const dir = mkdtempSync(join(tmpdir(), 'agentcrate-compat-'));
const file = join(dir, 'counter.yaml');
writeFileSync(file, WORKFLOW);
let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm();
});
afterAll(async () => {
  await mock.close();
  rmSync(dir, { recursive: true, force: true });
});

async function expectUpstreamApi(base: string): Promise<void> {
  HealthResponse.parse(await (await fetch(`${base}/health`)).json());
  expect(await (await fetch(`${base}/health/live`)).json()).toEqual({ status: 'alive' });
  const run = await fetch(`${base}/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ count: '5', extra: true }),
  });
  expect(run.status).toBe(200);
  expect(RunResponse.parse(await run.json())).toMatchObject({ status: 'success', outputs: { count: 5 } });
  const bad = await fetch(`${base}/run`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: '{}',
  });
  expect(bad.status).toBe(422);
  expect(ValidationError.parse(await bad.json()).detail[0]).toMatchObject({
    type: 'missing',
    loc: ['body', 'count'],
  });
}

describe('the API style setting', () => {
  it('agentcrate serve --api configurable-agents answers as upstream', async () => {
    const serve = await startServe([
      file,
      '--api',
      'configurable-agents',
      '--dry-run',
      '--port',
      '0',
      '--store',
      join(dir, 'cli.db'),
    ]);
    try {
      await expectUpstreamApi(serve.url);
    } finally {
      await serve.stop();
    }
  }, 60_000);

  it('refuses an unknown style, naming the choices', async () => {
    const r = await runCli(['serve', file, '--api', 'fastapi', '--dry-run'], { env: CLEAN_ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toContain('configurable-agents');
  }, 30_000);

  it('the container entry takes AGENTCRATE_API', async () => {
    const entry = await startEntry({
      cwd: dir,
      workflow: file,
      store: join(dir, 'entry.db'),
      mockUrl: mock.url,
      env: { AGENTCRATE_API: 'configurable-agents' },
    });
    try {
      await expectUpstreamApi(entry.url);
    } finally {
      await killHard(entry);
    }
  }, 60_000);

  it('deploy --api configurable-agents sets it in the image; the default image does not', () => {
    const workflow = loadSource(WORKFLOW);
    const dockerfile = (api?: 'configurable-agents') =>
      renderArtifacts(echoOptions(workflow, join(dir, 'deploy'), api ? { api } : {})).files.find(
        (f) => f.path === 'Dockerfile',
      )?.content ?? '';
    expect(dockerfile('configurable-agents')).toMatch(/AGENTCRATE_API=configurable-agents/);
    expect(dockerfile()).not.toContain('AGENTCRATE_API');
  });
});
