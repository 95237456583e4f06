import { describe, expect, it } from 'vitest';
import { compile, type EngineEvent, execute } from '../../src/engine/index.js';
import { createToolRegistry } from '../../src/tools/index.js';
import { scriptedModel, sleep } from '../support/scripted-model.js';
import { strFields, strNode, workflowFrom } from '../support/workflows.js';

const head = (name: string) => `schema_version: "1.0"\nflow: {name: ${name}}\n`;

function deps(models: ReturnType<typeof scriptedModel>) {
  return { models, tools: createToolRegistry(), env: {}, cwd: process.cwd() };
}

function collect() {
  const events: EngineEvent[] = [];
  return { events, onEvent: (e: EngineEvent) => events.push(e) };
}

describe('linear runs', () => {
  const wf = workflowFrom(`${head('linear')}${strFields(['topic', 'a', 'b'])}
nodes:
${strNode('first', 'a', 'topic is {topic}')}
${strNode('second', 'b', 'a was {a}')}
edges:
  - {from: START, to: first}
  - {from: first, to: second}
  - {from: second, to: END}
`);

  it('renders prompts from state, writes outputs and emits events in order', async () => {
    const model = scriptedModel((node) => ({ [node === 'first' ? 'a' : 'b']: `${node}-out` }));
    const { events, onEvent } = collect();
    const result = await execute(compile(wf), { topic: 'AI' }, deps(model), { onEvent });
    expect(result.status).toBe('success');
    expect(result.outputs).toEqual({ topic: 'AI', a: 'first-out', b: 'second-out' });
    expect(model.calls.map((c) => c.nodeId)).toEqual(['first', 'second']);
    expect(model.calls[0]!.request.messages[0]!.content).toBe('topic is AI');
    expect(model.calls[1]!.request.messages[0]!.content).toBe('a was first-out');
    const types = events
      .filter((e) => e.type !== 'checkpoint')
      .map((e) => `${e.type}${'nodeId' in e ? `:${e.nodeId}` : ''}`);
    expect(types).toEqual([
      'run-start',
      'node-start:first',
      'model-call:first',
      'node-end:first',
      'node-start:second',
      'model-call:second',
      'node-end:second',
      'run-end',
    ]);
    expect(result.usage).toEqual({ inputTokens: 20, outputTokens: 10 });
    expect(result.steps).toBe(2);
  });

  it('rejects bad inputs with every problem at once, before any model call', async () => {
    const model = scriptedModel(() => ({ a: 'x' }));
    const result = await execute(compile(wf), { topic: 5, topik: 'x' }, deps(model));
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('E_INVALID_INPUT');
    expect(result.error?.message).toContain("unknown input 'topik'");
    expect(result.error?.message).toContain('topic');
    expect(model.calls).toHaveLength(0);
  });
});

describe('fan-out and joins', () => {
  const wf = workflowFrom(`${head('fan')}${strFields(['a', 'b', 'c', 'j'])}
nodes:
${strNode('start', 'a')}
${strNode('left', 'b')}
${strNode('right', 'c')}
${strNode('join', 'j', 'b={b} c={c}')}
edges:
  - {from: START, to: start}
  - {from: start, to: [left, right]}
  - {from: left, to: join}
  - {from: right, to: join}
  - {from: join, to: END}
`);

  it('runs branches concurrently and the join once, after both', async () => {
    const model = scriptedModel((node) => {
      const out = { start: 'a', left: 'b', right: 'c', join: 'j' }[node]!;
      return { delayMs: node === 'left' ? 80 : node === 'right' ? 20 : 0, output: { [out]: node } };
    });
    const result = await execute(compile(wf), {}, deps(model));
    expect(result.status).toBe('success');
    expect(model.peakConcurrency).toBe(2);
    expect(model.calls.filter((c) => c.nodeId === 'join')).toHaveLength(1);
    expect(model.calls.at(-1)!.nodeId).toBe('join');
    expect(model.calls.at(-1)!.request.messages[0]!.content).toBe('b=left c=right');
  });

  it('waits for a longer branch (join waits for every started predecessor)', async () => {
    const long = workflowFrom(`${head('long')}${strFields(['a', 'b', 'c', 'd', 'j'])}
nodes:
${strNode('start', 'a')}
${strNode('short', 'b')}
${strNode('long1', 'c')}
${strNode('long2', 'd')}
${strNode('join', 'j')}
edges:
  - {from: START, to: start}
  - {from: start, to: short}
  - {from: start, to: long1}
  - {from: short, to: join}
  - {from: long1, to: long2}
  - {from: long2, to: join}
  - {from: join, to: END}
`);
    const order: string[] = [];
    const model = scriptedModel((node) => {
      order.push(node);
      const out = { start: 'a', short: 'b', long1: 'c', long2: 'd', join: 'j' }[node]!;
      return { output: { [out]: 'x' } };
    });
    const result = await execute(compile(long), {}, deps(model));
    expect(result.status).toBe('success');
    expect(order.indexOf('join')).toBe(order.length - 1);
    expect(order.filter((n) => n === 'join')).toHaveLength(1);
  });
});

