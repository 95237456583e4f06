/**
 * The command line as the CLI reads it, once, into declared types: flags, versions, usage
 * errors (exit 2), values from the environment, and what `--help` says.
 */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLEAN_ENV, ROOT, runCli } from '../support/cli.js';

const pkg = (await import('../../package.json', { with: { type: 'json' } })).default as { version: string };
const example = join(ROOT, 'examples/research-brief.yaml');
const dir = mkdtempSync(join(tmpdir(), 'agentcrate-options-'));
const bad = join(dir, 'bad.yaml');
writeFileSync(bad, 'schema_version: "1.0"\nflow: {name: x}\n');

describe('versions and global flags', () => {
  it('-V and --version print the version; -v is verbose, not the version', async () => {
    for (const flag of ['-V', '--version']) {
      const r = await runCli([flag]);
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe(pkg.version);
    }
    // configurable-agents users type -v for verbose: an invalid file must still fail.
    const verbose = await runCli(['validate', bad, '-v']);
    expect(verbose.code).toBe(1);
    expect(verbose.stdout).not.toContain(pkg.version);
    expect((await runCli(['-v', 'validate', example])).code).toBe(0);
    expect((await runCli(['validate', example, '--verbose'])).stderr).toMatch(/5 nodes, \d+ edges/);
  });

  it('unknown options and commands are usage errors (exit 2) with a suggestion', async () => {
    const option = await runCli(['validate', example, '--stirct']);
    expect(option.code).toBe(2);
    expect(option.stderr).toMatch(/unknown option '--stirct'/);
    expect(option.stderr).toMatch(/--strict/);
    const command = await runCli(['valdate', example]);
    expect(command.code).toBe(2);
    expect(command.stderr).toMatch(/unknown command 'valdate'/);
    expect(command.stderr).toMatch(/validate/);
    const extra = await runCli(['schema', 'extra']);
    expect(extra.code).toBe(2);
  });
});

describe('typed option values', () => {
  it('a value that does not fit its kind names the flag and what it expects (exit 2)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [['serve', example, '--port', 'abc'], /--port expects a whole number from 0 to 65535, got 'abc'/],
      [['serve', example, '--max-concurrent-runs', '0'], /--max-concurrent-runs expects a whole number ≥ 1/],
      [['run', example, '--timeout', '0'], /--timeout expects a number > 0, got '0'/],
      [['run', example, '--provider', 'bogus'], /--provider expects one of google, openai/],
      [['traces', '--limit', '5000'], /--limit expects a whole number from 1 to 1000/],
      [['report', 'costs', '--by', 'colour'], /--by expects one of model, node, workflow/],
      [['report', 'costs', '--period', 'fortnight'], /--period expects one of today, yesterday/],
      [['report', 'costs', '--since', 'a while'], /--since expects a duration like 7d/],
      [['logs', 'x', '--tail', '-1'], /--tail expects a whole number ≥ 0/],
      [['deploy', example, '--port', '0', '--generate'], /--port expects a whole number from 1 to 65535/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(args, { env: CLEAN_ENV, cwd: dir });
      expect(r.code, `${args.join(' ')}: ${r.stderr}`).toBe(2);
      expect(r.stderr).toMatch(message);
    }
  });

  it('serve reads a setting from its variable when the flag is absent, and names a bad one', async () => {
    const r = await runCli(['serve', example, '--dry-run', '--port', '0', '--store', ':memory:'], {
      env: { ...CLEAN_ENV, AGENTCRATE_TIMEOUT: 'soon' },
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/AGENTCRATE_TIMEOUT expects a number ≥ 0, got 'soon'/);
  });

  it('help lists each option with its default and the variable that sets it', async () => {
    const serve = await runCli(['serve', '--help']);
    expect(serve.code).toBe(0);
    for (const text of [
      '--timeout <seconds>',
      '(default: 30)',
      'AGENTCRATE_TIMEOUT',
      '--log-level',
      '--no-traces',
    ]) {
      expect(serve.stdout).toContain(text);
    }
    // The container's HOST/PORT are not read by the CLI, so help does not offer them.
    expect(serve.stdout).not.toMatch(/\[env (HOST|PORT)\]/);
    // Environment-only settings (secrets) have no flag.
    expect(serve.stdout).not.toMatch(/--api-keys/);
    const run = await runCli(['run', '--help']);
    for (const text of ['-i, --input <key=value>', '--enable-profiling', '--store <path>', '--json']) {
      expect(run.stdout).toContain(text);
    }
  });
});
