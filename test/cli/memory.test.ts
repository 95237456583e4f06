/**
 * memory_example.yaml run twice for real — through the CLI, then through `serve` — against
 * the project's loopback mock model: the second run sees what the first wrote (its greeting
 * prompt carries the first run's summary, its run count is 2), `agentcrate memory` shows and
 * deletes entries, and the server's /memory routes do the same behind the API key.
 */
import { spawn } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { BIN, CLEAN_ENV, ROOT, runCli } from '../support/cli.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';

const EXAMPLE = join(ROOT, 'examples/memory_example.yaml');
const dir = mkdtempSync(join(tmpdir(), 'agentcrate-memory-'));
let mock: MockLlm;
beforeAll(async () => {
  mock = await startMockLlm();
});
afterAll(async () => mock?.close());

const env = () => ({
  ...CLEAN_ENV,
  AGENTCRATE_LLM_PROVIDER: 'openai-compatible',
  AGENTCRATE_LLM_BASE_URL: mock.url,
  AGENTCRATE_LLM_MODEL: 'mock-1',
});

/** The text of the last user message of each chat request since `from`. */
function prompts(from: number): string[] {
  return mock
    .chatRequests()
    .slice(from)
    .map((r) => JSON.stringify(r.body?.messages?.at(-1)?.content ?? ''));
}

describe('memory across runs', () => {
  it('through the CLI: the second run sees the first, and `agentcrate memory` shows and removes it', async () => {
    const store = join(dir, 'cli.db');
    const before = mock.chatRequests().length;
    const first = await runCli(
      ['run', EXAMPLE, '--json', '--store', store, '-i', 'user_message=Hi, I am Ada'],
      {
        env: env(),
      },
    );
    expect(first.code, first.stderr).toBe(0);
    expect(JSON.parse(first.stdout).outputs.run_count).toBe(1);
    const between = mock.chatRequests().length;
    expect(prompts(before)[0]).toContain('Previous context from memory: \\n');

    const second = await runCli(
      ['run', EXAMPLE, '--json', '--events', '--store', store, '-i', 'user_message=Again'],
      {
        env: env(),
      },
    );
    expect(second.code, second.stderr).toBe(0);
    expect(JSON.parse(second.stdout).outputs.run_count).toBe(2);
    expect(prompts(between)[0]).toContain('Previous context from memory: mock updated_context');
    const writes = second.stderr
      .split('\n')
      .filter((l) => l.startsWith('{'))
      .map((l) => JSON.parse(l))
      .filter((e) => e.type === 'memory-write');
    expect(writes.map((w) => [w.namespace, w.value])).toEqual([
      ['memory_example:memory_example:*:runs', 2],
      ['memory_example:memory_example:*:conversation_history', 'mock updated_context'],
    ]);

    const list = await runCli(['memory', 'list', '--store', store, '--json'], { env: CLEAN_ENV });
    expect(list.code).toBe(0);
    expect(
      JSON.parse(list.stdout).map((e: { namespace: string; value: unknown }) => [e.namespace, e.value]),
    ).toEqual([
      ['memory_example:memory_example:*:conversation_history', 'mock updated_context'],
      ['memory_example:memory_example:*:runs', 2],
    ]);
    const get = await runCli(['memory', 'get', 'memory_example:memory_example:*:runs', '--store', store], {
      env: CLEAN_ENV,
    });
    expect(get).toMatchObject({ code: 0, stdout: '2\n' });
    const rm = await runCli(['memory', 'rm', 'memory_example:memory_example:*:runs', '--store', store], {
      env: CLEAN_ENV,
    });
    expect(rm.code).toBe(0);
    const gone = await runCli(['memory', 'get', 'memory_example:memory_example:*:runs', '--store', store], {
      env: CLEAN_ENV,
    });
    expect(gone.code).toBe(1);
    expect(gone.stderr).toContain("no memory entry 'memory_example:memory_example:*:runs'");
    const all = await runCli(['memory', 'rm', '--agent', 'memory_example', '--store', store], {
      env: CLEAN_ENV,
    });
    expect(all).toMatchObject({ code: 0, stderr: expect.stringContaining('deleted 1 entry') });
    const usage = await runCli(['memory', 'rm', '--store', store], { env: CLEAN_ENV });
    expect(usage.code).toBe(2);
  }, 240_000);

  it('through serve: runs share the store memory; /memory lists, reads and deletes behind the API key', async () => {
    const store = join(dir, 'serve.db');
    const processEnv: Record<string, string | undefined> = {
      ...process.env,
      ...env(),
      AGENTCRATE_API_KEYS: 'test-key-1',
      NO_COLOR: '1',
    };
    for (const k of Object.keys(processEnv)) if (processEnv[k] === undefined) delete processEnv[k];
    const child = spawn(process.execPath, ['--', BIN, 'serve', EXAMPLE, '--port', '0', '--store', store], {
      cwd: ROOT,
      env: processEnv as NodeJS.ProcessEnv,
    });
    let stderr = '';
    const base = await new Promise<string>((resolve, reject) => {
      child.stderr.on('data', (d) => {
        stderr += d;
        const m = /serving '.*' at (http:\/\/\S+)/.exec(stderr);
        if (m) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`serve exited ${code}: ${stderr}`)));
    });
    const exited = new Promise<number>((resolve) => child.on('exit', (code) => resolve(code ?? -1)));
    try {
      const auth = { authorization: 'Bearer test-key-1' };
      const run = async () => {
        const res = await fetch(`${base}/run?timeout=120`, {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...auth },
          body: JSON.stringify({ user_message: 'hello' }),
        });
        expect(res.status).toBe(200);
        return (await res.json()) as { outputs: { run_count: number } };
      };
      expect((await run()).outputs.run_count).toBe(1);
      expect((await run()).outputs.run_count).toBe(2);

      expect((await fetch(`${base}/memory`)).status).toBe(401);
      const list = (await (await fetch(`${base}/memory?agent=memory_example`, { headers: auth })).json()) as {
        entries: Array<{ namespace: string; value: unknown; job_id: string }>;
      };
      expect(list.entries.map((e) => [e.namespace, e.value])).toEqual([
        ['memory_example:memory_example:*:conversation_history', 'mock updated_context'],
        ['memory_example:memory_example:*:runs', 2],
      ]);
      const ns = encodeURIComponent('memory_example:memory_example:*:runs');
      expect(await (await fetch(`${base}/memory/${ns}`, { headers: auth })).json()).toMatchObject({
        key: 'runs',
        value: 2,
        workflow: 'memory_example',
        node: '*',
      });
      expect((await fetch(`${base}/memory/${ns}`, { method: 'DELETE', headers: auth })).status).toBe(200);
      expect((await fetch(`${base}/memory/${ns}`, { headers: auth })).status).toBe(404);
      expect((await fetch(`${base}/memory`, { method: 'DELETE', headers: auth })).status).toBe(400);
      const cleared = await fetch(`${base}/memory?prefix=conversation`, { method: 'DELETE', headers: auth });
      expect(await cleared.json()).toEqual({ deleted: 1 });
      // a run after the reset starts counting again
      expect((await run()).outputs.run_count).toBe(1);
    } finally {
      child.kill('SIGINT');
      await exited;
    }
  }, 240_000);
});