describe('conditions, routes and loops', () => {
  /** `rate` scores into `score` first; then `targets`, each writing its name to `out`, and `edges`. */
  const rateThen = (name: string, targets: string[], edges: string) =>
    workflowFrom(`${head(name)}
state:
  fields:
    score: {type: int, default: 0}
    out: {type: str, default: ""}
nodes:
  - id: rate
    prompt: rate
    outputs: [score]
    output_schema: {type: int}
${targets.map((t) => strNode(t, 'out')).join('\n')}
edges:
  - {from: START, to: rate}
${edges}`);

  it('edge conditions: first true wins, an unconditional edge is the default', async () => {
    const wf = rateThen(
      'cond',
      ['high', 'low', 'other'],
      `  - {from: rate, to: high, condition: "state.score >= 80"}
  - {from: rate, to: low, condition: "state.score < 20"}
  - {from: rate, to: other}
  - {from: high, to: END}
  - {from: low, to: END}
  - {from: other, to: END}
`,
    );
    for (const [score, expected] of [
      [90, 'high'],
      [10, 'low'],
      [50, 'other'],
    ] as const) {
      const model = scriptedModel((node) => (node === 'rate' ? { score } : { out: node }));
      const result = await execute(compile(wf), {}, deps(model));
      expect(result.outputs.out).toBe(expected);
    }
  });

  it('no true condition and no default fails naming the node and the values', async () => {
    const wf = rateThen(
      'noroute',
      ['high'],
      `  - {from: rate, to: high, condition: "state.score > 80"}
  - {from: high, to: END}
`,
    );
    const result = await execute(compile(wf), {}, deps(scriptedModel(() => ({ score: 3 }))));
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('E_ROUTING');
    expect(result.error?.message).toContain("'rate'");
    expect(result.error?.message).toContain('"score":3');
  });

  it('routes with a default and _loop_iteration_ bound a review cycle', async () => {
    const wf = workflowFrom(`${head('routes')}
state:
  fields:
    draft: {type: str, default: ""}
    ok: {type: bool, default: false}
nodes:
${strNode('write', 'draft', 'write, round {_loop_iteration_review}')}
  - id: review
    prompt: "review {draft}"
    outputs: [ok]
    output_schema: {type: bool}
edges:
  - {from: START, to: write}
  - {from: write, to: review}
  - from: review
    routes:
      - condition: {logic: "state.ok == true or _loop_iteration_review >= 3"}
        to: END
      - condition: {logic: default}
        to: write
`);
    const model = scriptedModel((node, _req, i) => (node === 'write' ? { draft: `d${i}` } : { ok: false }));
    const result = await execute(compile(wf), {}, deps(model));
    expect(result.status).toBe('success');
    expect(model.calls.filter((c) => c.nodeId === 'review')).toHaveLength(3);
    expect(model.calls[2]!.request.messages[0]!.content).toBe('write, round 1');
    expect(result.state._loop_iteration_review).toBe(3);
    expect(result.outputs).not.toHaveProperty('_loop_iteration_review');
  });

  it('loop: re-runs the node until condition_field is true or max_iterations', async () => {
    const wf = workflowFrom(`${head('loop')}
state:
  fields:
    done: {type: bool, default: false}
    n: {type: int, default: 0}
nodes:
  - id: work
    prompt: "iteration {_loop_iteration_work}"
    outputs: [done, n]
    output_schema:
      type: object
      fields:
        - {name: done, type: bool}
        - {name: n, type: int}
edges:
  - {from: START, to: work}
  - from: work
    loop: {condition_field: done, max_iterations: 4}
`);
    const never = scriptedModel((_n, _r, i) => ({ done: false, n: i }));
    const capped = await execute(compile(wf), {}, deps(never));
    expect(capped.status).toBe('success');
    expect(never.calls).toHaveLength(4);

    const early = scriptedModel((_n, _r, i) => ({ done: i === 1, n: i }));
    const exited = await execute(compile(wf), {}, deps(early));
    expect(early.calls).toHaveLength(2);
    expect(exited.outputs).toEqual({ done: true, n: 1 });
  });

  it('a cycle with no exit hits the step limit with a clear error', async () => {
    const wf = workflowFrom(`${head('forever')}
state:
  fields:
    a: {type: str, default: ""}
    stop: {type: bool, default: false}
nodes:
${strNode('ping', 'a')}
${strNode('pong', 'a')}
edges:
  - {from: START, to: ping}
  - {from: ping, to: pong}
  - from: pong
    routes:
      - condition: {logic: "state.stop == true"}
        to: END
      - condition: {logic: default}
        to: ping
config:
  execution: {max_steps: 7}
`);
    const result = await execute(compile(wf), {}, deps(scriptedModel(() => ({ a: 'x' }))));
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('E_STEP_LIMIT');
    expect(result.error?.message).toMatch(/step limit of 7/);
    expect(result.steps).toBe(8);
  });
});

