import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'agentcrate-validate-'));
function file(name: string, text: string): string {
  const path = join(dir, name);
  writeFileSync(path, text);
  return path;
}

const good = `schema_version: "1.0"
flow: {name: hello}
state:
  fields:
    topic: {type: str, required: true}
    summary: {type: str, default: ""}
nodes:
  - id: summarize
    prompt: "Summarize {topic}"
    outputs: [summary]
    output_schema: {type: str}
edges:
  - {from: START, to: summarize}
  - {from: summarize, to: END}
`;

describe('agentcrate validate', () => {
  it('exits 0 on a valid file and says so', async () => {
    const r = await runCli(['validate', file('good.yaml', good)]);
    expect(r.code).toBe(0);
    expect(r.stderr).toMatch(/✓ .*good\.yaml is valid: 'hello', 1 node/);
  });

  it('reports compiler-style errors with file:line:column and a suggestion, exit 1', async () => {
    const bad = good
      .replace('{from: summarize, to: END}', '{from: summarize, to: sumarize_x}')
      .replace('- {from: START, to: summarize}', '- {from: START, to: sumarize}');
    const r = await runCli(['validate', file('bad.yaml', bad)]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(
      /bad\.yaml:13:23 error edges\[0\]\.to: unknown node 'sumarize'.*did you mean 'summarize'\?/,
    );
    expect(r.stderr).toMatch(/✗ .*bad\.yaml: \d+ errors?/);
    expect(r.stderr).not.toMatch(/\bat .*\.js:\d+/); // no stack trace
  });

  it('prints causes before the graph problems they leave, even when the cause sits lower in the file', async () => {
    const two = good
      .replace(
        '    summary: {type: str, default: ""}',
        '    summary: {type: str, default: ""}\n    extra: {type: str, default: ""}',
      )
      .replace(
        '    output_schema: {type: str}\n',
        '    output_schema: {type: str}\n  - id: polish\n    prompt: "Polish {summary}"\n    outputs: [extra]\n    output_schema: {type: str}\n',
      )
      .replace('- {from: summarize, to: END}', '- {from: sumarize, to: END}\n  - {from: polish, to: END}');
    const r = await runCli(['validate', file('order.yaml', two)]);
    expect(r.code).toBe(1);
    const lines = r.stderr.split('\n').filter((l) => / error /.test(l));
    expect(lines.map((l) => / error ([^:]+):/.exec(l)?.[1])).toEqual(['edges[1].from', 'nodes[1].id']);
    expect(lines[0]).toMatch(/unknown node 'sumarize' — did you mean 'summarize'\?/);
    expect(lines[1]).toMatch(/node 'polish' is never reached from START/);
  });

  it('prints a machine-readable report with --json', async () => {
    const r = await runCli([
      'validate',
      '--json',
      file('good2.yaml', good),
      file('bad2.yaml', good.replace('outputs: [summary]', 'outputs: [sumary]')),
    ]);
    expect(r.code).toBe(1);
    const report = JSON.parse(r.stdout);
    expect(report.valid).toBe(false);
    expect(report.files).toHaveLength(2);
    expect(report.files[0].valid).toBe(true);
    expect(report.files[1].errors[0]).toMatchObject({
      severity: 'error',
      path: 'nodes[0].outputs[0]',
      suggestion: 'summary',
    });
    expect(report.files[1].errors[0].line).toBe(10);
  });

  it('treats warnings as errors with --strict', async () => {
    const warned = file('warn.yaml', good.replace('flow: {name: hello}', 'flow: {name: hello, nmae: x}'));
    expect((await runCli(['validate', warned])).code).toBe(0);
    const strict = await runCli(['validate', '--strict', warned]);
    expect(strict.code).toBe(1);
    expect(strict.stderr).toMatch(/flow\.nmae/);
  });

  it('exits 2 on a missing file or a wrong extension', async () => {
    const missing = await runCli(['validate', join(dir, 'nope.yaml')]);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/nope\.yaml/);
    const txt = await runCli(['validate', file('flow.txt', good)]);
    expect(txt.code).toBe(2);
    expect(txt.stderr).toMatch(/\.txt/);
  });

  it('never colours output when NO_COLOR is set or output is not a TTY', async () => {
    const r = await runCli(['validate', file('bad3.yaml', 'schema_version: "2.0"\n')], {
      env: { NO_COLOR: '1' },
    });
    expect(r.stderr).not.toContain('\u001b[');
  });
});

describe('agentcrate basics', () => {
  it('--version prints the package version', async () => {
    const r = await runCli(['--version']);
    expect(r.code).toBe(0);
    expect(r.stdout.trim()).toMatch(/^\d+\.\d+\.\d+$/);
  });

  it('--help lists the commands', async () => {
    const r = await runCli(['--help']);
    expect(r.code).toBe(0);
    for (const cmd of ['validate', 'run', 'schema']) expect(r.stdout).toContain(cmd);
  });

  it('an unknown command is a usage error (exit 2) with a suggestion', async () => {
    const r = await runCli(['valdate', 'x.yaml']);
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/validate/);
  });

  it('schema prints a JSON Schema that names the top-level keys', async () => {
    const r = await runCli(['schema']);
    expect(r.code).toBe(0);
    const schema = JSON.parse(r.stdout);
    expect(schema.properties).toHaveProperty('schema_version');
    expect(schema.properties).toHaveProperty('nodes');
  });
});
