import { InMemorySpanExporter } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { compile, type EngineEvent, execute } from '../../src/engine/index.js';
import { createTelemetry } from '../../src/telemetry/setup.js';
import { traceIdForJob } from '../../src/telemetry/trace-id.js';
import { createToolRegistry } from '../../src/tools/index.js';
import { workflowFrom } from '../support/workflows.js';
import { TRACED_YAML, tracedModel, workdir } from './helpers.js';

describe('createTelemetry (the host wiring)', () => {
  it('exports concurrent runs through one shared pipeline, each run in its own trace', async () => {
    const workflow = workflowFrom(TRACED_YAML(false));
    const memory = new InMemorySpanExporter();
    const telemetry = await createTelemetry({ workflow, storesEvents: true, env: {}, exporters: [memory] });
    expect(telemetry.destinations).toEqual(['job store']);
    expect(telemetry.exporting).toBe(true);
    const plan = compile(workflow);
    const runs = await Promise.all(
      ['job-s1', 'job-s2', 'job-s3'].map((jobId) => {
        const tracer = telemetry.runTracer(jobId)!;
        return execute(
          plan,
          { items: ['a', 'b'], topic: 't' },
          { models: tracedModel(), tools: createToolRegistry(), env: {}, cwd: workdir() },
          { runId: jobId, onEvent: tracer.onEvent },
        );
      }),
    );
    expect(runs.map((r) => r.status)).toEqual(['success', 'success', 'success']);
    await telemetry.flush();
    const spans = memory.getFinishedSpans();
    // Concurrent runs stay apart: each trace has exactly its own run span and items.
    for (const jobId of ['job-s1', 'job-s2', 'job-s3']) {
      const own = spans.filter((s) => s.spanContext().traceId === traceIdForJob(jobId));
      expect(own.filter((s) => !s.parentSpanContext).map((s) => s.name)).toEqual(['run traced']);
      expect(own.filter((s) => s.name.startsWith('item each['))).toHaveLength(2);
      expect(own.every((s) => s.attributes['agentcrate.job.id'] === jobId)).toBe(true);
    }
    await telemetry.shutdown();
  });

  it('without exporters keeps traces in the events alone: no live tracer, events priced in place', async () => {
    const workflow = workflowFrom(TRACED_YAML(false));
    const telemetry = await createTelemetry({
      workflow,
      storesEvents: true,
      env: {},
      prices: { 'openai/gpt-4o-mini': { input: 1, output: 2 } },
    });
    expect(telemetry.exporting).toBe(false);
    expect(telemetry.runTracer('job-x')).toBeUndefined();
    const call = (model: string) =>
      ({
        type: 'model-call',
        runId: 'r',
        at: 1,
        nodeId: 'plan',
        provider: 'openai',
        model,
        attempt: 1,
        transportAttempts: 1,
        inputTokens: 1_000_000,
        outputTokens: 500_000,
        latencyMs: 3,
        finishReason: 'stop',
        ok: true,
      }) as EngineEvent;
    const chain = telemetry.eventsOf('job-x');
    const priced = call('gpt-4o-mini');
    chain(priced);
    // The workflow's override: $1 per million in, $2 per million out.
    expect((priced as { costUsd?: number }).costUsd).toBeCloseTo(2, 10);
    const unknown = call('mystery-model-9000');
    chain(unknown);
    expect(unknown).toMatchObject({ costUnknown: true });
    expect((unknown as { costUsd?: number }).costUsd).toBeUndefined();
    await telemetry.shutdown();
  });

  it('with traces off only redacts: no price, no exporter, the secret still hidden', async () => {
    const workflow = workflowFrom(TRACED_YAML(false));
    const memory = new InMemorySpanExporter();
    const telemetry = await createTelemetry({
      workflow,
      traces: false,
      env: { SERVICE_TOKEN: 'tok-0123456789abcdef' },
      exporters: [memory],
    });
    expect(telemetry.exporting).toBe(false);
    expect(telemetry.destinations).toEqual([]);
    const event = {
      type: 'node-end',
      runId: 'r',
      at: 1,
      nodeId: 'plan',
      step: 1,
      iteration: 1,
      ok: true,
      durationMs: 1,
      writes: { answer: 'the token is tok-0123456789abcdef' },
    } as EngineEvent;
    telemetry.eventsOf('job-y')(event);
    expect(event).toMatchObject({ writes: { answer: 'the token is [REDACTED]' } });
    await telemetry.shutdown();
    expect(memory.getFinishedSpans()).toHaveLength(0);
  });
});