describe('parallel map', () => {
  const wf = workflowFrom(`${head('map')}
state:
  fields:
    items: {type: "list[str]", required: true}
    one: {type: str, default: ""}
    all: {type: "list[str]", default: []}
    summary: {type: str, default: ""}
nodes:
${strNode('noop', 'summary', 'start')}
${strNode('each', 'one', 'item {_parallel_index}: {_parallel_item}')}
${strNode('sum', 'summary', 'all: {all}')}
edges:
  - {from: START, to: noop}
  - from: noop
    parallel: {items_field: items, target_node: each, collect_field: all}
  - {from: each, to: sum}
  - {from: sum, to: END}
config:
  execution: {max_parallel: 3}
`);

  it('collects in item order with bounded concurrency, then continues', async () => {
    const items = Array.from({ length: 10 }, (_, i) => `it${i}`);
    const model = scriptedModel((node, req) => {
      if (node !== 'each') return { summary: String(req.messages[0]!.content) };
      const text = String(req.messages[0]!.content);
      const index = Number(text.split(':')[0]!.split(' ')[1]);
      return { delayMs: (10 - index) * 5, output: { one: text.toUpperCase() } };
    });
    const result = await execute(compile(wf), { items }, deps(model));
    expect(result.status).toBe('success');
    expect(result.outputs.all).toEqual(items.map((it, i) => `ITEM ${i}: ${it.toUpperCase()}`));
    expect(model.peakConcurrency).toBeLessThanOrEqual(3);
    expect(model.peakConcurrency).toBeGreaterThan(1);
    expect(model.calls.at(-1)!.nodeId).toBe('sum');
  });
});

describe('limits, cancellation and validation feedback', () => {
  const wf = workflowFrom(`${head('one')}${strFields(['a'])}
nodes:
${strNode('slow', 'a')}
edges:
  - {from: START, to: slow}
  - {from: slow, to: END}
config:
  execution: {timeout: 1, max_retries: 2}
`);

  it('times out naming the node', async () => {
    const model = scriptedModel(() => ({ delayMs: 5_000, output: { a: 'x' } }));
    const started = Date.now();
    const result = await execute(compile(wf), {}, deps(model), { timeoutMs: 100 });
    expect(Date.now() - started).toBeLessThan(2_000);
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('E_TIMEOUT');
    expect(result.error?.message).toContain("'slow'");
  });

  it('cancels through an AbortSignal', async () => {
    const model = scriptedModel(() => ({ delayMs: 5_000, output: { a: 'x' } }));
    const controller = new AbortController();
    setTimeout(() => controller.abort(), 50);
    const result = await execute(compile(wf), {}, deps(model), { signal: controller.signal });
    expect(result.status).toBe('cancelled');
    expect(result.error?.code).toBe('E_CANCELLED');
  });

  it('feeds a type mismatch back to the model and succeeds on the next answer', async () => {
    const model = scriptedModel((_n, _r, i) => (i === 0 ? { a: 42 } : { a: 'fixed' }));
    const result = await execute(compile(wf), {}, deps(model));
    expect(result.status).toBe('success');
    expect(result.outputs.a).toBe('fixed');
    const second = model.calls[1]!.request.messages;
    expect(second).toHaveLength(3);
    expect(String(second[2]!.content)).toMatch(/expected str/);
  });

  it('fails after max_retries naming node, field, expected and received', async () => {
    const model = scriptedModel(() => ({ a: 42 }));
    const result = await execute(compile(wf), {}, deps(model));
    expect(model.calls).toHaveLength(3);
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('E_MODEL_OUTPUT');
    expect(result.error?.message).toMatch(/node 'slow'.*field 'a'.*str.*42/);
  });
});

