/**
 * Routing forms and joins, run for real: which nodes run, how often, in what order relative to
 * each other, and with which state — for every edge form of the format and their mixtures.
 */
import { describe, expect, it } from 'vitest';
import { scriptedModel } from '../support/scripted-model.js';
import { callOrder, deferred, flow, node, promptsOf, run, strFieldLines } from './helpers.js';

/** A scripted answer writing `<id>` into the node's one str output. */
const own = (outputs: Record<string, string>) => (id: string) => ({ [outputs[id]!]: id });

describe('routing forms', () => {
  it('`to: [a, b]` fans out to both; several plain edges from one node do the same', async () => {
    const edges = (form: 'list' | 'edges') =>
      form === 'list'
        ? `  - {from: START, to: s}
  - {from: s, to: [a, b]}
  - {from: a, to: END}
  - {from: b, to: END}`
        : `  - {from: START, to: s}
  - {from: s, to: a}
  - {from: s, to: b}
  - {from: a, to: END}
  - {from: b, to: END}`;
    for (const form of ['list', 'edges'] as const) {
      const plan = flow(
        'fan',
        strFieldLines(['x', 'y', 'z']),
        [node('s', 'x'), node('a', 'y'), node('b', 'z')].join('\n'),
        edges(form),
      );
      const model = scriptedModel(own({ s: 'x', a: 'y', b: 'z' }));
      const { result } = await run(plan, model);
      expect(result.outputs, form).toEqual({ x: 's', y: 'a', z: 'b' });
      expect(callOrder(model).sort(), form).toEqual(['a', 'b', 's']);
    }
  });

  it('routes: the first true route wins even when later ones are true too; conditions read what the node just wrote', async () => {
    const plan = flow(
      'routes',
      `    score: {type: int, default: 0}
    out: {type: str, default: ""}`,
      `  - {id: rate, prompt: rate, outputs: [score], output_schema: {type: int}}
${node('top', 'out')}
${node('good', 'out')}
${node('rest', 'out')}`,
      `  - {from: START, to: rate}
  - from: rate
    routes:
      - {condition: {logic: "state.score >= 90"}, to: top}
      - {condition: {logic: "state.score >= 50"}, to: good}
      - {condition: {logic: default}, to: rest}
  - {from: top, to: END}
  - {from: good, to: END}
  - {from: rest, to: END}`,
    );
    for (const [score, expected] of [
      [95, 'top'],
      [90, 'top'],
      [89, 'good'],
      [10, 'rest'],
    ] as const) {
      const model = scriptedModel((id) => (id === 'rate' ? { score } : { out: id }));
      const { result } = await run(plan, model);
      expect(result.outputs.out, `score ${score}`).toBe(expected);
      expect(callOrder(model)).toEqual(['rate', expected]);
    }
  });

  it('a route straight to END ends the run there; nothing else runs', async () => {
    const plan = flow(
      'early',
      `    stop: {type: bool, default: false}
    out: {type: str, default: ""}`,
      `  - {id: check, prompt: check, outputs: [stop], output_schema: {type: bool}}
${node('more', 'out')}`,
      `  - {from: START, to: check}
  - from: check
    routes:
      - {condition: {logic: "state.stop"}, to: END}
      - {condition: {logic: default}, to: more}
  - {from: more, to: END}`,
    );
    const stopping = scriptedModel(() => ({ stop: true }));
    const { result, events } = await run(plan, stopping);
    expect(result.status).toBe('success');
    expect(callOrder(stopping)).toEqual(['check']);
    expect(events.at(-1)).toMatchObject({ type: 'run-end', status: 'success', steps: 1 });
  });

  it('conditional edges: the unconditional one is the default wherever it is written, and a true condition may fan out', async () => {
    const plan = flow(
      'conditional',
      `    kind: {type: str, default: ""}
    a: {type: str, default: ""}
    b: {type: str, default: ""}`,
      `  - {id: classify, prompt: c, outputs: [kind], output_schema: {type: str}}
${node('general', 'a')}
${node('docs', 'a')}
${node('index', 'b')}`,
      `  - {from: START, to: classify}
  - {from: classify, to: general}
  - {from: classify, to: [docs, index], condition: "state.kind == 'docs'"}
  - {from: general, to: END}
  - {from: docs, to: END}
  - {from: index, to: END}`,
    );
    const answer = (kind: string) =>
      scriptedModel((id) => (id === 'classify' ? { kind } : { [id === 'index' ? 'b' : 'a']: id }));
    const docs = answer('docs');
    expect((await run(plan, docs)).result.outputs).toMatchObject({ a: 'docs', b: 'index' });
    expect(callOrder(docs).sort()).toEqual(['classify', 'docs', 'index']);
    const other = answer('code');
    expect((await run(plan, other)).result.outputs).toMatchObject({ a: 'general', b: '' });
    expect(callOrder(other)).toEqual(['classify', 'general']);
  });

  it('a loop exits to the node its edge names and the counter is visible afterwards', async () => {
    const plan = flow(
      'loopexit',
      `    done: {type: bool, default: false}
    report: {type: str, default: ""}`,
      `  - {id: poll, prompt: "poll {_loop_iteration_poll}", outputs: [done], output_schema: {type: bool}}
${node('after', 'report', 'polled {_loop_iteration_poll} times')}`,
      `  - {from: START, to: poll}
  - from: poll
    loop: {condition_field: done, max_iterations: 10, exit_to: after}
  - {from: after, to: END}`,
    );
    const model = scriptedModel((id, _req, i) => (id === 'poll' ? { done: i === 2 } : { report: 'ok' }));
    const { result } = await run(plan, model);
    expect(result.status).toBe('success');
    expect(promptsOf(model, 'poll')).toEqual(['poll 0', 'poll 1', 'poll 2']);
    expect(promptsOf(model, 'after')).toEqual(['polled 3 times']);
  });
});

