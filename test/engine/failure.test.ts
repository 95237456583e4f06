/**
 * Failure propagation and cancellation: the first failure (or the caller's cancel) stops
 * everything in flight — sibling branches, parallel items, tools — nothing starts afterwards,
 * and the run reports that first reason, naming its node.
 */
import { describe, expect, it } from 'vitest';
import type { EngineEvent } from '../../src/engine/index.js';
import { AgentcrateError } from '../../src/errors.js';
import { createToolRegistry } from '../../src/tools/index.js';
import { scriptedModel } from '../support/scripted-model.js';
import { callOrder, deferred, flow, node, run, strFieldLines, untilAborted } from './helpers.js';

const ends = (events: EngineEvent[]) =>
  events.flatMap((e) => (e.type === 'node-end' ? [{ node: e.nodeId, ok: e.ok, code: e.error?.code }] : []));

const branches = flow(
  'branches',
  strFieldLines(['s', 'l', 'r', 'j']),
  [node('start', 's'), node('left', 'l'), node('right', 'r'), node('join', 'j')].join('\n'),
  `  - {from: START, to: start}
  - {from: start, to: [left, right]}
  - {from: left, to: join}
  - {from: right, to: join}
  - {from: join, to: END}`,
);

const map = flow(
  'map',
  `    items: {type: "list[int]", required: true}
    one: {type: int, default: 0}
    all: {type: "list[int]", default: []}
    after: {type: str, default: ""}`,
  `  - {id: each, prompt: "{_parallel_item}", outputs: [one], output_schema: {type: int}}
${node('after', 'after')}`,
  `  - from: START
    parallel: {items_field: items, target_node: each, collect_field: all}
  - {from: each, to: after}
  - {from: after, to: END}`,
  'config:\n  execution: {max_parallel: 3}',
);

describe('failure propagation', () => {
  it('a failing branch stops its sibling in flight; nothing downstream runs; the first failure is reported', async () => {
    const siblingAborted = deferred<unknown>();
    const model = scriptedModel(async (id, request) => {
      if (id === 'right') {
        // Like a real client: the call ends with the abort.
        await untilAborted(request.signal).catch((reason: unknown) => {
          siblingAborted.resolve(reason);
          throw reason;
        });
      }
      if (id === 'left') throw new AgentcrateError('E_MODEL', 'the provider is down');
      return { s: 'ok' };
    });
    const { result, events, checkpoints } = await run(branches, model);
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'E_MODEL', nodeId: 'left' });
    expect(result.error?.message).toContain('the provider is down');
    expect(await siblingAborted.promise).toBeInstanceOf(AgentcrateError);
    expect(callOrder(model)).not.toContain('join');
    expect(ends(events)).toEqual([
      { node: 'start', ok: true, code: undefined },
      { node: 'left', ok: false, code: 'E_MODEL' },
      { node: 'right', ok: false, code: 'E_MODEL' },
    ]);
    expect(events.filter((e) => e.type === 'run-end')).toHaveLength(1);
    // Only the completed node was checkpointed.
    expect(checkpoints.map((cp) => cp.completed)).toEqual([['start']]);
  });

  it('a tool failing with on_error: fail fails the node with the tool’s code', async () => {
    const plan = flow(
      'toolfail',
      strFieldLines(['a']),
      `  - id: read
    prompt: read
    outputs: [a]
    output_schema: {type: str}
    tools: [{name: file_read, on_error: fail}]`,
      `  - {from: START, to: read}
  - {from: read, to: END}`,
    );
    const model = scriptedModel(() => ({
      toolCalls: [{ name: 'file_read', args: { path: '/etc/hostname' } }],
      output: { a: 'x' },
    }));
    const { result, events } = await run(plan, model);
    expect(result.error).toMatchObject({ code: 'E_TOOL_DENIED', nodeId: 'read' });
    expect(events.find((e) => e.type === 'tool-call')).toMatchObject({ tool: 'file_read', ok: false });
  });

  it('a failing parallel item stops the other items, starts no more, and writes nothing', async () => {
    const started: number[] = [];
    const aborted: number[] = [];
    const model = scriptedModel(async (id, request) => {
      if (id !== 'each') return { after: 'x' };
      const item = Number(request.messages[0]!.content);
      started.push(item);
      if (item === 2) throw new AgentcrateError('E_MODEL', `item ${item} broke`);
      await untilAborted(request.signal).catch((reason: unknown) => {
        aborted.push(item);
        throw reason;
      });
    });
    const { result } = await run(map, model, { items: [1, 2, 3, 4, 5, 6, 7, 8] });
    expect(result.status).toBe('failed');
    expect(result.error).toMatchObject({ code: 'E_MODEL', nodeId: 'each' });
    expect(result.error?.message).toContain('item 2 broke');
    // max_parallel is 3: items 1-3 started, item 2 failed, 1 and 3 were stopped, 4-8 never started.
    expect(started.sort()).toEqual([1, 2, 3]);
    expect(aborted.sort()).toEqual([1, 3]);
    expect(result.state.all).toEqual([]);
    expect(callOrder(model)).not.toContain('after');
  });

  it('the first of two failing branches is the run’s error', async () => {
    const leftFailed = deferred();
    const model = scriptedModel(async (id) => {
      if (id === 'left') {
        leftFailed.resolve();
        throw new AgentcrateError('E_MODEL_OUTPUT', 'left first');
      }
      if (id === 'right') {
        await leftFailed.promise;
        throw new AgentcrateError('E_MODEL', 'right second');
      }
      return { s: 'ok' };
    });
    const { result } = await run(branches, model);
    expect(result.error).toMatchObject({ code: 'E_MODEL_OUTPUT', nodeId: 'left' });
  });
});

