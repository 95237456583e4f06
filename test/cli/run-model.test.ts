/**
 * `agentcrate run` against a real OpenAI-compatible server on loopback (the mock model): every
 * node's call goes to --base-url with --model, the one --json object carries the outputs and
 * the tokens, and the recorded trace shows the calls. A model that refuses makes a failed run:
 * exit 1, still one object, recorded as failed.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { CLEAN_ENV, ROOT, runCli } from '../support/cli.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';

const example = join(ROOT, 'examples/research-brief.yaml');
const dir = mkdtempSync(join(tmpdir(), 'agentcrate-run-model-'));
let mock: MockLlm;

beforeAll(async () => {
  mock = await startMockLlm();
});
afterAll(async () => {
  await mock.close();
});
beforeEach(() => mock.reset());

const through = (store: string) => [
  '--provider',
  'openai-compatible',
  '--base-url',
  mock.url,
  '--model',
  'mock-brief-1',
  '--store',
  store,
];

interface RunJson {
  run_id: string | null;
  status: string;
  outputs: Record<string, unknown> | null;
  error: { code: string; message: string } | null;
  usage: { input_tokens: number; output_tokens: number };
}

describe('agentcrate run through a model server', () => {
  it('sends every node to --base-url with --model; --json has the outputs and the tokens; traces shows the calls', async () => {
    const store = join(dir, 'ok.db');
    const r = await runCli(['run', example, '--json', '-i', 'topic=tides', ...through(store)], {
      env: CLEAN_ENV,
    });
    expect(r.code, r.stderr).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    const body = JSON.parse(lines[0]!) as RunJson;
    expect(body.status).toBe('success');
    expect(body.error).toBeNull();
    expect(body.outputs).toMatchObject({ topic: 'tides' });
    const calls = mock.chatRequests();
    expect(calls.length).toBeGreaterThanOrEqual(4);
    expect(new Set(calls.map((c) => c.body.model))).toEqual(new Set(['mock-brief-1']));
    expect(body.usage.input_tokens).toBeGreaterThan(0);
    expect(body.usage.output_tokens).toBeGreaterThan(0);

    const trace = await runCli(['traces', body.run_id!, '--json', '--store', store]);
    expect(trace.code, trace.stderr).toBe(0);
    const spans = (JSON.parse(trace.stdout) as { spans: Array<{ name: string }> }).spans;
    expect(spans.filter((s) => /chat|model|llm/i.test(s.name)).length).toBe(calls.length);
    const list = await runCli(['traces', '--json', '--limit', '1', '--store', store]);
    expect((JSON.parse(list.stdout) as Array<{ jobId?: string; job_id?: string }>).length).toBe(1);
  });

  it('a model that refuses: exit 1, one failed object naming the error, recorded as failed, no stack trace', async () => {
    for (let i = 0; i < 20; i++) mock.enqueue({ status: 400 });
    const store = join(dir, 'refused.db');
    const r = await runCli(['run', example, '--json', '-i', 'topic=tides', ...through(store)], {
      env: CLEAN_ENV,
    });
    expect(r.code, r.stderr).toBe(1);
    const body = JSON.parse(r.stdout.trim()) as RunJson;
    expect(body.status).toBe('failed');
    expect(body.error?.code).toMatch(/^E_MODEL/);
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const list = await runCli(['traces', '--store', store]);
    expect(list.stdout).toMatch(new RegExp(`${body.run_id}\\s+research_brief\\s+failed`));
    const missing = await runCli(['traces', 'no-such-run', '--store', store]);
    expect(missing.code).toBe(1);
    expect(missing.stderr).toMatch(/no trace for 'no-such-run'/);
  });
});
