import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AgentcrateError } from '../../src/errors.js';
import { createToolRegistry } from '../../src/tools/index.js';
import type { ToolContext } from '../../src/tools/types.js';
import { makeCtx, tempDir } from './helpers.js';

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

describe('shell', () => {
  let root: string;
  let cleanup: () => Promise<void>;
  const basePath = process.env.PATH;
  beforeAll(async () => {
    ({ dir: root, cleanup } = await tempDir());
    await writeFile(path.join(root, 'a.txt'), 'A');
  });
  afterAll(async () => cleanup());
  const ctx = (config: Record<string, unknown> = {}, env: Record<string, string | undefined> = {}) =>
    makeCtx({ cwd: root, allowedPaths: [root], config, env: { PATH: basePath, ...env } });

  it('is refused without an allow-list', async () => {
    const error = await failure(run('shell', { command: 'echo hi' }, ctx()));
    expect(error.code).toBe('E_TOOL_DENIED');
    expect(error.message).toContain('ALLOWED_COMMANDS');
  });

  it('runs an allowed command (config list or ALLOWED_COMMANDS) in the working directory', async () => {
    expect(
      await run('shell', { command: 'echo', args: ['hello', 'world'] }, ctx({ allowed_commands: ['echo'] })),
    ).toMatchObject({
      exit_code: 0,
      stdout: 'hello world\n',
    });
    expect(await run('shell', { command: 'ls' }, ctx({}, { ALLOWED_COMMANDS: 'echo, ls' }))).toMatchObject({
      stdout: 'a.txt\n',
    });
  });

  it('refuses a command not in the list, and a path that only shares the basename', async () => {
    const error = await failure(
      run('shell', { command: 'rm', args: ['a.txt'] }, ctx({ allowed_commands: 'echo,ls' })),
    );
    expect(error.code).toBe('E_TOOL_DENIED');
    expect(error.message).toContain("'rm'");
    const fake = await failure(
      run('shell', { command: '/tmp/somewhere/echo' }, ctx({ allowed_commands: ['echo'] })),
    );
    expect(fake.code).toBe('E_TOOL_DENIED');
  });

  it('does not interpret shell metacharacters', async () => {
    const result = (await run(
      'shell',
      { command: 'echo hi; rm a.txt && echo $(whoami) | cat > pwned *' },
      ctx({ allowed_commands: ['echo'] }),
    )) as { stdout: string };
    expect(result.stdout).toBe('hi; rm a.txt && echo $(whoami) | cat > pwned *\n');
    const listing = (await run('shell', { command: 'ls' }, ctx({ allowed_commands: ['ls'] }))) as {
      stdout: string;
    };
    expect(listing.stdout).toBe('a.txt\n');
  });

  it('does not pass secrets in the environment to the command', async () => {
    const result = (await run(
      'shell',
      { command: 'env' },
      ctx({ allowed_commands: ['env'] }, { OPENAI_API_KEY: 'sk-x' }),
    )) as {
      stdout: string;
    };
    expect(result.stdout).toContain('PATH=');
    expect(result.stdout).not.toContain('sk-x');
  });

  it('reports a non-zero exit, a timeout and a cwd outside the allowed paths', async () => {
    expect(
      await run('shell', { command: 'ls', args: ['no-such-file'] }, ctx({ allowed_commands: ['ls'] })),
    ).toMatchObject({
      exit_code: 2,
    });
    const slow = await failure(
      run(
        'shell',
        { command: 'sleep', args: ['5'] },
        ctx({ allowed_commands: ['sleep'], timeout_seconds: 0.3 }),
      ),
    );
    expect(slow.message).toMatch(/longer than 0.3s/);
    const away = await failure(run('shell', { command: 'ls', cwd: '/' }, ctx({ allowed_commands: ['ls'] })));
    expect(away.code).toBe('E_TOOL_DENIED');
  });

  it('caps output', async () => {
    const result = (await run(
      'shell',
      { command: 'seq', args: ['1', '100000'] },
      ctx({ allowed_commands: ['seq'], max_output_chars: 1000 }),
    )) as { stdout: string; truncated?: boolean };
    expect(result.stdout.length).toBeLessThan(1100);
  });
});
