import { SpanStatusCode } from '@opentelemetry/api';
import { InMemorySpanExporter, type ReadableSpan } from '@opentelemetry/sdk-trace-base';
import { describe, expect, it } from 'vitest';
import { compile, execute } from '../../src/engine/index.js';
import { createRedactor } from '../../src/secrets/index.js';
import { createExportPipeline } from '../../src/telemetry/export-pipeline.js';
import { createRunTracer } from '../../src/telemetry/run-tracer.js';
import { traceIdForJob } from '../../src/telemetry/trace-id.js';
import { createToolRegistry } from '../../src/tools/index.js';
import { scriptedModel } from '../support/scripted-model.js';
import { strFields, strNode, workflowFrom } from '../support/workflows.js';
import { runTraced } from './helpers.js';

const ms = (t: [number, number]) => t[0] * 1000 + t[1] / 1e6;

function index(spans: ReadableSpan[]) {
  const byId = new Map(spans.map((s) => [s.spanContext().spanId, s]));
  const parentOf = (s: ReadableSpan) =>
    s.parentSpanContext ? byId.get(s.parentSpanContext.spanId) : undefined;
  const named = (name: string) => spans.filter((s) => s.name === name);
  const childrenOf = (p: ReadableSpan) =>
    spans.filter((s) => s.parentSpanContext?.spanId === p.spanContext().spanId);
  return { parentOf, named, childrenOf };
}

