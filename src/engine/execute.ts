/**
 * execute(plan, inputs, deps, options) → RunResult, emitting events on the way.
 *
 * The scheduler is a dataflow walk: a completed node hands one "arrival" to each node its
 * edges choose; a node with arrivals starts as soon as no running or waiting node can still
 * reach it (that is the join: it waits for every started predecessor, then runs once).
 * Independent ready nodes run concurrently. After each completed node a checkpoint (state,
 * what is done, what must still run) is awaited by the host, so a crash resumes from there.
 */
import { randomUUID } from 'node:crypto';
import { PARALLEL_INDEX, PARALLEL_ITEM } from '../config/graph.js';
import type { NodeDef } from '../config/types.js';
import { AgentcrateError, toAgentcrateError } from '../errors.js';
import type { Usage } from '../models/types.js';
import { type NodeRunContext, runNode } from './node-runner.js';
import { preflight } from './preflight.js';
import { nextStep, type ParallelBatch } from './routing.js';
import { buildInitialState, publicOutputs } from './state.js';
import type {
  Checkpoint,
  EngineDeps,
  EngineEvent,
  ExecuteOptions,
  MemoryChange,
  Plan,
  RunError,
  RunResult,
} from './types.js';

type Task = { kind: 'node'; nodeId: string } | { kind: 'batch'; nodeId: string; batch: ParallelBatch };

/** A node's checkpoint without memory writes (most): one empty list for all. */
const NO_MEMORY: readonly MemoryChange[] = Object.freeze([]);
/** What `running` holds for a task between its start and its promise. */
const STARTING: Promise<void> = Promise.resolve();

