import { existsSync, mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CLEAN_ENV, ROOT, runCli } from '../support/cli.js';

const example = join(ROOT, 'examples/research-brief.yaml');
const dir = mkdtempSync(join(tmpdir(), 'agentcrate-run-'));

describe('agentcrate run', () => {
  it('the README demo: dry run of the example with no key, progress per node, outputs on stdout', async () => {
    const r = await runCli(['run', example, '--dry-run', '-i', 'topic=AI'], { env: CLEAN_ENV });
    expect(r.code).toBe(0);
    for (const node of ['plan', 'research', 'outline', 'write', 'review'])
      expect(r.stderr).toContain(`✓ ${node}`);
    expect(r.stderr).toMatch(/dry run/);
    const outputs = JSON.parse(r.stdout);
    expect(outputs.topic).toBe('AI');
    expect(outputs.findings).toHaveLength(outputs.questions.length);
    expect(outputs.brief).toMatchObject({ title: expect.any(String), key_points: expect.any(Array) });
  });

  it('--events streams every engine event as NDJSON on stderr', async () => {
    const r = await runCli(['run', example, '--dry-run', '--json', '--events', '-i', 'topic=AI'], {
      env: CLEAN_ENV,
    });
    expect(r.code).toBe(0);
    const events = r.stderr
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l));
    expect(events[0].type).toBe('run-start');
    expect(events.at(-1).type).toBe('run-end');
    expect(events.filter((e) => e.type === 'node-start').map((e) => e.nodeId)).toEqual(
      expect.arrayContaining(['plan', 'research', 'outline', 'write', 'review']),
    );
    const json = JSON.parse(r.stdout);
    expect(Object.keys(json).sort()).toEqual([
      'dry_run',
      'duration_ms',
      'error',
      'outputs',
      'run_id',
      'status',
      'usage',
    ]);
  });

  it('bad inputs exit 2 listing every problem', async () => {
    const r = await runCli(['run', example, '--dry-run', '-i', 'topik=AI', '-i', 'questions=notalist'], {
      env: CLEAN_ENV,
    });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/topik/);
    expect(r.stderr).toMatch(/questions/);
    expect(r.stderr).toMatch(/'topic' is required/);
  });

  it('--input-file reads a JSON object; a malformed one is a clear error', async () => {
    const good = join(dir, 'in.json');
    writeFileSync(good, JSON.stringify({ topic: 'tides', audience: 'kids' }));
    const ok = await runCli(['run', example, '--dry-run', '--json', '--input-file', good], {
      env: CLEAN_ENV,
    });
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.stdout).outputs.audience).toBe('kids');
    const bad = join(dir, 'bad.json');
    writeFileSync(bad, '{"topic": ');
    const r = await runCli(['run', example, '--dry-run', '--input-file', bad], { env: CLEAN_ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/bad\.json' is not valid JSON/);
  });

  it('without a key and without --dry-run, says which variable to set before calling anything', async () => {
    const r = await runCli(['run', example, '-i', 'topic=AI'], { env: CLEAN_ENV });
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/GOOGLE_API_KEY/);
    expect(r.stderr).toMatch(/--dry-run/);
  });

  it('an invalid workflow exits 2 with compiler-style diagnostics', async () => {
    const path = join(dir, 'broken.yaml');
    writeFileSync(path, 'schema_version: "1.0"\nflow: {name: x}\n');
    const r = await runCli(['run', path, '--dry-run'], { env: CLEAN_ENV });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/broken\.yaml:\d+:\d+ error/);
  });
});

describe('agentcrate run --json: exactly one object on stdout, whatever happens', () => {
  const one = (stdout: string) => {
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    return JSON.parse(lines[0]!) as {
      status: string;
      error: { code: string; message: string; details: Record<string, unknown> };
    };
  };

  it('for a malformed -i, an unreadable or invalid --input-file, and bad input values (exit 2)', async () => {
    const broken = join(dir, 'broken-input.json');
    writeFileSync(broken, '{"topic": ');
    const cases: Array<[string[], string]> = [
      [['-i', 'topic'], 'E_USAGE'],
      [['--input-file', join(dir, 'missing.json')], 'E_IO'],
      [['--input-file', broken], 'E_INVALID_INPUT'],
      [['-i', 'topik=AI'], 'E_INVALID_INPUT'],
    ];
    for (const [args, code] of cases) {
      const r = await runCli(['run', example, '--dry-run', '--json', '--no-store', ...args], {
        env: CLEAN_ENV,
      });
      expect(r.code, r.stderr).toBe(2);
      expect(one(r.stdout)).toMatchObject({ status: 'failed', error: { code } });
    }
  });

  it('for an invalid workflow, with its diagnostics in the error details (exit 2)', async () => {
    const path = join(dir, 'invalid.yaml');
    writeFileSync(path, 'schema_version: "1.0"\nflow: {name: x}\n');
    const r = await runCli(['run', path, '--dry-run', '--json', '--no-store'], { env: CLEAN_ENV });
    expect(r.code).toBe(2);
    const body = one(r.stdout);
    expect(body.error.code).toBe('E_INVALID_WORKFLOW');
    expect(body.error.details.diagnostics).toEqual(
      expect.arrayContaining([expect.objectContaining({ severity: 'error' })]),
    );
  });

  it('for a command line that does not parse: --provider bogus, an unknown option, a bad value, no file (exit 2)', async () => {
    const cases: Array<[string[], RegExp]> = [
      [[example, '--provider', 'bogus'], /--provider expects one of .*got 'bogus'/],
      [[example, '--bogus-flag'], /unknown option '--bogus-flag'/],
      [[example, '--timeout', 'soon'], /--timeout expects a number/],
      [[], /missing required argument 'file'/],
    ];
    for (const [args, message] of cases) {
      const r = await runCli(['run', '--json', ...args], { env: CLEAN_ENV });
      expect(r.code, r.stderr).toBe(2);
      const body = one(r.stdout);
      expect(body).toMatchObject({ status: 'failed', error: { code: 'E_USAGE' } });
      expect(body.error.message).toMatch(message);
      // A person still reads it on stderr.
      expect(r.stderr).toMatch(message);
    }
    // Without --json, stdout stays empty.
    expect((await runCli(['run', example, '--provider', 'bogus'], { env: CLEAN_ENV })).stdout).toBe('');
  });

  it('an unknown provider from the environment is an invalid workflow, exit 2 like --provider bogus', async () => {
    const r = await runCli(['run', example, '--json', '--no-store', '-i', 'topic=AI'], {
      env: { ...CLEAN_ENV, AGENTCRATE_LLM_PROVIDER: 'bogus' },
    });
    expect(r.code).toBe(2);
    expect(one(r.stdout).error.code).toBe('E_INVALID_WORKFLOW');
  });
});

