/**
 * A gateway configured with OpenAI-compatible upstreams only never loads the SDKs of the other
 * providers (Anthropic, Bedrock, Google, Ollama, OpenAI's own), nor the AI SDK core or
 * OpenTelemetry: they are loaded by the first request to an upstream that needs them. Judged
 * from the modules the gateway process actually resolved (a resolve hook preloaded into the
 * container entry, dist/gateway/entry.js), after it served a request — not from its memory.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';
import { type MockLlm, startMockLlm } from '../support/mock-llm.js';
import { freePort } from './helpers.js';

const ENTRY = join(ROOT, 'dist/gateway/entry.js');
let dir: string;
let mock: MockLlm;

/** Records every module URL the process resolves, written to $LOADED_MODULES_FILE at exit. */
const HOOK = `
import { registerHooks } from 'node:module';
import { writeFileSync } from 'node:fs';
const seen = new Set();
registerHooks({
  resolve(specifier, context, next) {
    const result = next(specifier, context);
    seen.add(result.url);
    return result;
  },
});
process.on('exit', () => writeFileSync(process.env.LOADED_MODULES_FILE, [...seen].join('\\n')));
`;

const OTHER_PROVIDERS: Record<string, RegExp> = {
  anthropic: /node_modules\/@ai-sdk\/anthropic\//,
  bedrock: /node_modules\/@ai-sdk\/amazon-bedrock\//,
  google: /node_modules\/@ai-sdk\/google\//,
  ollama: /node_modules\/ollama-ai-provider-v2\//,
  openai: /node_modules\/@ai-sdk\/openai\//,
  'the AI SDK core': /node_modules\/ai\//,
  opentelemetry: /node_modules\/@opentelemetry\//,
};

/** Starts the entry with `yaml`, sends one chat request per model, stops it; the resolved URLs. */
async function loadedModules(name: string, yaml: string, models: string[]): Promise<string[]> {
  const config = join(dir, `${name}.yaml`);
  const list = join(dir, `${name}.modules`);
  const hook = join(dir, 'hook.mjs');
  writeFileSync(config, yaml);
  writeFileSync(hook, HOOK);
  const port = await freePort();
  const child: ChildProcess = spawn(process.execPath, ['--import', pathToFileURL(hook).href, ENTRY], {
    env: {
      PATH: process.env.PATH,
      GATEWAY_PORT: String(port),
      GATEWAY_HOST: '127.0.0.1',
      GATEWAY_CONFIG: config,
      GATEWAY_KEYS_DB: join(dir, `${name}.db`),
      GATEWAY_CLAUDE_API_KEY: 'sk-ant-lazy-test-0123456789',
      LOADED_MODULES_FILE: list,
    },
  });
  let out = '';
  child.stdout?.on('data', (d) => (out += d));
  child.stderr?.on('data', (d) => (out += d));
  try {
    const deadline = Date.now() + 20_000;
    while (!out.includes('agentcrate gateway serving') && Date.now() < deadline) {
      if (child.exitCode !== null) break;
      await new Promise((r) => setTimeout(r, 50));
    }
    expect(out).toContain('agentcrate gateway serving');
    for (const model of models) {
      const answer = await fetch(`http://127.0.0.1:${port}/v1/chat/completions`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ model, messages: [{ role: 'user', content: 'hi' }] }),
      });
      await answer.text();
      if (model === 'fast') expect(answer.status).toBe(200);
    }
    const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)));
    child.kill('SIGTERM');
    expect(await exited).toBe(0);
  } finally {
    if (child.exitCode === null) child.kill('SIGKILL');
  }
  expect(existsSync(list), out).toBe(true);
  return readFileSync(list, 'utf8').split('\n');
}

beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'agentcrate-gw-lazy-'));
  mock = await startMockLlm();
});
afterAll(async () => {
  await mock?.close();
  rmSync(dir, { recursive: true, force: true });
});

describe('the gateway loads a provider SDK only for an upstream that needs it', () => {
  it('an OpenAI-compatible-only configuration loads no other provider SDK, even after serving', async () => {
    const loaded = await loadedModules(
      'compatible',
      `upstreams:\n  local: {provider: openai-compatible, base_url: ${mock.url}}\nroutes:\n  fast: {targets: [local/m]}\nkeys: {require: never}\n`,
      ['fast'],
    );
    // The hook saw the modules the proxy path needs (so an empty list cannot pass).
    expect(loaded.some((url) => /node_modules\/undici\//.test(url))).toBe(true);
    expect(loaded.some((url) => url.endsWith('/dist/gateway/upstream/proxy.js'))).toBe(true);
    for (const [what, pattern] of Object.entries(OTHER_PROVIDERS)) {
      expect(
        loaded.filter((url) => pattern.test(url)),
        `${what} was loaded`,
      ).toEqual([]);
    }
  }, 30_000);

  it('an Anthropic upstream loads its SDK at its first request, and still not the others', async () => {
    const loaded = await loadedModules(
      'mixed',
      [
        'upstreams:',
        `  local: {provider: openai-compatible, base_url: ${mock.url}}`,
        // Any loopback URL: the SDK is loaded before the request (which the mock answers 404).
        `  claude: {provider: anthropic, base_url: ${mock.url}}`,
        'routes:',
        '  fast: {targets: [local/m]}',
        '  smart: {targets: [claude/claude-test]}',
        'keys: {require: never}',
        '',
      ].join('\n'),
      ['fast', 'smart'],
    );
    expect(loaded.some((url) => OTHER_PROVIDERS.anthropic!.test(url))).toBe(true);
    for (const what of ['bedrock', 'google', 'ollama', 'openai']) {
      expect(loaded.filter((url) => OTHER_PROVIDERS[what]!.test(url))).toEqual([]);
    }
  }, 30_000);
});