describe('cancellation', () => {
  it('before the run starts: no model call, status cancelled', async () => {
    const model = scriptedModel(() => ({ s: 'x' }));
    const controller = new AbortController();
    controller.abort();
    const { result, events } = await run(branches, model, {}, { signal: controller.signal });
    expect(result.status).toBe('cancelled');
    expect(result.error?.code).toBe('E_CANCELLED');
    expect(model.calls).toHaveLength(0);
    expect(events.map((e) => e.type)).toEqual(['run-start', 'run-end']);
  });

  it('during a parallel map: every item in flight is stopped and no further item starts', async () => {
    const controller = new AbortController();
    const inFlight: number[] = [];
    const stopped: number[] = [];
    const model = scriptedModel(async (_id, request) => {
      const item = Number(request.messages[0]!.content);
      inFlight.push(item);
      if (inFlight.length === 3) controller.abort();
      await untilAborted(request.signal).catch((reason: unknown) => {
        stopped.push(item);
        throw reason;
      });
    });
    const { result } = await run(map, model, { items: [1, 2, 3, 4, 5, 6] }, { signal: controller.signal });
    expect(result.status).toBe('cancelled');
    expect(result.error?.message).toContain("'each'");
    expect(inFlight.sort()).toEqual([1, 2, 3]);
    expect(stopped.sort()).toEqual([1, 2, 3]);
  });

  it('reaches a running tool through its signal, and the run ends cancelled', async () => {
    const plan = flow(
      'toolcancel',
      strFieldLines(['a']),
      `  - id: wait
    prompt: wait
    outputs: [a]
    output_schema: {type: str}
    tools: [json_parse]`,
      `  - {from: START, to: wait}
  - {from: wait, to: END}`,
    );
    const toolSawAbort = deferred();
    const base = createToolRegistry().get('json_parse')!;
    const tools = createToolRegistry([
      {
        ...base,
        run: async (_args, ctx) => {
          await untilAborted(ctx.signal).catch(() => toolSawAbort.resolve());
          return {};
        },
      },
    ]);
    const controller = new AbortController();
    const model = scriptedModel(() => {
      setTimeout(() => controller.abort(), 20);
      return { toolCalls: [{ name: 'json_parse', args: { text: '{}' } }], output: { a: 'x' } };
    });
    const { result } = await run(plan, model, {}, { signal: controller.signal, tools });
    await toolSawAbort.promise;
    expect(result.status).toBe('cancelled');
  });

  it('a cancel after the run ended changes nothing', async () => {
    const controller = new AbortController();
    const model = scriptedModel((id) => ({ [{ start: 's', left: 'l', right: 'r', join: 'j' }[id]!]: id }));
    const { result } = await run(branches, model, {}, { signal: controller.signal });
    controller.abort();
    expect(result.status).toBe('success');
  });
});