describe('checkpoints and resume', () => {
  const wf = workflowFrom(`${head('resume')}${strFields(['a', 'b', 'c'])}
nodes:
${strNode('one', 'a')}
${strNode('two', 'b', 'a={a}')}
${strNode('three', 'c', 'b={b}')}
edges:
  - {from: START, to: one}
  - {from: one, to: two}
  - {from: two, to: three}
  - {from: three, to: END}
`);
  const answer = (node: string) => ({ [{ one: 'a', two: 'b', three: 'c' }[node]!]: `${node}!` });

  it('emits a checkpoint after every node and resumes without re-running finished nodes', async () => {
    const checkpoints: Array<import('../../src/engine/index.js').Checkpoint> = [];
    const first = scriptedModel(answer);
    await execute(compile(wf), {}, { ...deps(first), checkpoint: (cp) => void checkpoints.push(cp) });
    expect(checkpoints.map((c) => c.completed)).toEqual([['one'], ['one', 'two'], ['one', 'two', 'three']]);
    expect(checkpoints[0]!.pending).toEqual([{ nodeId: 'two', arrivals: 1 }]);

    const resumedModel = scriptedModel(answer);
    const resumed = await execute(compile(wf), {}, deps(resumedModel), { resume: checkpoints[0]! });
    expect(resumedModel.calls.map((c) => c.nodeId)).toEqual(['two', 'three']);
    expect(resumed.outputs).toEqual({ a: 'one!', b: 'two!', c: 'three!' });
    expect(resumed.runId).toBe(checkpoints[0]!.runId);
  });

  it('marks only the checkpoint after which nothing is left to run as final', async () => {
    const finals: boolean[] = [];
    await execute(
      compile(wf),
      {},
      { ...deps(scriptedModel(answer)), checkpoint: (_cp, info) => void finals.push(info.final) },
    );
    expect(finals).toEqual([false, false, true]);
    // A resumed run's last checkpoint is final too.
    const resumedFinals: boolean[] = [];
    const checkpoints: Array<import('../../src/engine/index.js').Checkpoint> = [];
    await execute(
      compile(wf),
      {},
      { ...deps(scriptedModel(answer)), checkpoint: (cp) => void checkpoints.push(cp) },
    );
    await execute(
      compile(wf),
      {},
      { ...deps(scriptedModel(answer)), checkpoint: (_cp, info) => void resumedFinals.push(info.final) },
      { resume: checkpoints[1]! },
    );
    expect(resumedFinals).toEqual([true]);
  });
});

describe('checkpoints the host cannot save', () => {
  const wf = workflowFrom(`${head('unsaved')}${strFields(['a', 'b'])}
nodes:
${strNode('one', 'a')}
${strNode('two', 'b', 'a={a}')}
edges:
  - {from: START, to: one}
  - {from: one, to: two}
  - {from: two, to: END}
`);
  const answer = (node: string) => ({ [node === 'one' ? 'a' : 'b']: `${node}!` });

  for (const how of ['throws', 'rejects'] as const) {
    it(`stops the run with the host's error when its checkpoint ${how}, before the next node`, async () => {
      const model = scriptedModel(answer);
      const { events, onEvent } = collect();
      const result = await execute(
        compile(wf),
        {},
        {
          ...deps(model),
          checkpoint: () => {
            if (how === 'throws') throw new Error('the disk is full');
            return Promise.reject(new Error('the disk is full'));
          },
        },
        { onEvent },
      );
      expect(result.status).toBe('failed');
      expect(result.error?.message).toContain('the disk is full');
      expect(model.calls.map((c) => c.nodeId)).toEqual(['one']);
      expect(events.filter((e) => e.type === 'node-start').map((e) => e.nodeId)).toEqual(['one']);
      expect(events.at(-1)).toMatchObject({ type: 'run-end', status: 'failed', steps: 1 });
    });
  }

  it('runs one plan many times with what it made once left as it was', async () => {
    const plan = compile(wf);
    const runs = [];
    for (let i = 0; i < 3; i++) {
      const checkpoints: Array<import('../../src/engine/index.js').Checkpoint> = [];
      const result = await execute(
        plan,
        {},
        { ...deps(scriptedModel(answer)), checkpoint: (cp) => void checkpoints.push(cp) },
      );
      runs.push({ outputs: result.outputs, pending: checkpoints.map((c) => c.pending) });
    }
    expect(runs[2]).toEqual(runs[0]);
    expect(runs[0]!.pending).toEqual([[{ nodeId: 'two', arrivals: 1 }], []]);
    expect(plan.zeroCounters).toEqual({ _loop_iteration_one: 0, _loop_iteration_two: 0 });
  });
});

