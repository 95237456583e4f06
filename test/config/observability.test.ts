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

  it("accepts every key of configurable-agents' MLflow and logging blocks; default values are silent, even under --strict", () => {
    // configurable-agents' defaults, written out.
    const r = loadWorkflowFromString(
      base(`    mlflow:
      enabled: true
      tracking_uri: http://127.0.0.1:5000
      experiment_name: configurable_agents
      run_name: null
      retention_days: null
      log_prompts: true
      log_artifacts: false
      artifact_level: standard
      async_logging: true
      redact_pii: false
    logging: {level: INFO}`),
      { strict: true },
    );
    expect(r.diagnostics).toEqual([]);
    // mlflow.log_prompts stands for observability.log_prompts when that is not set.
    expect(r.workflow?.config.observability.logPrompts).toBe(true);
  });

  it('warns, naming why, about each setting asking for what agentcrate does not do', () => {
    const r = loadWorkflowFromString(
      base(`    mlflow:
      enabled: false
      run_name: "run-{timestamp}"
      log_artifacts: true
      artifact_level: full
      async_logging: false
      retention_days: 30
      redact_pii: true
    logging: {level: DEBUG}`),
    );
    expect(r.diagnostics.every((d) => d.severity === 'warning' && d.code === 'inert-feature')).toBe(true);
    expect(r.diagnostics.map((d) => d.path)).toEqual([
      'config.observability.mlflow.run_name',
      'config.observability.mlflow.log_artifacts',
      'config.observability.mlflow.artifact_level',
      'config.observability.mlflow.async_logging',
      'config.observability.mlflow.retention_days',
      'config.observability.mlflow.redact_pii',
      'config.observability.logging.level',
    ]);
    expect(r.diagnostics[4]?.message).toMatch(/--job-ttl/);
    expect(r.diagnostics[6]?.message).toMatch(/AGENTCRATE_LOG_LEVEL/);
    expect(r.diagnostics[0]).toMatchObject({ line: 15, column: 7 });
  });

  it('decides at validate time where MLflow traces go: a URI that is no MLflow server warns, never refuses', () => {
    for (const uri of ['sqlite:///mlflow.db', 'file:./mlruns', 'databricks']) {
      const r = loadWorkflowFromString(base(`    mlflow: {enabled: true, tracking_uri: "${uri}"}`));
      expect(r.workflow, uri).toBeDefined();
      const d = r.diagnostics.find((x) => x.code === 'mlflow-no-server');
      expect(d, uri).toMatchObject({ severity: 'warning', path: 'config.observability.mlflow.tracking_uri' });
      expect(d?.message).toMatch(/traces stay in agentcrate's trace store/);
    }
    const none = loadWorkflowFromString(base('    mlflow: {enabled: true}'));
    expect(none.workflow).toBeDefined();
    expect(none.diagnostics[0]).toMatchObject({
      code: 'mlflow-no-server',
      path: 'config.observability.mlflow.enabled',
    });
    expect(none.diagnostics[0]?.message).toMatch(/MLFLOW_TRACKING_URI/);
    // Disabled: nothing to decide.
    expect(
      loadWorkflowFromString(base('    mlflow: {enabled: false, tracking_uri: "sqlite:///x.db"}'))
        .diagnostics,
    ).toEqual([]);
    // An http(s) URI that is not a URL is an error here rather than at start-up.
    const bad = loadWorkflowFromString(base('    mlflow: {enabled: true, tracking_uri: "http://"}'));
    expect(bad.diagnostics[0]).toMatchObject({
      severity: 'error',
      path: 'config.observability.mlflow.tracking_uri',
    });
  });
});
