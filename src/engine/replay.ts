/**
 * Replaying a stored run from one of its nodes. A job's event log holds everything the state
 * went through: the inputs (`run-start`) and each completed node's writes (`node-end`), which
 * `execute` applies in this same way (`{...state, ...writes, _loop_iteration_<id>: n}`). From
 * them this builds the `Checkpoint` a run would have had just before node N started, which
 * `execute(plan, {}, deps, { resume })` continues from — the same mechanism as crash recovery.
 */

import { LOOP_PREFIX } from '../config/graph.js';
import { AgentcrateError } from '../errors.js';
import { buildInitialState } from './state.js';
import type { Checkpoint, EngineEvent, Plan } from './types.js';

/** One node execution of a stored run, in start order. */
export interface NodeExecution {
  /** 0-based position among the run's node executions. */
  index: number;
  nodeId: string;
  step: number;
  iteration: number;
  /** ok / failed / never finished (the process stopped, or the run was cancelled). */
  outcome: 'ok' | 'failed' | 'interrupted';
  writes: Record<string, unknown> | null;
  /** A parallel map's target: it runs once per item and cannot be the replay's first node. */
  mapped: boolean;
}

type Event = EngineEvent | ({ type: string; at: number } & Record<string, unknown>);

function isType<T extends EngineEvent['type']>(e: Event, type: T): e is Extract<EngineEvent, { type: T }> {
  return e.type === type;
}

/**
 * The run's node executions (node-start events of whole nodes, not per-item model calls).
 * `mappedNodes`: the targets of parallel maps (a plan's `parallelTargets`).
 */
export function nodeExecutions(events: readonly Event[], mappedNodes: ReadonlySet<string>): NodeExecution[] {
  const out: NodeExecution[] = [];
  const open = new Map<string, NodeExecution>();
  for (const e of events) {
    if (isType(e, 'node-start')) {
      if (e.parallelIndex !== undefined) continue;
      const exec: NodeExecution = {
        index: out.length,
        nodeId: e.nodeId,
        step: e.step,
        iteration: e.iteration,
        outcome: 'interrupted',
        writes: null,
        mapped: mappedNodes.has(e.nodeId),
      };
      out.push(exec);
      open.set(e.nodeId, exec);
    } else if (isType(e, 'node-end') && e.parallelIndex === undefined) {
      const exec = open.get(e.nodeId);
      if (exec === undefined) continue;
      open.delete(e.nodeId);
      exec.outcome = e.ok ? 'ok' : 'failed';
      exec.writes = e.writes ?? null;
    }
  }
  return out;
}

/** The state a run starts from: zeroed loop counters, then defaults and the inputs. */
function initialState(plan: Plan, inputs: Record<string, unknown>): Record<string, unknown> {
  const counters = Object.fromEntries(plan.workflow.nodes.map((n) => [LOOP_PREFIX + n.id, 0]));
  try {
    return { ...counters, ...buildInitialState(plan.workflow, inputs) };
  } catch (cause) {
    throw new AgentcrateError(
      'E_CONFLICT',
      `the stored run's inputs no longer fit the workflow's state (was the file changed since?): ${(cause as Error).message}`,
      { cause },
    );
  }
}

/**
 * The state after every node that completed in the run (what `execute` ended with). `base`:
 * the state a run resumed from at its start (a replay's starting checkpoint), else the
 * inputs' initial state.
 */
export function stateAfterRun(
  plan: Plan,
  inputs: Record<string, unknown>,
  events: readonly Event[],
  base?: Record<string, unknown>,
): Record<string, unknown> {
  let state = base ?? initialState(plan, inputs);
  for (const e of events) {
    if (isType(e, 'node-end') && e.ok && e.parallelIndex === undefined) {
      state = { ...state, ...(e.writes ?? {}), [LOOP_PREFIX + e.nodeId]: e.iteration };
    }
  }
  return state;
}

/**
 * The checkpoint just before node execution `index` started: the state as the completed
 * nodes before it left it, and that node (with any node still running at that moment) to run
 * next. `edits` replace state fields (checked by the caller against their types); `base` as
 * for `stateAfterRun`.
 */
export function checkpointBefore(
  plan: Plan,
  inputs: Record<string, unknown>,
  events: readonly Event[],
  index: number,
  runId: string,
  edits: Record<string, unknown> = {},
  base?: Record<string, unknown>,
): Checkpoint {
  const executions = nodeExecutions(events, plan.parallelTargets);
  const target = executions[index];
  if (target === undefined) {
    throw new AgentcrateError(
      'E_NOT_FOUND',
      `the run has ${executions.length} node execution(s); there is no node #${index + 1} to replay from`,
      { details: { index, executions: executions.length } },
    );
  }
  if (!plan.nodes.has(target.nodeId)) {
    throw new AgentcrateError(
      'E_CONFLICT',
      `node '${target.nodeId}' is no longer in the workflow; replay from another node or restore it`,
      { details: { node: target.nodeId } },
    );
  }
  if (target.mapped) {
    throw new AgentcrateError(
      'E_CONFLICT',
      `'${target.nodeId}' runs once per item of a parallel map; replay from the node that starts the map instead`,
      { details: { node: target.nodeId } },
    );
  }
  let state = base ?? initialState(plan, inputs);
  const completed: string[] = [];
  const running = new Set<string>();
  const usage = { inputTokens: 0, outputTokens: 0 };
  let seen = -1;
  for (const e of events) {
    if (isType(e, 'node-start') && e.parallelIndex === undefined) {
      seen += 1;
      if (seen === index) break;
      running.add(e.nodeId);
    } else if (isType(e, 'node-end') && e.parallelIndex === undefined) {
      running.delete(e.nodeId);
      if (e.ok) {
        state = { ...state, ...(e.writes ?? {}), [LOOP_PREFIX + e.nodeId]: e.iteration };
        completed.push(e.nodeId);
      }
    } else if (isType(e, 'model-call')) {
      usage.inputTokens += e.inputTokens;
      usage.outputTokens += e.outputTokens;
    }
  }
  running.delete(target.nodeId);
  return {
    runId,
    step: completed.length,
    state: { ...state, ...edits },
    completed,
    pending: [target.nodeId, ...running].map((nodeId) => ({ nodeId, arrivals: 1 })),
    usage,
    elapsedMs: 0,
  };
}
