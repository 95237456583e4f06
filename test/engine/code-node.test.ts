/**
 * Code nodes and memory in the engine, with the real WebAssembly sandbox and a real SQLite
 * store's memory (the model is scripted: the engine is what is tested here).
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { compile, type EngineEvent, execute } from '../../src/engine/index.js';
import { PythonSandbox } from '../../src/sandbox/pyodide/python-sandbox.js';
import { createSqliteStore, type Store } from '../../src/store/index.js';
import { spansFromEvents } from '../../src/telemetry/index.js';
import { createToolRegistry } from '../../src/tools/index.js';
import { scriptedModel } from '../support/scripted-model.js';
import { workflowOf } from '../support/workflows.js';

const sandbox = new PythonSandbox();
let store: Store;
beforeAll(async () => {
  store = await createSqliteStore(':memory:');
  await sandbox.warm();
}, 120_000);
afterAll(async () => {
  await sandbox.close();
  await store.close();
});

function deps(models = scriptedModel(() => ({}))) {
  return { models, tools: createToolRegistry(), env: {}, cwd: process.cwd(), sandbox, memory: store.memory };
}

function collect() {
  const events: EngineEvent[] = [];
  return { events, onEvent: (e: EngineEvent) => events.push(e) };
}

const flow = workflowOf;

describe('code nodes', () => {
  const wf = flow(
    'calc',
    `    numbers: {type: "list[int]", required: true}
    profile: {type: object, schema: {name: str}, default: {name: Ada}}
    total: {type: int, default: 0}
    label: {type: str, default: ""}
    parts: {type: "dict[str, int]", default: {}}
    summary: {type: str, default: ""}`,
    `  - id: sum
    code: "result = sum(inputs['numbers'])"
    inputs: {numbers: "{numbers}"}
    outputs: [total]
  - id: describe
    code: "result = {'label': inputs['who'] + ' ' + inputs['text'], 'parts': {'n': len(inputs['text'])}}"
    inputs: {who: "{profile.name}", text: "total={total}"}
    outputs: [label, parts]
  - id: write
    prompt: "Write about {label}"
    outputs: [summary]
    output_schema: {type: str}`,
    `  - {from: START, to: sum}
  - {from: sum, to: describe}
  - {from: describe, to: write}
  - {from: write, to: END}`,
  );

  it('pass typed inputs, write results to state and trace each call', async () => {
    const model = scriptedModel(() => ({ summary: 'ok' }));
    const { events, onEvent } = collect();
    const result = await execute(compile(wf), { numbers: [1, 2, 3] }, deps(model), { onEvent });
    expect(result.status, JSON.stringify(result.error)).toBe('success');
    expect(result.outputs).toMatchObject({ total: 6, label: 'Ada total=6', parts: { n: 7 }, summary: 'ok' });
    expect(model.calls).toHaveLength(1);
    expect(model.calls[0]!.request.messages[0]).toMatchObject({ content: 'Write about Ada total=6' });
    const calls = events.filter((e) => e.type === 'code-call');
    expect(calls).toHaveLength(2);
    expect(calls[0]).toMatchObject({ nodeId: 'sum', mode: 'python', ok: true, stdout: '', stderr: '' });
    const ends = events.filter((e) => e.type === 'node-end');
    expect(ends[0]).toMatchObject({ nodeId: 'sum', ok: true, writes: { total: 6 } });
  });

  it('fail the node naming the field when the result does not fit its state type', async () => {
    const bad = flow(
      'bad',
      '    total: {type: int, default: 0}',
      `  - {id: sum, code: "result = 'six'", outputs: [total]}`,
      '  - {from: START, to: sum}\n  - {from: sum, to: END}',
    );
    const result = await execute(compile(bad), {}, deps());
    expect(result.error).toMatchObject({ code: 'E_CODE_OUTPUT', nodeId: 'sum' });
    expect(result.error?.message).toContain(
      "node 'sum': the code's result does not fit the state types: field 'total' expected int",
    );
  });

  it('fail the run on an exception, naming node, line and exception', async () => {
    const bad = flow(
      'boom',
      '    total: {type: int, default: 0}',
      `  - id: sum
    code: |
      x = 1
      result = x / 0
    outputs: [total]`,
      '  - {from: START, to: sum}\n  - {from: sum, to: END}',
    );
    const { events, onEvent } = collect();
    const result = await execute(compile(bad), {}, deps(), { onEvent });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({
      code: 'E_CODE',
      nodeId: 'sum',
      details: { type: 'ZeroDivisionError', line: 2 },
    });
    expect(result.error?.message).toBe(
      "node 'sum': ZeroDivisionError: division by zero (line 2 of its code)",
    );
    expect(events.find((e) => e.type === 'code-call')).toMatchObject({
      ok: false,
      error: { code: 'E_CODE' },
    });
  });

  it('fail with E_SANDBOX_TIMEOUT when the code runs too long', async () => {
    const slow = flow(
      'slow',
      '    total: {type: int, default: 0}',
      `  - {id: spin, code: "while True: pass", outputs: [total], sandbox: {timeout: 1}}`,
      '  - {from: START, to: spin}\n  - {from: spin, to: END}',
    );
    const result = await execute(compile(slow), {}, deps());
    expect(result.error).toMatchObject({ code: 'E_SANDBOX_TIMEOUT', nodeId: 'spin' });
  }, 60_000);

  it('run once per item of a parallel map', async () => {
    const map = flow(
      'map',
      `    items: {type: "list[int]", required: true}
    squares: {type: "list[int]", default: []}
    sq: {type: int, default: 0}`,
      `  - {id: start, code: "result = 0", outputs: [sq]}
  - id: square
    code: "result = inputs['x'] ** 2"
    inputs: {x: "{_parallel_item}"}
    outputs: [sq]`,
      `  - {from: START, to: start}
  - {from: start, parallel: {items_field: items, target_node: square, collect_field: squares}}
  - {from: square, to: END}`,
    );
    const result = await execute(compile(map), { items: [1, 2, 3, 4] }, deps());
    expect(result.status, JSON.stringify(result.error)).toBe('success');
    expect(result.outputs.squares).toEqual([1, 4, 9, 16]);
  });
});

describe('memory', () => {
  const counter = (scope: string, name = 'counter') =>
    flow(
      name,
      `    count: {type: int, default: 0}
    note: {type: str, default: ""}`,
      `  - id: bump
    code: |
      n = (memory['runs'] or 0) + 1
      print('run', n)
      memory.write('runs', n)
      result = n
    outputs: [count]
  - id: tell
    prompt: "Runs so far: {memory.runs}; missing: [{memory.nothing}]"
    outputs: [note]
    output_schema: {type: str}`,
      '  - {from: START, to: bump}\n  - {from: bump, to: tell}\n  - {from: tell, to: END}',
      `config:\n  memory: {enabled: true, default_scope: ${scope}}`,
    );

  it('carries values across runs; prompts read them; every write is an event', async () => {
    const wf = counter('workflow');
    const model = scriptedModel(() => ({ note: 'ok' }));
    const first = collect();
    const r1 = await execute(compile(wf), {}, deps(model), { onEvent: first.onEvent });
    expect(r1.outputs.count).toBe(1);
    const r2 = await execute(compile(wf), {}, deps(model));
    expect(r2.outputs.count).toBe(2);
    expect(model.calls.map((c) => c.request.messages[0]!.content)).toEqual([
      'Runs so far: 1; missing: []',
      'Runs so far: 2; missing: []',
    ]);
    // the trace: the code call (with what it printed) and the write, under the node
    const spans = spansFromEvents(first.events as never, { workflow: 'counter' });
    const node = spans.find(
      (sp) => sp.name.startsWith('node bump') || sp.attributes['agentcrate.node.id'] === 'bump',
    );
    const code = spans.find((sp) => sp.name === 'code bump');
    const write = spans.find((sp) => sp.name === 'memory.set runs');
    expect(code?.attributes).toMatchObject({
      'agentcrate.span.kind': 'code',
      'agentcrate.code.mode': 'python',
      'agentcrate.code.stdout': 'run 1\n',
    });
    expect(write?.attributes).toMatchObject({ 'agentcrate.memory.namespace': 'counter:counter:*:runs' });
    expect(code?.parentSpanId).toBe(node?.spanId);
    expect(write?.parentSpanId).toBe(node?.spanId);
    expect(first.events.filter((e) => e.type === 'memory-write')).toEqual([
      expect.objectContaining({
        nodeId: 'bump',
        op: 'set',
        key: 'runs',
        value: 1,
        namespace: 'counter:counter:*:runs',
        scope: 'workflow',
      }),
    ]);
    expect(await store.memory.get('counter:counter:*:runs')).toMatchObject({ value: 2, jobId: r2.runId });
  });

  it('namespaces each scope as configurable-agents does', async () => {
    for (const [scope, namespace] of [
      ['agent', 'scoped:*:*:runs'],
      ['node', 'scoped:scoped:bump:runs'],
    ] as const) {
      await execute(compile(counter(scope, 'scoped')), {}, deps(scriptedModel(() => ({ note: 'x' }))));
      expect((await store.memory.get(namespace))?.value).toBe(1);
    }
  });

  it("hands a node's memory writes to the host with the checkpoint that marks it done, never before", async () => {
    const wf = counter('workflow', 'durable');
    const seen: Array<{ completed: string[]; memory: unknown[]; stored: unknown }> = [];
    const result = await execute(
      compile(wf),
      {},
      {
        ...deps(scriptedModel(() => ({ note: 'ok' }))),
        checkpoint: async (cp, { memory }) => {
          // Nothing reached the store on its own: the host writes it with the checkpoint.
          seen.push({
            completed: cp.completed,
            memory: [...memory],
            stored: await store.memory.get('durable:durable:*:runs'),
          });
        },
      },
    );
    expect(result.status).toBe('success');
    expect(seen).toEqual([
      {
        completed: ['bump'],
        memory: [
          expect.objectContaining({
            op: 'set',
            key: 'runs',
            value: 1,
            agent: 'durable',
            workflow: 'durable',
            node: '*',
            jobId: result.runId,
          }),
        ],
        stored: undefined,
      },
      { completed: ['bump', 'tell'], memory: [], stored: undefined },
    ]);
    expect(await store.memory.get('durable:durable:*:runs')).toBeUndefined();
  });

  it('keeps no memory of a node whose checkpoint the host could not keep', async () => {
    const wf = counter('workflow', 'unkept');
    const result = await execute(
      compile(wf),
      {},
      {
        ...deps(scriptedModel(() => ({ note: 'ok' }))),
        checkpoint: () => {
          throw new Error('disk full');
        },
      },
    );
    expect(result.status).toBe('failed');
    expect(await store.memory.get('unkept:unkept:*:runs')).toBeUndefined();
  });

  it('keeps nothing a failed node wrote', async () => {
    const wf = flow(
      'failing',
      '    n: {type: int, default: 0}',
      `  - id: a
    code: "memory.write('k', 1)\\nresult = 'not an int'"
    outputs: [n]
    memory: {enabled: true}`,
      '  - {from: START, to: a}\n  - {from: a, to: END}',
    );
    const result = await execute(compile(wf), {}, deps());
    expect(result.error?.code).toBe('E_CODE_OUTPUT');
    expect(await store.memory.get('failing:*:*:k')).toBeUndefined();
  });

  it('refuses a run with memory when the host keeps none, before any call', async () => {
    const model = scriptedModel(() => ({ note: 'x' }));
    const { memory: _, ...noMemory } = deps(model);
    const result = await execute(compile(counter('agent', 'nomem')), {}, noMemory);
    expect(result.error?.code).toBe('E_UNSUPPORTED_FEATURE');
    expect(result.error?.message).toContain('have memory, but the engine was given no memory store');
    expect(model.calls).toHaveLength(0);
  });
});

describe('credentials', () => {
  it('a workflow of code nodes needs no model key', async () => {
    const { createModelClient } = await import('../../src/models/index.js');
    const wf = flow(
      'keyless',
      '    total: {type: int, default: 0}',
      `  - {id: sum, code: "result = 2", outputs: [total]}`,
      '  - {from: START, to: sum}\n  - {from: sum, to: END}',
    );
    const models = createModelClient({ env: {} });
    expect(models.missingCredentials(wf)).toEqual([]);
    const result = await execute(compile(wf), {}, { ...deps(), models });
    expect(result).toMatchObject({ status: 'success', outputs: { total: 2 } });
  });
});
