import { describe, expect, it } from 'vitest';
import { SERVER_SETTINGS, serveOptionsFrom } from '../../src/server/settings.js';
import {
  defineSettings,
  envListing,
  type Kind,
  parseRaw,
  readSettings,
  type Source,
} from '../../src/settings/index.js';

const at: Source = { name: '--x', cwd: '/work' };

describe('kinds', () => {
  it('numbers: range, whole numbers and an exclusive minimum, with the expectation in the message', () => {
    const port: Kind = { type: 'number', integer: true, min: 0, max: 65535, description: '' };
    expect(parseRaw(port, '8080', at)).toBe(8080);
    expect(() => parseRaw(port, '8080.5', at)).toThrow(
      "--x expects a whole number from 0 to 65535, got '8080.5'",
    );
    expect(() => parseRaw(port, '70000', at)).toThrow(/from 0 to 65535/);
    expect(() => parseRaw(port, '', at)).toThrow(/got ''/);
    expect(() => parseRaw(port, 'abc', at)).toThrow(/got 'abc'/);
    const timeout: Kind = { type: 'number', min: 0, minExclusive: true, description: '' };
    expect(parseRaw(timeout, '0.5', at)).toBe(0.5);
    expect(() => parseRaw(timeout, '0', at)).toThrow('--x expects a number > 0');
    expect(parseRaw({ type: 'number', min: 0, description: '' }, '0', at)).toBe(0);
  });

  it('booleans take the usual spellings and refuse anything else', () => {
    const flag: Kind = { type: 'boolean', description: '' };
    for (const yes of ['1', 'true', 'YES', ' on ']) expect(parseRaw(flag, yes, at)).toBe(true);
    for (const no of ['0', 'false', 'No', 'off']) expect(parseRaw(flag, no, at)).toBe(false);
    expect(() => parseRaw(flag, 'maybe', at)).toThrow(/true or false/);
  });

  it('enums, lists, durations and paths', () => {
    expect(parseRaw({ type: 'enum', choices: ['a', 'b'], description: '' }, 'b', at)).toBe('b');
    expect(() => parseRaw({ type: 'enum', choices: ['a', 'b'], description: '' }, 'c', at)).toThrow(
      "--x expects one of a, b, got 'c'",
    );
    expect(parseRaw({ type: 'list', description: '' }, ' k1 , k2 ,,', at)).toEqual(['k1', 'k2']);
    const duration: Kind = { type: 'duration', description: '' };
    expect(parseRaw(duration, '7d', at)).toBe(7 * 86_400_000);
    expect(parseRaw(duration, '24h', at)).toBe(86_400_000);
    expect(parseRaw(duration, '30m', at)).toBe(1_800_000);
    expect(parseRaw(duration, '90s', at)).toBe(90_000);
    expect(() => parseRaw(duration, 'week', at)).toThrow(/a duration like 7d, 24h, 30m or 90s/);
    const path: Kind = { type: 'path', description: '' };
    expect(parseRaw(path, 'data/jobs.db', at)).toBe('/work/data/jobs.db');
    expect(parseRaw(path, '/abs/jobs.db', at)).toBe('/abs/jobs.db');
    expect(parseRaw(path, ':memory:', at)).toBe(':memory:');
  });
});