describe('agentcrate run records the run in the job store', () => {
  it('a plain run is listed by traces, its span tree shown, and counted by report costs', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'agentcrate-run-store-'));
    const r = await runCli(['run', example, '--dry-run', '-i', 'topic=AI'], { env: CLEAN_ENV, cwd });
    expect(r.code, r.stderr).toBe(0);
    const id = /recorded: agentcrate traces (\S+)/.exec(r.stderr)?.[1];
    expect(id, r.stderr).toBeDefined();
    expect(existsSync(join(cwd, 'agentcrate.db'))).toBe(true);
    const list = await runCli(['traces'], { cwd });
    expect(list.code, list.stderr).toBe(0);
    expect(list.stdout).toMatch(new RegExp(`${id}\\s+research_brief\\s+success`));
    const tree = await runCli(['traces', id!], { cwd });
    expect(tree.stdout).toMatch(/node plan/);
    const costs = await runCli(['report', 'costs', '--json'], { cwd });
    expect(costs.code, costs.stderr).toBe(0);
    expect(JSON.parse(costs.stdout)).toMatchObject({ runs: 1, total: { calls: 6 } });
    // Yesterday's window does not hold today's run.
    const yesterday = await runCli(['report', 'costs', '--period', 'yesterday', '--json'], { cwd });
    expect(JSON.parse(yesterday.stdout)).toMatchObject({ runs: 0 });
    const both = await runCli(['report', 'costs', '--period', 'today', '--since', '1d'], { cwd });
    expect(both.code).toBe(2);
    expect(both.stderr).toMatch(/give one of them/);
  });

  it('--no-store writes nothing; --store and AGENTCRATE_STORE choose the file', async () => {
    const cwd = mkdtempSync(join(tmpdir(), 'agentcrate-run-nostore-'));
    const none = await runCli(['run', example, '--dry-run', '--no-store', '-i', 'topic=AI'], {
      env: CLEAN_ENV,
      cwd,
    });
    expect(none.code).toBe(0);
    expect(none.stderr).not.toMatch(/recorded:/);
    expect(existsSync(join(cwd, 'agentcrate.db'))).toBe(false);
    const traces = await runCli(['traces'], { cwd });
    expect(traces.code).toBe(2);
    expect(traces.stderr).toMatch(/no job store at .*agentcrate run/);
    const chosen = await runCli(['run', example, '--dry-run', '--store', 'runs/a.db', '-i', 'topic=AI'], {
      env: CLEAN_ENV,
      cwd,
    });
    expect(chosen.stderr).toMatch(/recorded: agentcrate traces \S+ --store runs\/a\.db/);
    expect(existsSync(join(cwd, 'runs/a.db'))).toBe(true);
    const fromEnv = await runCli(['run', example, '--dry-run', '-i', 'topic=AI'], {
      env: { ...CLEAN_ENV, AGENTCRATE_STORE: join(cwd, 'env.db') },
      cwd,
    });
    expect(fromEnv.code).toBe(0);
    expect(existsSync(join(cwd, 'env.db'))).toBe(true);
    expect((await runCli(['traces'], { cwd, env: { AGENTCRATE_STORE: join(cwd, 'env.db') } })).code).toBe(0);
  });

  it('an unwritable store costs a warning, never the run', async () => {
    const r = await runCli(
      ['run', example, '--dry-run', '--store', '/proc/agentcrate.db', '-i', 'topic=AI'],
      {
        env: CLEAN_ENV,
      },
    );
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toMatch(/warning: the run is not recorded/);
    expect(JSON.parse(r.stdout).topic).toBe('AI');
  });

  it('--enable-profiling (configurable-agents) prints the span tree like --trace', async () => {
    const r = await runCli(
      ['run', example, '--dry-run', '--no-store', '--enable-profiling', '-i', 'topic=AI'],
      {
        env: CLEAN_ENV,
      },
    );
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/run research_brief/);
    expect(r.stderr).toMatch(/├─ node plan/);
  });
});
