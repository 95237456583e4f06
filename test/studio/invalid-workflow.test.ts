/**
 * The studio refuses to run an invalid workflow with the same error as the CLI and the server
 * (config/require-valid.ts): E_INVALID_WORKFLOW, every error as file:line:col, the
 * diagnostics in the details for the editor.
 */
import { afterEach, describe, expect, it } from 'vitest';
import { loadValidWorkflow } from '../../src/config/index.js';
import { type Fixture, studioFixture } from './helpers.js';

let f: Fixture | undefined;
afterEach(async () => {
  await f?.close();
  f = undefined;
});

const BAD = `schema_version: "1.0"
flow:
  name: bad
state:
  fields:
    topic: {type: str, required: true}
nodes:
  - id: write
    prompt: "About {topic}"
    outputs: [topic]
edges:
  - {from: START, to: wrtie}
  - {from: write, to: END}
`;

describe('studio: an invalid workflow', () => {
  it('is refused with the one diagnostic format the CLI uses', async () => {
    f = await studioFixture({ files: { 'bad.yaml': BAD } });
    const res = await f.request('/api/runs', {
      json: { name: 'bad.yaml', inputs: { topic: 'x' }, dryRun: true },
    });
    expect(res.status).toBeGreaterThanOrEqual(400);
    expect(res.status).toBeLessThan(500);
    const body = (await res.json()) as {
      error: { code: string; message: string; details: { diagnostics: Array<{ severity: string }> } };
    };
    expect(body.error.code).toBe('E_INVALID_WORKFLOW');
    expect(body.error.message).toMatch(
      /^bad\.yaml is not a valid workflow \(\d+ errors?\):\n {2}bad\.yaml:\d+:\d+ error /,
    );
    expect(body.error.message).toMatch(/wrtie/);
    expect(body.error.details.diagnostics.some((d) => d.severity === 'error')).toBe(true);
    // Word for word what the CLI and the server say about the same file.
    const cli = await loadValidWorkflow(`${f.dir}/bad.yaml`, { shownAs: 'bad.yaml' }).catch((e: Error) => e);
    expect((cli as Error).message).toBe(body.error.message);
  });
});
