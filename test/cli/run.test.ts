import { mkdtempSync, writeFileSync } from 'node:fs';
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