describe('run tracer: span tree of a workflow with a tool, a fan-out, a route loop and a parallel map', () => {
  it('builds run → node → (item) → model/tool spans with GenAI attributes', async () => {
    const memory = new InMemorySpanExporter();
    // A shared pipeline: an owned one shuts down at flush, and shutting down empties this exporter.
    const { result } = await runTraced({
      pipeline: createExportPipeline({ exporters: [memory] }),
      jobId: 'job-tree-1',
    });
    expect(result.status).toBe('success');
    const spans = memory.getFinishedSpans();
    const { parentOf, named, childrenOf } = index(spans);

    // One trace, id derived from the job id.
    expect(new Set(spans.map((s) => s.spanContext().traceId))).toEqual(
      new Set([traceIdForJob('job-tree-1')]),
    );
    const roots = spans.filter((s) => !s.parentSpanContext);
    expect(roots.map((s) => s.name)).toEqual(['run traced']);
    const root = roots[0]!;
    expect(root.attributes).toMatchObject({
      'agentcrate.workflow': 'traced',
      'agentcrate.job.id': 'job-tree-1',
      'agentcrate.run.status': 'success',
      'agentcrate.usage.input_tokens': result.usage.inputTokens,
      'agentcrate.usage.output_tokens': result.usage.outputTokens,
      'agentcrate.cost.unknown': true, // the 'right' node's model has no price
    });
    expect(root.status.code).toBe(SpanStatusCode.OK);

    // Node spans: every node under the run; the route loop ran write and review twice.
    const nodes = spans.filter((s) => s.attributes['agentcrate.span.kind'] === 'node');
    expect(nodes.every((n) => parentOf(n) === root)).toBe(true);
    expect(nodes.map((n) => n.attributes['agentcrate.node.id']).sort()).toEqual(
      ['each', 'fin', 'left', 'plan', 'review', 'review', 'right', 'write', 'write'].sort(),
    );
    expect(
      named('node write')
        .map((n) => n.attributes['agentcrate.node.iteration'])
        .sort(),
    ).toEqual([1, 2]);
    expect(
      named('node review')
        .map((n) => n.attributes['agentcrate.node.iteration'])
        .sort(),
    ).toEqual([1, 2]);

    // Fan-out: left and right overlap in time and are siblings.
    const [left] = named('node left');
    const [right] = named('node right');
    expect(ms(left!.startTime)).toBeLessThan(ms(right!.endTime));
    expect(ms(right!.startTime)).toBeLessThan(ms(left!.endTime));

    // Tool calls under the node that made them; the denied one is an error with an exception event.
    const [plan] = named('node plan');
    const planChildren = childrenOf(plan!)
      .map((s) => s.name)
      .sort();
    expect(planChildren).toEqual(['chat gpt-4o-mini', 'execute_tool file_read', 'execute_tool file_read']);
    const tools = named('execute_tool file_read');
    expect(
      tools.every(
        (t) =>
          t.attributes['gen_ai.operation.name'] === 'execute_tool' &&
          t.attributes['gen_ai.tool.name'] === 'file_read',
      ),
    ).toBe(true);
    const denied = tools.find((t) => t.status.code === SpanStatusCode.ERROR);
    expect(denied).toBeDefined();
    expect(denied!.events.map((e) => e.name)).toContain('exception');
    expect(tools.filter((t) => t.status.code !== SpanStatusCode.ERROR)).toHaveLength(1);

    // Parallel map: one item span per index under the node, each with its own model call.
    const [each] = named('node each');
    const items = childrenOf(each!).sort(
      (a, b) =>
        Number(a.attributes['agentcrate.node.parallel_index']) -
        Number(b.attributes['agentcrate.node.parallel_index']),
    );
    expect(items.map((s) => s.name)).toEqual(['item each[0]', 'item each[1]', 'item each[2]']);
    for (const item of items) {
      const calls = childrenOf(item);
      expect(calls.map((c) => c.name)).toEqual(['chat gpt-4o-mini']);
      expect(calls[0]!.attributes['agentcrate.node.parallel_index']).toBe(
        item.attributes['agentcrate.node.parallel_index'],
      );
      expect(ms(calls[0]!.startTime)).toBeGreaterThanOrEqual(ms(item.startTime));
      expect(ms(item.endTime)).toBeLessThanOrEqual(ms(each!.endTime) + 1);
    }

    // Model call spans follow the GenAI conventions and carry their cost.
    const chat = childrenOf(left!)[0]!;
    expect(chat.attributes).toMatchObject({
      'gen_ai.operation.name': 'chat',
      'gen_ai.system': 'openai',
      'gen_ai.provider.name': 'openai',
      'gen_ai.request.model': 'gpt-4o-mini',
      'gen_ai.usage.input_tokens': 10,
      'gen_ai.usage.output_tokens': 5,
      'gen_ai.response.finish_reasons': ['stop'],
      'agentcrate.node.id': 'left',
    });
    // gpt-4o-mini: $0.15 / $0.60 per million → 10 × 0.15e-6 + 5 × 0.6e-6
    expect(chat.attributes['agentcrate.cost.usd']).toBeCloseTo(4.5e-6, 12);
    expect(chat.attributes['agentcrate.cost.unknown']).toBeUndefined();
    const mystery = childrenOf(right!)[0]!;
    expect(mystery.attributes['gen_ai.request.model']).toBe('mystery-model-9000');
    expect(mystery.attributes['agentcrate.cost.unknown']).toBe(true);
    expect(mystery.attributes['agentcrate.cost.usd']).toBeUndefined();
    // The model call lies inside its node.
    expect(ms(chat.startTime)).toBeGreaterThanOrEqual(ms(left!.startTime) - 1);
    expect(ms(chat.endTime)).toBeLessThanOrEqual(ms(left!.endTime) + 1);
    // Prompts are not captured unless asked for.
    expect(spans.some((s) => 'gen_ai.input.messages' in s.attributes)).toBe(false);
  });

  it('records a failing model call on its span, its node and the run', async () => {
    const wf = workflowFrom(`schema_version: "1.0"\nflow: {name: broken}\n${strFields(['a', 'b'])}
nodes:
${strNode('ok', 'a')}
${strNode('boom', 'b')}
edges:
  - {from: START, to: ok}
  - {from: ok, to: boom}
  - {from: boom, to: END}
config:
  execution: {max_retries: 0}
`);
    const memory = new InMemorySpanExporter();
    const tracer = createRunTracer({
      workflow: 'broken',
      pipeline: createExportPipeline({ exporters: [memory] }),
      capturePrompts: false,
      redact: createRedactor(),
    });
    const model = scriptedModel((node) => {
      if (node === 'boom') throw new Error('provider exploded');
      return { a: 'fine' };
    });
    const result = await execute(
      compile(wf),
      {},
      { models: model, tools: createToolRegistry(), env: {}, cwd: process.cwd() },
      { onEvent: tracer.onEvent },
    );
    await tracer.flush();
    expect(result.status).toBe('failed');
    const spans = memory.getFinishedSpans();
    const { named, childrenOf } = index(spans);
    const [boom] = named('node boom');
    expect(boom!.status.code).toBe(SpanStatusCode.ERROR);
    const call = childrenOf(boom!)[0]!;
    expect(call.status.code).toBe(SpanStatusCode.ERROR);
    expect(call.status.message).toContain('provider exploded');
    const exception = call.events.find((e) => e.name === 'exception');
    expect(exception?.attributes?.['exception.message']).toContain('provider exploded');
    expect(named('node ok')[0]!.status.code).not.toBe(SpanStatusCode.ERROR);
    const [run] = named('run broken');
    expect(run!.status.code).toBe(SpanStatusCode.ERROR);
    expect(run!.attributes['agentcrate.run.status']).toBe('failed');
    // Without a job id the trace id derives from the run id.
    expect(run!.spanContext().traceId).toBe(traceIdForJob(result.runId));
  });
});
