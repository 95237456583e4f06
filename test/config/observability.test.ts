import { describe, expect, it } from 'vitest';
import { loadWorkflowFromString } from '../../src/config/index.js';

const base = (observability: string) => `schema_version: "1.0"
flow: {name: obs}
state:
  fields:
    a: {type: str, default: ""}
nodes:
  - {id: n, prompt: p, outputs: [a], output_schema: {type: str}}
edges:
  - {from: START, to: n}
  - {from: n, to: END}
config:
  observability:
${observability}
`;

describe('config.observability', () => {
  it('reads log_prompts, the mlflow block and price overrides', () => {
    const r = loadWorkflowFromString(
      base(`    log_prompts: true
    mlflow: {enabled: true, tracking_uri: "http://127.0.0.1:5000", experiment_name: demo}
    prices:
      my-model: {input: 0.5, output: 1.5}`),
    );
    expect(r.diagnostics.filter((d) => d.severity === 'error')).toEqual([]);
    expect(r.workflow?.config.observability).toEqual({
      logPrompts: true,
      mlflow: { enabled: true, trackingUri: 'http://127.0.0.1:5000', experimentName: 'demo' },
      prices: { 'my-model': { input: 0.5, output: 1.5 } },
    });
  });

  it('a price without both numbers is an error at its path', () => {
    const r = loadWorkflowFromString(base(`    prices:\n      my-model: {input: 0.5}`));
    const e = r.diagnostics.find((d) => d.severity === 'error');
    expect(e?.path).toBe('config.observability.prices.my-model');
    expect(e?.message).toMatch(/input and output/);
    expect(e?.line).toBe(14);
  });
});