describe('joins', () => {
  it('do not wait for a branch that was never taken', async () => {
    const plan = flow(
      'untaken',
      `    go_left: {type: bool, default: false}
    l: {type: str, default: ""}
    r: {type: str, default: ""}
    j: {type: str, default: ""}`,
      `  - {id: decide, prompt: d, outputs: [go_left], output_schema: {type: bool}}
${node('left', 'l')}
${node('right', 'r')}
${node('join', 'j', 'l={l} r={r}')}`,
      `  - {from: START, to: decide}
  - {from: decide, to: left, condition: "state.go_left"}
  - {from: decide, to: right}
  - {from: left, to: join}
  - {from: right, to: join}
  - {from: join, to: END}`,
    );
    const model = scriptedModel((id) =>
      id === 'decide' ? { go_left: false } : { [{ left: 'l', right: 'r', join: 'j' }[id]!]: id },
    );
    const { result } = await run(plan, model);
    expect(result.status).toBe('success');
    expect(callOrder(model)).toEqual(['decide', 'right', 'join']);
    expect(promptsOf(model, 'join')).toEqual(['l= r=right']);
  });

  it('nest: an inner join completes before the outer one, each runs once', async () => {
    const plan = flow(
      'nested',
      strFieldLines(['s', 'a1', 'a2', 'ai', 'b', 'o']),
      [
        node('start', 's'),
        node('a1', 'a1'),
        node('a2', 'a2'),
        node('inner', 'ai', 'inner {a1} {a2}'),
        node('b', 'b'),
        node('outer', 'o', 'outer {ai} {b}'),
      ].join('\n'),
      `  - {from: START, to: start}
  - {from: start, to: [a1, a2, b]}
  - {from: a1, to: inner}
  - {from: a2, to: inner}
  - {from: inner, to: outer}
  - {from: b, to: outer}
  - {from: outer, to: END}`,
    );
    // b answers last, after the inner join: the outer join still waits for it.
    const innerDone = deferred();
    const model = scriptedModel(async (id) => {
      if (id === 'b') await innerDone.promise;
      if (id === 'inner') innerDone.resolve();
      return { [{ start: 's', a1: 'a1', a2: 'a2', inner: 'ai', b: 'b', outer: 'o' }[id]!]: id };
    });
    const { result } = await run(plan, model);
    expect(result.status).toBe('success');
    const order = callOrder(model);
    expect(order.filter((id) => id === 'inner')).toHaveLength(1);
    expect(order.filter((id) => id === 'outer')).toHaveLength(1);
    expect(order.at(-1)).toBe('outer');
    expect(promptsOf(model, 'outer')).toEqual(['outer inner b']);
  });

  it('wait for a loop upstream to finish all its rounds', async () => {
    const plan = flow(
      'loopjoin',
      `    done: {type: bool, default: false}
    side: {type: str, default: ""}
    j: {type: str, default: ""}`,
      `  - {id: start, prompt: s, outputs: [side], output_schema: {type: str}}
  - {id: refine, prompt: "refine {_loop_iteration_refine}", outputs: [done], output_schema: {type: bool}}
${node('quick', 'side')}
${node('join', 'j', 'join after {_loop_iteration_refine} rounds')}`,
      `  - {from: START, to: start}
  - {from: start, to: [refine, quick]}
  - from: refine
    loop: {condition_field: done, max_iterations: 3, exit_to: join}
  - {from: quick, to: join}
  - {from: join, to: END}`,
    );
    const model = scriptedModel((id) =>
      id === 'refine' ? { done: false } : { [id === 'join' ? 'j' : 'side']: id },
    );
    const { result } = await run(plan, model);
    expect(result.status).toBe('success');
    expect(promptsOf(model, 'refine')).toHaveLength(3);
    expect(promptsOf(model, 'join')).toEqual(['join after 3 rounds']);
    expect(callOrder(model).at(-1)).toBe('join');
  });

  it('after a parallel map: the join waits for the whole map and a sibling branch', async () => {
    const plan = flow(
      'mapjoin',
      `    items: {type: "list[int]", required: true}
    s: {type: str, default: ""}
    one: {type: int, default: 0}
    all: {type: "list[int]", default: []}
    side: {type: str, default: ""}
    j: {type: str, default: ""}`,
      `${node('start', 's')}
  - {id: square, prompt: "{_parallel_item}", outputs: [one], output_schema: {type: int}}
${node('side', 'side')}
${node('join', 'j', 'all={all} side={side}')}`,
      `  - {from: START, to: start}
  - from: start
    parallel: {items_field: items, target_node: square, collect_field: all}
  - {from: start, to: side}
  - {from: square, to: join}
  - {from: side, to: join}
  - {from: join, to: END}`,
    );
    const model = scriptedModel((id, request) =>
      id === 'square'
        ? { one: Number(request.messages[0]!.content) ** 2 }
        : { [{ start: 's', side: 'side', join: 'j' }[id]!]: id },
    );
    const { result } = await run(plan, model, { items: [1, 2, 3] });
    expect(result.status).toBe('success');
    expect(promptsOf(model, 'join')).toEqual(['all=[1,4,9] side=side']);
    expect(callOrder(model).at(-1)).toBe('join');
  });
});
