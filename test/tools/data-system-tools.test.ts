import { describe, expect, it } from 'vitest';
import type { AgentcrateError } from '../../src/errors.js';
import { createToolRegistry } from '../../src/tools/index.js';
import type { ToolContext } from '../../src/tools/types.js';
import { makeCtx } from './helpers.js';

const tools = createToolRegistry();
const run = (name: string, args: unknown, ctx: ToolContext = makeCtx()) => tools.get(name)!.run(args, ctx);
const failure = (promise: Promise<unknown>) =>
  promise.then(
    () => {
      throw new Error('expected the tool to fail');
    },
    (e: unknown) => e as AgentcrateError,
  );

describe('json_parse / yaml_parse', () => {
  it('parses JSON, picks a dotted path and pretty-prints', async () => {
    expect(await run('json_parse', { text: '{"a":{"b":[1,{"c":"x"}]}}' })).toEqual({
      value: { a: { b: [1, { c: 'x' }] } },
    });
    expect(await run('json_read', { text: '{"a":{"b":[1,{"c":"x"}]}}', path: 'a.b.1.c' })).toEqual({
      value: 'x',
    });
    expect(await run('json_write', { text: '[1,2]', pretty: true })).toEqual({
      value: [1, 2],
      json: '[\n  1,\n  2\n]',
    });
  });

  it('reports invalid JSON and a missing path', async () => {
    const bad = await failure(run('json_parse', { text: '{oops' }));
    expect(bad.code).toBe('E_TOOL');
    expect(bad.message).toContain('invalid JSON');
    expect((await failure(run('json_parse', { text: '{"a":1}', path: 'a.b' }))).message).toContain("no 'b'");
  });

  it('parses YAML and refuses an alias bomb', async () => {
    expect(await run('yaml_parse', { text: 'name: Ada\ntags: [a, b]\n', path: 'tags' })).toEqual({
      value: ['a', 'b'],
    });
    const lines = ['a: &a [x, x, x, x, x, x, x, x, x]'];
    for (let i = 1; i < 9; i++) {
      lines.push(
        `${String.fromCharCode(97 + i)}: &${String.fromCharCode(97 + i)} [${Array(9)
          .fill(`*${String.fromCharCode(96 + i)}`)
          .join(', ')}]`,
      );
    }
    const bomb = await failure(run('yaml_parse', { text: lines.join('\n') }));
    expect(bomb.message).toContain('invalid YAML');
    expect((await failure(run('yaml_parse', { text: 'a: [' }))).message).toContain('invalid YAML');
  });
});

describe('env_vars', () => {
  const env = {
    PYTHONPATH: '/src',
    PYTHON_VERSION: '3.12',
    PYTHON_API_KEY: 'sk-1',
    MY_Secret_thing: 's',
    DB_PASSWORD: 'p',
    GITHUB_TOKEN: 't',
    HOME: '/home/u',
  };

  it('lists matching variables and hides secret-looking names, saying so', async () => {
    const result = (await run('env_vars', { pattern: 'PYTHON*' }, makeCtx({ env }))) as Record<
      string,
      unknown
    >;
    expect(result.variables).toEqual({ PYTHONPATH: '/src', PYTHON_VERSION: '3.12' });
    expect(result.hidden).toBe(1);
    expect(String(result.note)).toContain('hidden');
    expect(JSON.stringify(result)).not.toContain('sk-1');
  });

  it('lists everything non-secret by default, case-insensitively hiding', async () => {
    const result = (await run('env_vars', {}, makeCtx({ env }))) as {
      variables: Record<string, string>;
      hidden: number;
    };
    expect(Object.keys(result.variables).sort()).toEqual(['HOME', 'PYTHONPATH', 'PYTHON_VERSION']);
    expect(result.hidden).toBe(4);
    expect(await run('env_vars', { pattern: 'HOM?' }, makeCtx({ env }))).toMatchObject({
      variables: { HOME: '/home/u' },
    });
    expect(await run('env_vars', { pattern: 'NOTHING' }, makeCtx({ env }))).toEqual({
      pattern: 'NOTHING',
      variables: {},
      count: 0,
    });
  });

  it('masks URL passwords and the values of secret variables inside the values it shows', async () => {
    const result = (await run(
      'env_vars',
      { pattern: 'DB_*' },
      makeCtx({
        env: {
          DB_URL: 'postgres://app:hunter2-pw@db.internal:5432/shop',
          DB_HOST: 'db.internal',
          DB_PASSWORD: 'correct-horse-battery',
          DB_DSN: 'host=db.internal password-file=none pw=correct-horse-battery',
        },
      }),
    )) as { variables: Record<string, string>; hidden: number };
    expect(result.variables).toEqual({
      DB_URL: 'postgres://app:[REDACTED]@db.internal:5432/shop',
      DB_HOST: 'db.internal',
      DB_DSN: 'host=db.internal password-file=none pw=[REDACTED]',
    });
    expect(result.hidden).toBe(1);
    expect(JSON.stringify(result)).not.toMatch(/hunter2|correct-horse/);
  });
});
