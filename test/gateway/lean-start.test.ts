/**
 * What the lean container entry's start is made of: the configuration handed from the reader's
 * child process as plain JSON (src/gateway/config/plain.ts) comes back as the same
 * configuration, and the start's log lines (src/gateway/lean/start-log.ts) are the lines the
 * gateway's pino log writes for the same call.
 */
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { fromPlainConfig, toPlainConfig } from '../../src/gateway/config/plain.js';
import { startLogger } from '../../src/gateway/lean/start-log.js';
import { createGatewayLogger, type GatewayLogger } from '../../src/gateway/ops/log.js';
import { configFrom } from './helpers.js';

const YAML = `upstreams:
  local: {provider: openai-compatible, base_url: http://127.0.0.1:9/v1, headers: {x-team: a}}
  claude: {provider: anthropic, api_key_env: TEAM_ANTHROPIC_KEY}
routes:
  fast: {targets: [local/m1, {upstream: claude, model: claude-3-5-haiku, weight: 2}], retries: {attempts: 3}}
keys: {require: never}
prices: {m1: {input: 1, output: 2}}
`;

describe('the configuration as plain JSON', () => {
  it('comes back as the configuration the reader resolved, environment included', () => {
    const env = { PATH: '/bin', TEAM_ANTHROPIC_KEY: 'sk-ant-team-0123456789', ANTHROPIC_API_KEY: 'other' };
    const config = configFrom(YAML, env);
    const text = JSON.stringify(toPlainConfig(config, env));
    const back = fromPlainConfig(JSON.parse(text), env);
    expect(back).toEqual(config);
    expect([...back.routes.keys()]).toEqual(['fast']);
    // The SDK upstream reads its key from the provider's variable: only that difference travels.
    expect(back.upstreams.get('claude')?.env.ANTHROPIC_API_KEY).toBe('sk-ant-team-0123456789');
    expect(back.upstreams.get('local')?.env).toBe(env);
    expect(text).not.toContain('/bin');
  });

  it('carries a variable the upstream does not have as unset', () => {
    const env = { PATH: '/bin', GONE: 'x' };
    const config = configFrom(YAML, env);
    const { GONE: _gone, ...without } = env;
    config.upstreams.get('local')!.env = without;
    expect(fromPlainConfig(JSON.parse(JSON.stringify(toPlainConfig(config, env))), env)).toEqual(config);
  });
});

describe('the start log', () => {
  const pinoLines = (level: string, call: (l: GatewayLogger) => void) => {
    const lines: string[] = [];
    const destination = new Writable({
      write(chunk, _enc, done) {
        lines.push(String(chunk));
        done();
      },
    });
    call(createGatewayLogger({ level, env: {}, secrets: ['sk-upstream-secret-0123'], destination }));
    return lines;
  };
  const startLines = (level: string, call: (l: GatewayLogger) => void) => {
    const lines: string[] = [];
    call(startLogger({ level, env: {}, secrets: ['sk-upstream-secret-0123'], write: (l) => lines.push(l) }));
    return lines;
  };
  const withoutTime = (line: string) => {
    const { time, ...rest } = JSON.parse(line);
    expect(time).toEqual(expect.any(Number));
    return rest;
  };

  it("writes pino's line for the same call, secrets scrubbed, below the level nothing", () => {
    const call = (l: GatewayLogger) => {
      l.info({ url: 'http://127.0.0.1:8585', upstreams: [{ name: 'a', available: true }] }, 'serving');
      l.warn({ path: 'routes.fast', line: 3 }, 'a warning');
      l.error({ err: 'key sk-upstream-secret-0123 refused' }, 'could not start');
      l.info({}, 'no fields');
    };
    for (const level of ['info', 'warn']) {
      const fromPino = pinoLines(level, call);
      const fromStart = startLines(level, call);
      expect(fromStart.map(withoutTime)).toEqual(fromPino.map(withoutTime));
      expect(fromStart.length).toBe(level === 'info' ? 4 : 2);
      expect(fromStart.join('')).not.toContain('sk-upstream-secret');
      for (const line of fromStart) expect(line.endsWith('}\n')).toBe(true);
    }
  });
});
