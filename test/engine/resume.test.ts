/**
 * Resume from a checkpoint: from any checkpoint a run continues with exactly the work that was
 * not finished — never re-running a completed node, never skipping one that was queued or
 * running (a parallel map included) — with its loop counters, usage and time budget.
 */
import { describe, expect, it } from 'vitest';
import { scriptedModel } from '../support/scripted-model.js';
import { callOrder, deferred, flow, node, promptsOf, run, strFieldLines } from './helpers.js';

const OUT: Record<string, string> = { start: 'a', fast: 'fast_out', slow: 'slow_out', join: 'j' };

describe('resume', () => {
  const branches = flow(
    'branches',
    strFieldLines(['a', 'fast_out', 'slow_out', 'j']),
    [
      node('start', 'a'),
      node('fast', 'fast_out'),
      node('slow', 'slow_out'),
      node('join', 'j', 'join {fast_out} {slow_out}'),
    ].join('\n'),
    `  - {from: START, to: start}
  - {from: start, to: [fast, slow]}
  - {from: fast, to: join}
  - {from: slow, to: join}
  - {from: join, to: END}`,
  );

  it('from a checkpoint taken while a sibling branch still ran: that branch runs again, the join once', async () => {
    const fastDone = deferred();
    const model = scriptedModel(async (id) => {
      if (id === 'slow') await fastDone.promise;
      return { [OUT[id]!]: `${id}-1` };
    });
    const original = await run(
      branches,
      model,
      {},
      {
        onCheckpoint: (cp) => {
          if (cp.completed.includes('fast')) fastDone.resolve();
        },
      },
    );
    expect(original.result.status).toBe('success');
    const afterFast = original.checkpoints.find(
      (cp) => cp.completed.includes('fast') && !cp.completed.includes('slow'),
    )!;
    // The join has fast's arrival; slow was still running, so it must run again.
    expect(afterFast.pending).toEqual([
      { nodeId: 'join', arrivals: 1 },
      { nodeId: 'slow', arrivals: 1 },
    ]);

    const resumedModel = scriptedModel((id) => ({ [OUT[id]!]: `${id}-2` }));
    const resumed = await run(branches, resumedModel, {}, { resume: afterFast });
    expect(callOrder(resumedModel)).toEqual(['slow', 'join']);
    expect(promptsOf(resumedModel, 'join')).toEqual(['join fast-1 slow-2']);
    expect(resumed.result.outputs).toMatchObject({
      a: 'start-1',
      fast_out: 'fast-1',
      slow_out: 'slow-2',
      j: 'join-2',
    });
    const start = resumed.events[0]!;
    expect(start).toMatchObject({ type: 'run-start', resumed: true, runId: afterFast.runId });
  });

  it('from every checkpoint of a run, the resumed run ends in the same outputs without repeating work', async () => {
    const answer = (id: string) => ({ [OUT[id]!]: `${id}!` });
    const original = await run(branches, scriptedModel(answer));
    expect(original.checkpoints.length).toBe(4);
    for (const checkpoint of original.checkpoints) {
      const model = scriptedModel(answer);
      const resumed = await run(branches, model, {}, { resume: checkpoint });
      expect(resumed.result.outputs, `from ${checkpoint.completed.join(',')}`).toEqual(
        original.result.outputs,
      );
      // Exactly the nodes the checkpoint had not completed ran, each once.
      const expected = ['start', 'fast', 'slow', 'join'].filter((id) => !checkpoint.completed.includes(id));
      expect(callOrder(model).sort()).toEqual(expected.sort());
    }
  });

  it('keeps usage, the step count and loop counters, and continues a loop where it stopped', async () => {
    const plan = flow(
      'looping',
      `    done: {type: bool, default: false}
    note: {type: str, default: ""}`,
      `  - id: work
    prompt: "round {_loop_iteration_work}"
    outputs: [done, note]
    output_schema:
      type: object
      fields:
        - {name: done, type: bool}
        - {name: note, type: str}`,
      `  - {from: START, to: work}
  - from: work
    loop: {condition_field: done, max_iterations: 5}`,
    );
    const original = await run(
      plan,
      scriptedModel(() => ({ done: false, note: 'x' })),
    );
    expect(original.checkpoints).toHaveLength(5);
    const second = original.checkpoints[1]!;
    expect(second.state._loop_iteration_work).toBe(2);
    expect(second.usage).toEqual({ inputTokens: 20, outputTokens: 10 });

    const model = scriptedModel(() => ({ done: false, note: 'y' }));
    const resumed = await run(plan, model, {}, { resume: second });
    expect(promptsOf(model, 'work')).toEqual(['round 2', 'round 3', 'round 4']);
    expect(resumed.result.steps).toBe(5);
    expect(resumed.result.usage).toEqual({ inputTokens: 50, outputTokens: 25 });
  });

  it('a parallel map that was queued or running when the checkpoint was taken runs on resume', async () => {
    const plan = flow(
      'mapped',
      `    items: {type: "list[str]", required: true}
    first: {type: str, default: ""}
    one: {type: str, default: ""}
    all: {type: "list[str]", default: []}
    side: {type: str, default: ""}
    total: {type: str, default: ""}`,
      [
        node('prepare', 'first'),
        node('each', 'one', 'item {_parallel_item}'),
        node('aside', 'side'),
        node('total', 'total', 'all: {all}'),
      ].join('\n'),
      `  - {from: START, to: prepare}
  - from: prepare
    parallel: {items_field: items, target_node: each, collect_field: all}
  - {from: prepare, to: aside}
  - {from: each, to: total}
  - {from: aside, to: total}
  - {from: total, to: END}`,
    );
    const asideDone = deferred();
    const answer = (id: string, prompt: string) =>
      id === 'each'
        ? { one: prompt.toUpperCase() }
        : { [{ prepare: 'first', aside: 'side', total: 'total' }[id]!]: id === 'total' ? prompt : id };
    const original = await run(
      plan,
      scriptedModel(async (id, request) => {
        if (id === 'each') await asideDone.promise;
        return answer(id, String(request.messages[0]!.content));
      }),
      { items: ['a', 'b'] },
      {
        onCheckpoint: (cp) => {
          if (cp.completed.includes('aside')) asideDone.resolve();
        },
      },
    );
    expect(original.result.outputs.all).toEqual(['ITEM A', 'ITEM B']);
    const queued = original.checkpoints[0]!; // after `prepare`: the map is queued, not started
    const running = original.checkpoints.find((cp) => cp.completed.includes('aside'))!; // the map is running
    expect(running.completed).not.toContain('each');

    for (const checkpoint of [queued, running]) {
      const model = scriptedModel((id, request) => answer(id, String(request.messages[0]!.content)));
      const resumed = await run(plan, model, {}, { resume: checkpoint });
      expect(resumed.result.status).toBe('success');
      expect(promptsOf(model, 'each').sort()).toEqual(['item a', 'item b']);
      expect(resumed.result.outputs.all).toEqual(['ITEM A', 'ITEM B']);
      expect(resumed.result.outputs.total).toBe('all: ["ITEM A","ITEM B"]');
    }
  });

  it('counts the time spent before the checkpoint against the run timeout', async () => {
    const plan = flow(
      'timed',
      strFieldLines(['a', 'b']),
      [node('one', 'a'), node('two', 'b')].join('\n'),
      `  - {from: START, to: one}
  - {from: one, to: two}
  - {from: two, to: END}`,
      'config:\n  execution: {timeout: 60}',
    );
    const original = await run(
      plan,
      scriptedModel((id) => ({ [id === 'one' ? 'a' : 'b']: id })),
    );
    const spent = { ...original.checkpoints[0]!, elapsedMs: 59_990 };
    const slow = scriptedModel(() => ({ delayMs: 5_000, output: { b: 'late' } }));
    const resumed = await run(plan, slow, {}, { resume: spent });
    expect(resumed.result.status).toBe('failed');
    expect(resumed.result.error?.code).toBe('E_TIMEOUT');
    expect(resumed.result.error?.message).toContain("'two'");
  });
});
