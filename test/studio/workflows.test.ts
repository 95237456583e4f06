import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CHAIN, type Fixture, studioFixture } from './helpers.js';

let f: Fixture;
beforeEach(async () => {
  f = await studioFixture({
    files: { 'chain.yaml': CHAIN, 'broken.yaml': 'schema_version: "1.0"\nflow: [' },
  });
});
afterEach(() => f.close());

describe('studio workflows', () => {
  it('lists the folder’s workflows with their validity', async () => {
    const body = (await (await f.request('/api/workflows')).json()) as {
      workflows: Array<{ name: string; valid: boolean; flowName: string | null; errors: number }>;
    };
    expect(body.workflows.map((w) => [w.name, w.valid, w.flowName])).toEqual([
      ['broken.yaml', false, null],
      ['chain.yaml', true, 'chain'],
    ]);
    expect(body.workflows[0]!.errors).toBeGreaterThan(0);
  });

  it('validates with the CLI’s validator: a misspelt node id is an error at its line', async () => {
    const misspelt = CHAIN.replace('{from: draft, to: polish}', '{from: draft, to: polsh}');
    const body = (await (
      await f.request('/api/validate', { json: { name: 'chain.yaml', text: misspelt } })
    ).json()) as {
      valid: boolean;
      diagnostics: Array<{ line: number; column: number; message: string; suggestion?: string }>;
      graph: unknown;
    };
    expect(body.valid).toBe(false);
    expect(body.graph).toBeNull();
    const line = misspelt.split('\n').findIndex((l) => l.includes('polsh')) + 1;
    const d = body.diagnostics.find((x) => x.message.includes('polsh'))!;
    expect(d.line).toBe(line);
    expect(d.suggestion).toBe('polish');
  });

  it('draws the compiled graph: conditions, routes with a default, loops with a limit, parallel maps, joins', async () => {
    const text = readFileSync(new URL('../../examples/research-brief.yaml', import.meta.url), 'utf8');
    const body = (await (await f.request('/api/validate', { json: { text } })).json()) as {
      graph: {
        nodes: Array<{ id: string; mapped: boolean; join: boolean; fanOut: boolean; line: number }>;
        edges: Array<{ from: string; to: string; kind: string; label: string | null }>;
      };
    };
    const node = (id: string) => body.graph.nodes.find((n) => n.id === id)!;
    expect(node('research').mapped).toBe(true);
    expect(node('write').join).toBe(true);
    expect(node('plan').fanOut).toBe(true);
    expect(node('plan').line).toBe(text.split('\n').findIndex((l) => l.includes('- id: plan')) + 1);
    const edge = (from: string, to: string) => body.graph.edges.find((e) => e.from === from && e.to === to)!;
    expect(edge('plan', 'research')).toMatchObject({ kind: 'parallel', label: 'each questions → findings' });
    expect(edge('review', 'write')).toMatchObject({ kind: 'default', label: 'default' });
    expect(edge('review', 'END').kind).toBe('route');
    const loop = (
      (await (
        await f.request('/api/validate', {
          json: {
            text: CHAIN.replace(
              '  - {from: title, to: END}',
              '  - from: title\n    loop: {condition_field: done, max_iterations: 3}',
            ).replace(
              'title: {type: str, default: ""}',
              'title: {type: str, default: ""}\n    done: {type: bool, default: false}',
            ),
          },
        })
      ).json()) as { graph: { edges: Array<{ kind: string; label: string }> } }
    ).graph.edges;
    expect(loop.find((e) => e.kind === 'loop')?.label).toBe('until done · max 3');
  });

  it('saves, creates and refuses paths outside the folder', async () => {
    const saved = await f.request('/api/workflows/file', {
      method: 'PUT',
      json: { name: 'chain.yaml', text: `${CHAIN}\n# edited\n` },
    });
    expect(saved.status).toBe(200);
    expect(readFileSync(join(f.dir, 'chain.yaml'), 'utf8')).toContain('# edited');
    expect((await f.request('/api/workflows', { json: { name: 'new/one.yaml', text: CHAIN } })).status).toBe(
      201,
    );
    expect(readFileSync(join(f.dir, 'new/one.yaml'), 'utf8')).toBe(CHAIN);
    expect((await f.request('/api/workflows', { json: { name: 'chain.yaml', text: CHAIN } })).status).toBe(
      409,
    );
    for (const name of ['../escape.yaml', '/etc/passwd.yaml', 'a/../../b.yaml', 'x.sh', '.hidden.yaml']) {
      const res = await f.request('/api/workflows', { json: { name, text: CHAIN } });
      expect(res.status, name).toBe(400);
    }
    expect((await f.request('/api/workflows/file?name=..%2Fetc.yaml')).status).toBe(400);
  });
});
