/**
 * Parallel maps: one run of the target per item, collected in item order, bounded by
 * `max_parallel`, visible in events per item; and the edge cases (no items, object items,
 * several outputs).
 */
import { describe, expect, it } from 'vitest';
import { scriptedModel } from '../support/scripted-model.js';
import { callOrder, flow, node, promptsOf, run } from './helpers.js';

function mapOf(itemType: string, target: string, collectType: string, maxParallel = 4) {
  return flow(
    'map',
    `    items: {type: "${itemType}", required: true}
    one: {type: str, default: ""}
    score: {type: int, default: 0}
    all: {type: "${collectType}", default: []}
    done: {type: str, default: ""}`,
    `${target}
${node('after', 'done', 'after {all}')}`,
    `  - from: START
    parallel: {items_field: items, target_node: each, collect_field: all}
  - {from: each, to: after}
  - {from: after, to: END}`,
    `config:\n  execution: {max_parallel: ${maxParallel}}`,
  );
}

const strTarget = `  - {id: each, prompt: "#{_parallel_index} {_parallel_item}", outputs: [one], output_schema: {type: str}}`;

describe('parallel map', () => {
  it('with no items runs the target zero times, collects [] and goes on', async () => {
    const model = scriptedModel((id) => (id === 'each' ? { one: 'x' } : { done: 'yes' }));
    const { result, events } = await run(mapOf('list[str]', strTarget, 'list[str]'), model, { items: [] });
    expect(result.status).toBe('success');
    expect(callOrder(model)).toEqual(['after']);
    expect(result.outputs.all).toEqual([]);
    expect(promptsOf(model, 'after')).toEqual(['after []']);
    // The map is one step: it starts and ends once even when empty.
    expect(
      events.filter((e) => e.type === 'node-start').map((e) => e.type === 'node-start' && e.nodeId),
    ).toEqual(['each', 'after']);
  });

  it('runs one item at a time with max_parallel 1, in item order', async () => {
    const model = scriptedModel((id, request) =>
      id === 'each' ? { delayMs: 5, output: { one: String(request.messages[0]!.content) } } : { done: 'ok' },
    );
    const { result } = await run(mapOf('list[str]', strTarget, 'list[str]', 1), model, {
      items: ['a', 'b', 'c'],
    });
    expect(model.peakConcurrency).toBe(1);
    expect(promptsOf(model, 'each')).toEqual(['#0 a', '#1 b', '#2 c']);
    expect(result.outputs.all).toEqual(['#0 a', '#1 b', '#2 c']);
  });

  it('gives object items to the prompt by path and collects an object per item when the target writes several fields', async () => {
    const target = `  - id: each
    prompt: "{_parallel_item.name} is {_parallel_item.age}"
    outputs: [one, score]
    output_schema:
      type: object
      fields:
        - {name: one, type: str}
        - {name: score, type: int}`;
    const model = scriptedModel((id, request) => {
      if (id !== 'each') return { done: 'ok' };
      const text = String(request.messages[0]!.content);
      return { one: text, score: text.length };
    });
    const people = [
      { name: 'Ada', age: 36 },
      { name: 'Alan', age: 41 },
    ];
    const { result } = await run(mapOf('list[dict]', target, 'list[dict]'), model, {
      items: people,
    });
    expect(result.status).toBe('success');
    expect(result.outputs.all).toEqual([
      { one: 'Ada is 36', score: 9 },
      { one: 'Alan is 41', score: 10 },
    ]);
  });

  it('marks every model call of an item with its index, and checkpoints the collected list once', async () => {
    const model = scriptedModel((id, request) =>
      id === 'each' ? { one: String(request.messages[0]!.content) } : { done: 'ok' },
    );
    const { events, checkpoints } = await run(mapOf('list[str]', strTarget, 'list[str]'), model, {
      items: ['x', 'y', 'z'],
    });
    const indexes = events.flatMap((e) =>
      e.type === 'model-call' && e.nodeId === 'each' ? [e.parallelIndex] : [],
    );
    expect(indexes.sort()).toEqual([0, 1, 2]);
    expect(checkpoints[0]).toMatchObject({ completed: ['each'], state: { all: ['#0 x', '#1 y', '#2 z'] } });
  });
});
