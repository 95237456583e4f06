import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { compile, execute } from '../../src/engine/index.js';
import { createSqliteStore } from '../../src/store/index.js';
import { formatSpanTree } from '../../src/telemetry/format.js';
import { RecordingSpanExporter } from '../../src/telemetry/record-exporter.js';
import { createTelemetry } from '../../src/telemetry/setup.js';
import { traceIdForJob } from '../../src/telemetry/trace-id.js';
import { createToolRegistry } from '../../src/tools/index.js';
import { workflowFrom } from '../support/workflows.js';
import { TRACED_YAML, tracedModel, workdir } from './helpers.js';

describe('createTelemetry (the host wiring)', () => {
  it('batches concurrent runs of a shared pipeline into the store and extra exporters', async () => {
    const store = await createSqliteStore(join(mkdtempSync(join(tmpdir(), 'agentcrate-setup-')), 'runs.db'));
    const workflow = workflowFrom(TRACED_YAML(false));
    const recording = new RecordingSpanExporter();
    const telemetry = await createTelemetry({ workflow, store, env: {}, exporters: [recording] });
    expect(telemetry.destinations).toEqual(['job store']);
    const plan = compile(workflow);
    const runs = await Promise.all(
      ['job-s1', 'job-s2', 'job-s3'].map((jobId) => {
        const tracer = telemetry.runTracer(jobId);
        return execute(
          plan,
          { items: ['a', 'b'], topic: 't' },
          { models: tracedModel(), tools: createToolRegistry(), env: {}, cwd: workdir() },
          { runId: jobId, onEvent: tracer.onEvent },
        );
      }),
    );
    expect(runs.map((r) => r.status)).toEqual(['success', 'success', 'success']);
    await telemetry.shutdown();
    // Concurrent runs stay apart: each trace has exactly its own run span and nodes.
    for (const jobId of ['job-s1', 'job-s2', 'job-s3']) {
      const spans = await store.listSpans(traceIdForJob(jobId));
      expect(spans.filter((s) => s.parentSpanId === undefined).map((s) => s.name)).toEqual(['run traced']);
      expect(spans.filter((s) => s.name.startsWith('item each['))).toHaveLength(2);
      expect(spans.every((s) => s.jobId === jobId)).toBe(true);
    }
    expect(new Set(recording.records.map((r) => r.traceId)).size).toBe(3);
    const tree = formatSpanTree(recording.records.filter((r) => r.traceId === traceIdForJob('job-s2')));
    expect(tree.split('\n')[0]).toMatch(/^run traced/);
    await store.close();
  });
});
