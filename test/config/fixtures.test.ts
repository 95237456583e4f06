import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadWorkflowFile } from '../../src/config/index.js';

/** The configurable-agents examples live beside the repository, in ../shared. */
const dir = fileURLToPath(new URL('../../../shared/fixtures/configurable-agents/', import.meta.url));
const present = existsSync(`${dir}expectations.json`);

interface Expectation {
  valid: boolean;
  warnings?: boolean;
  error_mentions?: string[];
}

const expectations: Record<string, Expectation> = present
  ? (JSON.parse(readFileSync(`${dir}expectations.json`, 'utf8')) as { files: Record<string, Expectation> })
      .files
  : {};

const title = present
  ? 'configurable-agents fixtures'
  : `configurable-agents fixtures (skipped: ${dir} is absent)`;

describe.skipIf(!present)(title, () => {
  it('has expectations to check', () => {
    expect(Object.keys(expectations).length).toBeGreaterThan(5);
  });

  for (const [name, exp] of Object.entries(expectations)) {
    it(`${name} ${exp.valid ? 'loads' : 'fails'} as expected`, async () => {
      const r = await loadWorkflowFile(`${dir}${name}`);
      const errors = r.diagnostics.filter((d) => d.severity === 'error');
      if (exp.valid) {
        expect(errors, JSON.stringify(errors, null, 1)).toEqual([]);
        expect(r.workflow).toBeDefined();
        if (exp.warnings === true) expect(r.diagnostics.some((d) => d.severity === 'warning')).toBe(true);
      } else {
        expect(r.workflow).toBeUndefined();
        expect(errors.length).toBeGreaterThan(0);
        const text = errors.map((d) => `${d.path} ${d.message} line ${d.line}`).join('\n');
        for (const word of exp.error_mentions ?? []) expect(text).toContain(word);
        for (const d of errors) expect(d.line, d.message).toBeGreaterThan(0);
      }
    });
  }

  // `validate --strict` in a CI script must pass the files configurable-agents itself accepts
  // without remarks (a node's display `name`, every key of its config schema).
  for (const [name, exp] of Object.entries(expectations)) {
    if (!exp.valid || exp.warnings === true) continue;
    it(`${name} passes --strict (no warning to turn into an error)`, async () => {
      const r = await loadWorkflowFile(`${dir}${name}`, { strict: true });
      expect(r.diagnostics, JSON.stringify(r.diagnostics, null, 1)).toEqual([]);
      expect(r.workflow).toBeDefined();
    });
  }

  it("tools_example keeps each node's display name beside its id", async () => {
    const r = await loadWorkflowFile(`${dir}tools_example.yaml`);
    expect(r.workflow?.nodes.slice(0, 2).map((n) => [n.id, n.name])).toEqual([
      ['search_web', 'Search the Web'],
      ['scrape_content', 'Scrape Web Content'],
    ]);
  });

  it('sandbox_example reads its code nodes, sandbox blocks and the warnings they earn', async () => {
    const r = await loadWorkflowFile(`${dir}sandbox_example.yaml`);
    const code = r.workflow?.nodes.filter((n) => n.code !== undefined).map((n) => [n.id, n.code?.sandbox]);
    expect(code).toEqual([
      ['sum_numbers', { mode: 'python', enabled: true, network: false, preset: 'low', timeout: 10 }],
      ['double_sum', { mode: 'python', enabled: true, network: false, preset: 'medium' }],
      ['filter_format', { mode: 'python', enabled: true, network: true, preset: 'medium' }],
    ]);
    expect(r.diagnostics.filter((d) => d.code === 'sandbox-no-network').map((d) => d.path)).toEqual([
      'nodes[2].sandbox.network',
    ]);
    expect(r.workflow?.config.execution.timeoutSeconds).toBe(300);
    expect(r.workflow?.config.observability.mlflow).toEqual({ enabled: false });
  });

  it('missing_output_schema.yaml names the node and the key', async () => {
    const r = await loadWorkflowFile(`${dir}missing_output_schema.yaml`);
    expect(r.diagnostics).toMatchObject([
      { code: 'missing-output-schema', path: 'nodes[0].output_schema', line: 17 },
    ]);
  });

  it('nested_state.yaml carries the object schema into state and output', async () => {
    const r = await loadWorkflowFile(`${dir}nested_state.yaml`);
    const profile = r.workflow?.state.find((f) => f.name === 'profile');
    expect(profile?.type).toMatchObject({
      kind: 'object',
      fields: [
        { name: 'bio' },
        { name: 'personality_traits' },
        { name: 'recommended_topics' },
        { name: 'engagement_score' },
      ],
    });
  });
});