describe('tools, credentials and unsupported features', () => {
  it('on_error: continue hands the error to the model; fail stops the node', async () => {
    const make = (onError: string) =>
      workflowFrom(`${head('tools')}${strFields(['a'])}
nodes:
  - id: use
    prompt: read it
    outputs: [a]
    output_schema: {type: str}
    tools:
      - {name: file_read, on_error: ${onError}}
edges:
  - {from: START, to: use}
  - {from: use, to: END}
`);
    const { events, onEvent } = collect();
    const reader = () =>
      scriptedModel(() => ({
        toolCalls: [{ name: 'file_read', args: { path: '/etc/passwd' } }],
        output: { a: 'done' },
      }));
    const cont = await execute(compile(make('continue')), {}, deps(reader()), { onEvent });
    expect(cont.status).toBe('success');
    const call = events.find((e) => e.type === 'tool-call');
    expect(call).toMatchObject({ type: 'tool-call', tool: 'file_read', ok: false });
    expect(call && 'error' in call ? call.error : '').toMatch(/outside/);

    const fail = await execute(compile(make('fail')), {}, deps(reader()));
    expect(fail.status).toBe('failed');
    expect(fail.error?.message).toMatch(/tool 'file_read' failed/);
  });

  it('reports missing credentials together before any model call', async () => {
    const wf = workflowFrom(`${head('creds')}${strFields(['a'])}
nodes:
  - id: search
    prompt: search
    outputs: [a]
    output_schema: {type: str}
    tools: [serper_search]
edges:
  - {from: START, to: search}
  - {from: search, to: END}
`);
    const model = scriptedModel(() => ({ a: 'x' }), {
      missing: [
        {
          nodes: ['search'],
          provider: 'google',
          variables: ['GOOGLE_API_KEY'],
          message: 'set GOOGLE_API_KEY',
        },
      ],
    });
    const result = await execute(compile(wf), {}, deps(model));
    expect(result.status).toBe('failed');
    expect(result.error?.code).toBe('E_MISSING_CREDENTIALS');
    expect(result.error?.message).toContain('GOOGLE_API_KEY');
    expect(result.error?.message).toContain('SERPER_API_KEY');
    expect(model.calls).toHaveLength(0);
  });

  it('refuses code nodes before any model call when the host gives no sandbox', async () => {
    const wf = workflowFrom(`${head('code')}${strFields(['a'])}
nodes:
  - id: calc
    prompt: sum
    outputs: [a]
    output_schema: {type: str}
    code: "result = 1"
edges:
  - {from: START, to: calc}
  - {from: calc, to: END}
`);
    const model = scriptedModel(() => ({ a: 'x' }));
    const result = await execute(compile(wf), {}, deps(model));
    expect(result.error?.code).toBe('E_UNSUPPORTED_FEATURE');
    expect(result.error?.message).toMatch(/calc runs code, but the engine was given no code sandbox/);
    expect(model.calls).toHaveLength(0);
  });
});

describe('concurrency of independent work', () => {
  it('a slow branch does not hold up the other branch', async () => {
    const wf = workflowFrom(`${head('indep')}${strFields(['a', 'b', 'c'])}
nodes:
${strNode('s', 'a')}
${strNode('slow', 'b')}
${strNode('fast', 'c')}
edges:
  - {from: START, to: s}
  - {from: s, to: [slow, fast]}
  - {from: slow, to: END}
  - {from: fast, to: END}
`);
    const ended: string[] = [];
    const model = scriptedModel(async (node) => {
      if (node === 'slow') await sleep(60);
      ended.push(node);
      return { [{ s: 'a', slow: 'b', fast: 'c' }[node]!]: node };
    });
    await execute(compile(wf), {}, deps(model));
    expect(ended).toEqual(['s', 'fast', 'slow']);
  });
});