describe('settings tables', () => {
  const table = defineSettings({
    timeoutSeconds: {
      type: 'number',
      min: 0,
      default: 30,
      flag: 'timeout',
      env: 'T_TIMEOUT',
      description: 'wait',
    },
    host: { type: 'string', default: '127.0.0.1', env: 'HOST', envInCli: false, description: 'bind' },
    keys: { type: 'list', flag: false, env: 'T_KEYS', secret: true, description: 'keys' },
    verbose: { type: 'boolean', env: 'T_VERBOSE', description: 'talk' },
    name: { type: 'string', description: 'no default' },
  });

  it('the command line wins over the environment, which wins over the default', () => {
    const env = { T_TIMEOUT: '5', HOST: '0.0.0.0', T_KEYS: 'a,b', T_VERBOSE: 'yes' };
    expect(readSettings(table, { env: {}, cwd: '/' })).toEqual({
      timeoutSeconds: 30,
      host: '127.0.0.1',
      keys: [],
      verbose: false,
      name: undefined,
    });
    expect(readSettings(table, { env, cwd: '/' })).toMatchObject({
      timeoutSeconds: 5,
      host: '0.0.0.0',
      keys: ['a', 'b'],
    });
    expect(readSettings(table, { env, cwd: '/', given: { timeoutSeconds: 9 } }).timeoutSeconds).toBe(9);
    // An empty variable is unset, not an error.
    expect(readSettings(table, { env: { T_TIMEOUT: '  ' }, cwd: '/' }).timeoutSeconds).toBe(30);
  });

  it('the CLI ignores the variables marked for the container only', () => {
    expect(readSettings(table, { env: { HOST: '0.0.0.0' }, cwd: '/', cli: true }).host).toBe('127.0.0.1');
  });

  it('a bad variable is a usage error that names it', () => {
    expect(() => readSettings(table, { env: { T_TIMEOUT: 'soon' }, cwd: '/' })).toThrow(
      "T_TIMEOUT expects a number ≥ 0, got 'soon'",
    );
    expect(() => readSettings(table, { env: { T_VERBOSE: 'perhaps' }, cwd: '/' })).toThrow(
      /T_VERBOSE expects/,
    );
  });

  it('refuses a table in which two settings share a flag or a variable', () => {
    expect(() =>
      defineSettings({
        a: { type: 'string', env: 'SAME', description: '' },
        b: { type: 'string', env: 'SAME', description: '' },
      }),
    ).toThrow("settings 'a' and 'b' both use SAME");
    expect(() =>
      defineSettings({
        maxRuns: { type: 'string', description: '' },
        other: { type: 'string', flag: 'max-runs', description: '' },
      }),
    ).toThrow(/both use max-runs/);
  });

  it('lists the variables an operator may set, secrets without their default', () => {
    expect(envListing(table)).toEqual([
      { name: 'T_TIMEOUT', required: false, secret: false, description: 'Wait', defaultValue: '30' },
      { name: 'HOST', required: false, secret: false, description: 'Bind', defaultValue: '127.0.0.1' },
      { name: 'T_KEYS', required: false, secret: true, description: 'Keys' },
      { name: 'T_VERBOSE', required: false, secret: false, description: 'Talk', defaultValue: 'false' },
    ]);
  });

  it("the server's table reads a container's environment into startServer's units", () => {
    const s = readSettings(SERVER_SETTINGS, {
      env: {
        PORT: '9000',
        AGENTCRATE_SHUTDOWN_GRACE: '3',
        AGENTCRATE_TRACES: 'false',
        AGENTCRATE_API_KEYS: 'k1, k2',
        AGENTCRATE_LOG_LEVEL: 'warn',
      },
      cwd: '/data',
    });
    expect(s).toMatchObject({
      port: 9000,
      shutdownGraceSeconds: 3,
      traces: false,
      apiKeys: ['k1', 'k2'],
      logLevel: 'warn',
      timeoutSeconds: 30,
    });
    // No store named: ./agentcrate.db, or DATABASE_URL when it is a PostgreSQL URL; a named one wins.
    expect(serveOptionsFrom(s).storePath).toBeUndefined();
    const url = 'postgres://u:p@db:5432/jobs';
    const withUrl = readSettings(SERVER_SETTINGS, { env: { DATABASE_URL: url }, cwd: '/data' });
    expect(serveOptionsFrom(withUrl).storePath).toBe(url);
    const named = readSettings(SERVER_SETTINGS, {
      env: { DATABASE_URL: url, AGENTCRATE_STORE: 'jobs.db' },
      cwd: '/data',
    });
    expect(serveOptionsFrom(named).storePath).toBe('/data/jobs.db');
    const asStore = readSettings(SERVER_SETTINGS, { env: { AGENTCRATE_STORE: ` ${url}` }, cwd: '/data' });
    expect(serveOptionsFrom(asStore).storePath).toBe(url);
    expect(
      serveOptionsFrom(readSettings(SERVER_SETTINGS, { env: { DATABASE_URL: 'mysql://x/y' }, cwd: '/' }))
        .storePath,
    ).toBeUndefined();
    expect(() => readSettings(SERVER_SETTINGS, { env: { AGENTCRATE_LOG_LEVEL: 'loud' }, cwd: '/' })).toThrow(
      /AGENTCRATE_LOG_LEVEL expects one of fatal, error, warn, info, debug, trace, silent/,
    );
  });
});