export async function execute(
  plan: Plan,
  inputs: Record<string, unknown>,
  deps: EngineDeps,
  options: ExecuteOptions = {},
): Promise<RunResult> {
  const workflow = plan.workflow;
  const clock = deps.clock ?? Date;
  const now = () => clock.now();
  const runId = options.runId ?? options.resume?.runId ?? (deps.newId ?? randomUUID)();
  const startedAt = now();
  const elapsedBefore = options.resume?.elapsedMs ?? 0;
  const emit = (event: EngineEvent) => options.onEvent?.(event);

  const usage: Usage = { ...(options.resume?.usage ?? { inputTokens: 0, outputTokens: 0 }) };
  // Every model call counts as it returns, so a node that fails after some calls still
  // reports what they used.
  const addUsage = (used: Usage): void => {
    usage.inputTokens += used.inputTokens;
    usage.outputTokens += used.outputTokens;
  };
  // Memory writes of completed nodes, kept with the next checkpoint (EngineDeps.checkpoint).
  const stagedMemory: MemoryChange[] = [];
  const stageMemory = (changes: readonly MemoryChange[]): void => {
    stagedMemory.push(...changes);
  };
  let state: Record<string, unknown> = options.resume ? structuredClone(options.resume.state) : {};
  const completed: string[] = options.resume ? [...options.resume.completed] : [];
  let step = options.resume?.step ?? 0;
  const pending = new Map<string, number>(options.resume?.pending.map((p) => [p.nodeId, p.arrivals]) ?? []);
  const pendingBatches: Array<{ nodeId: string; batch: ParallelBatch }> =
    options.resume?.pendingMaps?.map((batch) => ({ nodeId: batch.targetNode, batch: { ...batch } })) ?? [];

  // One controller for the run: the caller's signal, the timeout and a failing branch all
  // abort it, so every in-flight model call and tool stops together.
  const controller = new AbortController();
  let stopReason: AgentcrateError | undefined;
  /**
   * Tasks started and not yet completed. A task leaves it in the same synchronous step in which
   * it is marked completed and routed, so a checkpoint never holds a node both as done and as
   * still to run, nor a finished node whose arrivals are missing. Its keys are the nodes a
   * timeout or cancel names.
   */
  const inFlight = new Map<string, Task>();
  const stop = (reason: AgentcrateError) => {
    stopReason ??= reason;
    if (!controller.signal.aborted) controller.abort(stopReason);
  };
  const onCallerAbort = () =>
    stop(
      new AgentcrateError(
        'E_CANCELLED',
        `run cancelled${inFlight.size ? ` while running ${[...inFlight.keys()].map((n) => `'${n}'`).join(', ')}` : ''}`,
      ),
    );
  if (options.signal?.aborted) onCallerAbort();
  options.signal?.addEventListener('abort', onCallerAbort, { once: true });
  const timeoutMs = Math.max(
    0,
    (options.timeoutMs ?? workflow.config.execution.timeoutSeconds * 1000) - elapsedBefore,
  );
  const timer = setTimeout(() => {
    const where = inFlight.size
      ? ` while running ${[...inFlight.keys()].map((n) => `'${n}'`).join(', ')}`
      : '';
    stop(
      new AgentcrateError(
        'E_TIMEOUT',
        `run exceeded its timeout of ${Math.round((options.timeoutMs ?? workflow.config.execution.timeoutSeconds * 1000) / 1000)} s (config.execution.timeout)${where}`,
        { details: { nodes: [...inFlight.keys()], limitMs: timeoutMs + elapsedBefore } },
      ),
    );
  }, timeoutMs);
  timer.unref?.();

  const finish = (status: RunResult['status'], error?: RunError): RunResult => {
    clearTimeout(timer);
    options.signal?.removeEventListener('abort', onCallerAbort);
    const outputs = publicOutputs(workflow, state);
    const durationMs = elapsedBefore + (now() - startedAt);
    const at = now();
    // Two literals rather than a spread in the middle: the same keys in the same order.
    emit(
      error
        ? { type: 'run-end', runId, at, status, outputs, error, usage, durationMs, steps: step }
        : { type: 'run-end', runId, at, status, outputs, usage, durationMs, steps: step },
    );
    const dryRun = deps.models.dryRun;
    return error
      ? { runId, status, state, outputs, error, usage, durationMs, steps: step, dryRun }
      : { runId, status, state, outputs, usage, durationMs, steps: step, dryRun };
  };

  emit({
    type: 'run-start',
    runId,
    at: now(),
    workflow: workflow.flow.name,
    inputs,
    resumed: options.resume !== undefined,
    dryRun: deps.models.dryRun,
  });

  try {
    if (!options.resume) {
      preflight(plan, deps);
      // Every node's `_loop_iteration_<id>` exists from the start (0 until it completes), so
      // templates and conditions can use it on a node's first run.
      state = { ...plan.zeroCounters, ...buildInitialState(workflow, inputs) };
      routeFrom('START');
    }
  } catch (error) {
    const err = toAgentcrateError(error);
    return finish('failed', toRunError(err));
  }

  // State is never mutated in place (each node replaces it), so it can be shared with
  // checkpoints and templates without copying.
  function scope(): Record<string, unknown> {
    return state;
  }

  function routeFrom(from: string): void {
    const next = nextStep(plan, from, scope());
    for (let i = 0; i < next.targets.length; i++) {
      const target = next.targets[i]!;
      pending.set(target, (pending.get(target) ?? 0) + 1);
    }
    for (let i = 0; i < next.batches.length; i++) {
      const batch = next.batches[i]!;
      pendingBatches.push({ nodeId: batch.targetNode, batch });
    }
  }

  const running = new Map<string, Promise<void>>();
  let failure: AgentcrateError | undefined;

  /** A waiting node is ready when nothing active can still reach it (the join rule). */
  function readyNodes(): Task[] {
    // One node waiting and nothing else active (every step of a chain): nothing can reach it
    // but itself, so it is ready.
    if (pending.size === 1 && running.size === 0 && pendingBatches.length === 0) {
      return [{ kind: 'node', nodeId: pending.keys().next().value! }];
    }
    const active = new Set<string>([
      ...running.keys(),
      ...pending.keys(),
      ...pendingBatches.map((b) => b.nodeId),
    ]);
    const ready: Task[] = [];
    while (pendingBatches.length > 0) {
      const b = pendingBatches.shift()!;
      if (running.has(b.nodeId)) {
        pendingBatches.unshift(b);
        break;
      }
      ready.push({ kind: 'batch', nodeId: b.nodeId, batch: b.batch });
    }
    for (const nodeId of pending.keys()) {
      if (running.has(nodeId)) continue;
      const blocked = [...active].some(
        (other) => other !== nodeId && plan.reachability.canReach(other, nodeId),
      );
      if (!blocked) ready.push({ kind: 'node', nodeId });
    }
    if (ready.length === 0 && running.size === 0 && pending.size > 0) {
      // Every waiting node can reach another (a cycle through a join): run the first, so a
      // loop that passes through a join still makes progress.
      ready.push({ kind: 'node', nodeId: pending.keys().next().value! });
    }
    return ready;
  }

  /** The host's checkpoint (or the memory writes alone); undefined when there is nothing to wait for. */
  function checkpoint(): Promise<void> | void {
    const pendingNodes: Checkpoint['pending'] = [];
    for (const [nodeId, arrivals] of pending) pendingNodes.push({ nodeId, arrivals });
    const pendingMaps: NonNullable<Checkpoint['pendingMaps']> = [];
    // Tasks still running when this one finished: a node runs again after a resume, a
    // parallel map starts over.
    if (inFlight.size > 0) {
      for (const task of inFlight.values()) {
        if (task.kind === 'batch') pendingMaps.push(task.batch);
        else if (!pending.has(task.nodeId)) pendingNodes.push({ nodeId: task.nodeId, arrivals: 1 });
      }
    }
    for (let i = 0; i < pendingBatches.length; i++) pendingMaps.push(pendingBatches[i]!.batch);
    const at = now();
    const cp: Checkpoint = {
      runId,
      step: completed.length,
      state,
      completed: completed.slice(),
      pending: pendingNodes,
      pendingMaps,
      usage: { ...usage },
      elapsedMs: elapsedBefore + (at - startedAt),
    };
    emit({ type: 'checkpoint', runId, at, checkpoint: cp });
    // Nothing running, waiting or queued: the walk ends after this checkpoint.
    const final =
      running.size === 0 && pending.size === 0 && pendingBatches.length === 0 && inFlight.size === 0;
    const memory = stagedMemory.length === 0 ? NO_MEMORY : stagedMemory.splice(0);
    if (deps.checkpoint !== undefined) return deps.checkpoint(cp, { final, memory });
    if (memory.length > 0) return deps.memory?.apply(memory);
  }

  /**
   * One task to its checkpoint: counted against the step limit, run, its state written and
   * its arrivals routed, then checkpointed. Never rejects: a failure is kept in `failure` and
   * stops the run. One async function per step, where a task and a callback chained to it
   * were two promises and two closures.
   */
  async function runTask(task: Task): Promise<void> {
    const key = task.nodeId;
    try {
      step += 1;
      if (step > workflow.config.execution.maxSteps) {
        throw new AgentcrateError(
          'E_STEP_LIMIT',
          `run stopped at node '${key}': it exceeded the step limit of ${workflow.config.execution.maxSteps} (config.execution.max_steps); is a loop missing an exit?`,
          { details: { node: key, limit: workflow.config.execution.maxSteps } },
        );
      }
      const node = plan.nodes.get(key)!;
      const counterKey = plan.counterKeys.get(node.id)!;
      const iteration = Number(state[counterKey] ?? 0) + 1;
      inFlight.set(key, task);
      const started = now();
      emit({ type: 'node-start', runId, at: started, nodeId: node.id, step, iteration });
      try {
        let writes: Record<string, unknown>;
        if (task.kind === 'batch') {
          writes = await runBatch(task.batch);
        } else {
          writes = (await runOn(node, scope())).writes;
        }
        state = { ...state, ...writes, [counterKey]: iteration };
        completed.push(node.id);
        inFlight.delete(key);
        const ended = now();
        emit({
          type: 'node-end',
          runId,
          at: ended,
          nodeId: node.id,
          step,
          iteration,
          ok: true,
          durationMs: ended - started,
          writes,
        });
      } catch (error) {
        inFlight.delete(key);
        const err = controller.signal.aborted && stopReason ? stopReason : toAgentcrateError(error);
        emit({
          type: 'node-end',
          runId,
          at: now(),
          nodeId: node.id,
          step,
          iteration,
          ok: false,
          durationMs: now() - started,
          error: toRunError(err, node.id),
        });
        throw err;
      }
      // In the same synchronous step as `completed.push`: a checkpoint sees both or neither.
      routeFrom(node.id);
    } catch (error) {
      running.delete(key);
      failure ??= toAgentcrateError(error);
      stop(failure);
      return;
    }
    running.delete(key);
    if (failure || controller.signal.aborted) return;
    try {
      const saved = checkpoint();
      if (saved !== undefined) await saved;
    } catch (error) {
      failure ??= toAgentcrateError(error);
      stop(failure);
    }
  }

  /** One execution of `node` on `nodeScope` (an item's, in a parallel map). */
  function runOn(node: NodeDef, nodeScope: Record<string, unknown>, parallelIndex?: number) {
    const ctx: NodeRunContext = {
      plan,
      deps,
      runId,
      node,
      scope: nodeScope,
      signal: controller.signal,
      now,
      emit,
      addUsage,
      stageMemory,
      logPrompts: options.logPrompts === true,
    };
    if (parallelIndex !== undefined) ctx.parallelIndex = parallelIndex;
    return runNode(ctx);
  }

  async function runBatch(batch: ParallelBatch): Promise<Record<string, unknown>> {
    const node = plan.nodes.get(batch.targetNode)!;
    const items = state[batch.itemsField];
    const list = Array.isArray(items) ? items : [];
    const results: unknown[] = new Array(list.length);
    let nextIndex = 0;
    const limit = Math.max(1, workflow.config.execution.maxParallel);
    const worker = async () => {
      while (nextIndex < list.length && !controller.signal.aborted) {
        const index = nextIndex++;
        const itemScope = { ...state, [PARALLEL_ITEM]: list[index], [PARALLEL_INDEX]: index };
        const result = await runOn(node, itemScope, index);
        // One output → the value itself; several → an object per item.
        results[index] = node.outputs.length === 1 ? result.writes[node.outputs[0]!] : result.writes;
      }
    };
    await Promise.all(Array.from({ length: Math.min(limit, list.length) }, worker));
    if (controller.signal.aborted) throw stopReason ?? new AgentcrateError('E_CANCELLED', 'run cancelled');
    return { [batch.collectField]: results };
  }

  // The walk: start what is ready, wait for any task to settle (it routes itself), checkpoint, repeat.
  try {
    while (!failure) {
      if (controller.signal.aborted) break;
      for (const task of readyNodes()) {
        if (task.kind === 'node') pending.delete(task.nodeId);
        const key = task.nodeId;
        // Held before the task starts: a task that fails before its first wait leaves `running`
        // at once, and must not be put back.
        running.set(key, STARTING);
        const promise = runTask(task);
        if (running.has(key)) running.set(key, promise);
      }
      if (running.size === 0) break;
      // One task at a time (every step of a chain): wait for it alone, no race to set up.
      await (running.size === 1 ? running.values().next().value : Promise.race(running.values()));
    }
    // Let aborted branches settle so no work outlives the run.
    await Promise.allSettled([...running.values()]);
  } catch (error) {
    failure ??= toAgentcrateError(error);
  }

  // The first reason to stop wins: a timeout or cancel, or the branch that failed first.
  const reason = stopReason ?? failure;
  if (reason) return finish(reason.code === 'E_CANCELLED' ? 'cancelled' : 'failed', toRunError(reason));
  return finish('success');
}

function toRunError(err: AgentcrateError, nodeId?: string): RunError {
  const node = nodeId ?? (typeof err.details?.node === 'string' ? err.details.node : undefined);
  return {
    code: err.code,
    message: err.message,
    ...(node ? { nodeId: node } : {}),
    ...(err.details ? { details: err.details } : {}),
  };
}
