/**
 * The configurable-agents fixtures, run as a user would (`agentcrate run --json`) with the
 * whole-run override pointed at the project's loopback mock model: valid files produce the
 * typed outputs expectations.json lists; files that need search keys stop before any model
 * call naming the variable.
 */
import { existsSync, readFileSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { checkValue, formatType, loadWorkflowFile } from '../../src/config/index.js';
import { CLEAN_ENV, runCli } from '../support/cli.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';

const DIR = new URL('../../../shared/fixtures/configurable-agents/', import.meta.url).pathname;
const present = existsSync(`${DIR}expectations.json`);
if (!present) console.warn(`fixtures absent at ${DIR}: the configurable-agents run tests are skipped`);

interface Expectation {
  valid: boolean;
  inputs?: Record<string, unknown>;
  outputs?: Record<string, string>;
  needs?: string;
}
const expectations: Record<string, Expectation> = present
  ? JSON.parse(readFileSync(`${DIR}expectations.json`, 'utf8')).files
  : {};

let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm();
});
afterAll(async () => mock?.close());

function env(extra: Record<string, string> = {}) {
  return {
    ...CLEAN_ENV,
    AGENTCRATE_LLM_PROVIDER: 'openai-compatible',
    AGENTCRATE_LLM_BASE_URL: mock.url,
    AGENTCRATE_LLM_MODEL: 'mock-1',
    ...extra,
  };
}

const strip = (s: string) => s.replace(/\s+/g, '');

describe.skipIf(!present)('configurable-agents fixtures run against the mock model', () => {
  const runnable = Object.entries(expectations).filter(([, e]) => e.valid && e.outputs && !e.needs);
  it.each(runnable)('%s runs to typed outputs', async (name, e) => {
    const workflow = (await loadWorkflowFile(`${DIR}${name}`)).workflow!;
    const inputs = Object.entries(e.inputs ?? {}).map(([k, v]) => [
      '-i',
      `${k}=${typeof v === 'string' ? v : JSON.stringify(v)}`,
    ]);
    const before = mock.chatRequests().length;
    const r = await runCli(['run', `${DIR}${name}`, '--json', ...inputs.flat()], { env: env() });
    expect(r.stderr).toBe('');
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe('success');
    expect(mock.chatRequests().length - before).toBe(workflow.nodes.length);
    for (const [field, type] of Object.entries(e.outputs!)) {
      const def = workflow.state.find((f) => f.name === field)!;
      expect(strip(formatType(def.type))).toBe(strip(type));
      expect(checkValue(def.type, out.outputs[field], field)).toEqual([]);
    }
    expect(out.usage.input_tokens).toBeGreaterThan(0);
  });

  it('article_writer without SERPER_API_KEY stops before any model call, naming it', async () => {
    const before = mock.chatRequests().length;
    const r = await runCli(['run', `${DIR}article_writer.yaml`, '-i', 'topic=tidal energy'], { env: env() });
    expect(r.code).toBe(1);
    expect(r.stderr).toContain('SERPER_API_KEY');
    expect(mock.chatRequests().length).toBe(before);
  });

  it('article_writer with a key runs its real tool loop against a loopback search API', async () => {
    const searches: string[] = [];
    const serper = createServer((req, res) => {
      let body = '';
      req.on('data', (d) => (body += d));
      req.on('end', () => {
        searches.push(`${req.headers['x-api-key']} ${body}`);
        res.setHeader('content-type', 'application/json');
        res.end(
          JSON.stringify({
            organic: [
              { title: 'Tidal power', link: 'https://example.org/tidal', snippet: 'Tides turn turbines.' },
            ],
          }),
        );
      });
    });
    await new Promise<void>((resolve) => serper.listen(0, '127.0.0.1', resolve));
    const port = (serper.address() as AddressInfo).port;
    mock.reset();
    mock.script([{ toolCalls: [{ name: 'serper_search', args: { query: 'tidal energy' } }] }]);
    try {
      const r = await runCli(['run', `${DIR}article_writer.yaml`, '--json', '-i', 'topic=tidal energy'], {
        env: env({ SERPER_API_KEY: 'serper-test-key', SERPER_BASE_URL: `http://127.0.0.1:${port}` }),
      });
      expect(r.code).toBe(0);
      const out = JSON.parse(r.stdout);
      expect(out.status).toBe('success');
      expect(typeof out.outputs.article).toBe('string');
      expect(Number.isInteger(out.outputs.word_count)).toBe(true);
      expect(searches).toHaveLength(1);
      expect(searches[0]).toContain('serper-test-key');
      // The tool result went back to the model in the next request of the research node.
      const chats = mock.chatRequests();
      const toolMessage = chats[1]!.body.messages!.find((m) => m.role === 'tool');
      expect(JSON.stringify(toolMessage?.content)).toContain('Tides turn turbines');
    } finally {
      serper.close();
    }
  });

  it('tools_example names both search keys before the run', async () => {
    const before = mock.chatRequests().length;
    const r = await runCli(
      ['run', `${DIR}tools_example.yaml`, '-i', 'topic=x', '-i', 'output_file=out.txt'],
      { env: env() },
    );
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/SERPER_API_KEY or TAVILY_API_KEY/);
    expect(mock.chatRequests().length).toBe(before);
  });

  it('sandbox_example runs its code nodes in the python sandbox and the LLM node on the model', async () => {
    const before = mock.chatRequests().length;
    const r = await runCli(
      ['run', `${DIR}sandbox_example.yaml`, '--json', '--events', '-i', 'input_numbers=[1,2,5]'],
      { env: env() },
    );
    expect(r.code, r.stderr).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out.status).toBe('success');
    expect(out.outputs).toMatchObject({
      sum_result: 8,
      doubled_result: 16,
      filtered_result: 'Filtered 1 items > 3: [5]',
    });
    expect(typeof out.outputs.analysis).toBe('string');
    // one model call (the analysis); the three code nodes ran in the sandbox, each traced
    expect(mock.chatRequests().length - before).toBe(1);
    const events = r.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l));
    const calls = events.filter((e) => e.type === 'code-call');
    expect(calls.map((e) => [e.nodeId, e.mode, e.ok])).toEqual([
      ['sum_numbers', 'python', true],
      ['double_sum', 'python', true],
      ['filter_format', 'python', true],
    ]);
    expect(calls[0].limits).toMatchObject({ timeoutMs: 10_000, memoryBytes: 256 * 1024 * 1024 });
  }, 120_000);

  it('echo.yaml runs in dry-run mode with no key and no network', async () => {
    const before = mock.chatRequests().length;
    const r = await runCli(['run', `${DIR}echo.yaml`, '--dry-run', '--json', '-i', 'message=hi'], {
      env: { ...CLEAN_ENV },
    });
    expect(r.code).toBe(0);
    const out = JSON.parse(r.stdout);
    expect(out).toMatchObject({ status: 'success', dry_run: true });
    expect(typeof out.outputs.result).toBe('string');
    expect(mock.chatRequests().length).toBe(before);
  });
});
