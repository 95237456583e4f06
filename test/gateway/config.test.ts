/** The gateway configuration: compiler-style diagnostics, inheritance, keys from the environment, the published schema. */
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { loadGatewayConfig, loadGatewayConfigFile } from '../../src/gateway/config/load.js';
import { configFromEnvironment } from '../../src/gateway/config/resolve.js';
import { gatewaySchemaJson } from '../../src/gateway/config/schema.js';
import { configFrom } from './helpers.js';

const lines = (yaml: string, env: Record<string, string> = {}) =>
  loadGatewayConfig(yaml, env, 'gateway.yaml').diagnostics.map(
    (d) => `${d.line}:${d.column} ${d.severity} ${d.path}: ${d.message}`,
  );

describe('gateway config: diagnostics', () => {
  it('says why a file cannot be read (E_IO), as the workflow loader does', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentcrate-gw-config-'));
    for (const [path, why] of [
      [join(dir, 'missing.yaml'), 'no such file'],
      [dir, 'it is a directory'],
    ] as const) {
      await expect(loadGatewayConfigFile(path, {})).rejects.toMatchObject({
        code: 'E_IO',
        message: `cannot read gateway config ${path}: ${why}`,
      });
    }
  });

  it('reports every schema problem at once with line, column and did-you-mean', () => {
    expect(
      lines(`upstreams:
  local:
    provider: openai-compatibel
    base_url: http://127.0.0.1:9/v1
    timeouts: {first_tokn_ms: 5}
routes:
  fast:
    targets:
      - {upstream: local, model: m, wieght: 2}
      - nonsense
  smart:
    targets: []
retries: {attempts: 0}
`),
    ).toEqual([
      "3:15 error upstreams.local.provider: text 'openai-compatibel' is not one of openai, openai-compatible, anthropic, google, bedrock, ollama — did you mean 'openai-compatible'?",
      "5:16 error upstreams.local.timeouts.first_tokn_ms: unknown key 'first_tokn_ms' — did you mean 'first_token_ms'?",
      "9:37 error routes.fast.targets[0].wieght: unknown key 'wieght' — did you mean 'weight'?",
      "10:9 error routes.fast.targets[1]: write a target as 'upstream/model' or as {upstream: NAME, model: MODEL}",
      '12:14 error routes.smart.targets: must be at least 1 item, got an empty list',
      '13:21 error retries.attempts: must be at least 1, got the number 0',
    ]);
  });

  it('checks what the schema cannot: targets name upstreams, URLs, keys, listed models', () => {
    expect(
      lines(`upstreams:
  local: {provider: openai-compatible, models: [m1]}
  claude: {provider: anthropic}
routes:
  fast: {targets: [locl/m1, local/m2, claude/claude-sonnet-4-5]}
`),
    ).toEqual([
      "2:10 error upstreams.local: upstream 'local' (openai-compatible) needs base_url, e.g. http://127.0.0.1:8080/v1",
      "3:11 warning upstreams.claude: upstream 'claude' has no key: set GATEWAY_CLAUDE_API_KEY or GATEWAY_ANTHROPIC_API_KEY or ANTHROPIC_API_KEY in the gateway's environment (calls to it fail over to other targets until then)",
      "5:20 error routes.fast.targets[0]: unknown upstream 'locl' — did you mean 'local'?",
      "5:29 warning routes.fast.targets[1]: upstream 'local' does not list model 'm2' — did you mean 'm1'?",
    ]);
  });

  it('reports a YAML syntax error where it is', () => {
    const [first] = lines('upstreams:\n  a: {provider: openai\n');
    expect(first).toMatch(/^\d+:\d+ error : /);
  });

  it('warns about hosted models the cost table cannot price (their calls would not count against budgets)', () => {
    const out = lines(
      `upstreams:
  oai: {provider: openai}
  local: {provider: openai-compatible, base_url: http://127.0.0.1:1/v1}
routes:
  fast: {targets: [oai/gpt-4o-mini, oai/gtp-5, local/my-own-model]}
prices:
  openai/gpt-9: {input: 1, output: 2}
`,
      { OPENAI_API_KEY: 'k' },
    );
    expect(out).toEqual([expect.stringContaining('no price for openai/gtp-5')]);
  });
});

describe('gateway config: resolution', () => {
  it('inherits timeouts and breaker settings: built-in < top level < upstream; routes override per route', () => {
    const config = configFrom(`upstreams:
  a: {provider: openai-compatible, base_url: http://127.0.0.1:1/v1/, timeouts: {idle_ms: 7}}
  b: {provider: openai-compatible, base_url: http://127.0.0.1:2/v1, breaker: {failures: 2}}
routes:
  r: {targets: [a/x, {upstream: b, model: y, weight: 3}], timeouts: {first_token_ms: 9}, retries: {attempts: 4}}
timeouts: {first_token_ms: 1000, total_ms: 5000}
breaker: {cooldown_ms: 50}
`);
    const a = config.upstreams.get('a')!;
    expect(a.baseURL).toBe('http://127.0.0.1:1/v1');
    expect(a.timeouts).toEqual({ connectMs: 5000, firstTokenMs: 1000, idleMs: 7, totalMs: 5000 });
    expect(config.upstreams.get('b')!.breaker).toEqual({ failures: 2, cooldownMs: 50 });
    const route = config.routes.get('r')!;
    expect(route.timeouts).toEqual({ firstTokenMs: 9 });
    expect(route.retries.attempts).toBe(4);
    expect(route.targets).toEqual([
      { upstream: 'a', model: 'x' },
      { upstream: 'b', model: 'y', weight: 3 },
    ]);
  });

  it('takes keys from the environment only, in order: api_key_env, GATEWAY_<NAME>_, GATEWAY_<PROVIDER>_, the usual variable', () => {
    const yaml = `upstreams:
  eu: {provider: anthropic}
  own: {provider: anthropic, api_key_env: MY_KEY}
`;
    const pick = (env: Record<string, string>) => configFrom(yaml, env).upstreams.get('eu')!.apiKey;
    expect(pick({ ANTHROPIC_API_KEY: 'usual' })).toBe('usual');
    expect(pick({ ANTHROPIC_API_KEY: 'usual', GATEWAY_ANTHROPIC_API_KEY: 'provider' })).toBe('provider');
    expect(pick({ GATEWAY_ANTHROPIC_API_KEY: 'provider', GATEWAY_EU_API_KEY: 'own' })).toBe('own');
    const own = configFrom(yaml, { MY_KEY: 'mine', GATEWAY_OWN_API_KEY: 'ignored' }).upstreams.get('own')!;
    expect(own.apiKey).toBe('mine');
    // The SDK provider reads its usual variable: the found key is put there for it.
    expect(own.env.ANTHROPIC_API_KEY).toBe('mine');
  });

  it('without a file, builds one upstream per provider whose key is set', () => {
    const config = configFromEnvironment({ GATEWAY_OPENAI_API_KEY: 'k1', ANTHROPIC_API_KEY: 'k2' });
    expect([...config.upstreams.keys()]).toEqual(['openai', 'anthropic']);
    expect(config.upstreams.get('openai')!.baseURL).toBe('https://api.openai.com/v1');
    expect(config.routes.size).toBe(0);
  });
});

describe('schema/gateway.schema.json', () => {
  it('is the schema `agentcrate gateway schema` prints (regenerate: npx agentcrate gateway schema > schema/gateway.schema.json)', () => {
    const committed = JSON.parse(
      readFileSync(new URL('../../schema/gateway.schema.json', import.meta.url), 'utf8'),
    );
    expect(committed).toEqual(gatewaySchemaJson());
  });
});
