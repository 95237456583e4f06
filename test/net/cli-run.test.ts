/**
 * `agentcrate run` as a user runs it: a model asking `http_client` for a loopback service is
 * refused by default and served with `--allow-private-network`.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLEAN_ENV, runCli } from '../support/cli.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { loopbackServer } from '../tools/helpers.js';

const WORKFLOW = `schema_version: "1.0"
flow: {name: fetcher}
state:
  fields:
    summary: {type: str, default: ""}
nodes:
  - id: look
    prompt: "look"
    outputs: [summary]
    output_schema: {type: str}
    tools: [http_client]
edges:
  - {from: START, to: look}
  - {from: look, to: END}
`;

let mock: MockLlm;
let dir: string;
let service: Awaited<ReturnType<typeof loopbackServer>>;
beforeAll(async () => {
  mock = await startMockLlm();
  dir = mkdtempSync(join(tmpdir(), 'agentcrate-net-cli-'));
  writeFileSync(join(dir, 'fetcher.yaml'), WORKFLOW);
  service = await loopbackServer((_req, res) => res.end('inventory: 42 widgets'));
});
afterAll(async () => {
  await mock.close();
  await service.close();
  rmSync(dir, { recursive: true, force: true });
});

const env = () => ({
  ...CLEAN_ENV,
  AGENTCRATE_LLM_PROVIDER: 'openai-compatible',
  AGENTCRATE_LLM_BASE_URL: mock.url,
  AGENTCRATE_LLM_MODEL: 'mock-1',
});

function toolResultSent(): string {
  const chats = mock.chatRequests();
  const tool = chats[chats.length - 1]!.body.messages!.find((m) => m.role === 'tool');
  return JSON.stringify(tool?.content);
}

describe('agentcrate run and the outbound guard', () => {
  it('refuses a loopback service by default, reaches it with --allow-private-network', async () => {
    const script = () =>
      mock.script([
        { toolCalls: [{ name: 'http_client', args: { url: `${service.url}/stock` } }] },
        { json: { summary: 'checked' } },
      ]);
    script();
    const refused = await runCli(['run', join(dir, 'fetcher.yaml'), '--json'], { env: env() });
    expect(refused.code).toBe(0);
    expect(toolResultSent()).toMatch(/loopback address: refused by the outbound guard/);
    expect(service.requests).toHaveLength(0);

    mock.reset();
    script();
    const allowed = await runCli(['run', join(dir, 'fetcher.yaml'), '--json', '--allow-private-network'], {
      env: env(),
    });
    expect(allowed.code).toBe(0);
    expect(toolResultSent()).toContain('inventory: 42 widgets');
    expect(service.requests).toHaveLength(1);
  });
});
