/**
 * Memory across runs, as configurable-agents namespaces it: `{agent}:{workflow}:{node}:{key}`
 * with the agent and the workflow both the flow's name (one workflow per agent here), and the
 * parts a scope does not use written `*` — agent scope `{flow}:*:*:{key}`, workflow scope
 * `{flow}:{flow}:*:{key}`, node scope `{flow}:{flow}:{node}:{key}`. A node reads its scope
 * before it runs (prompts as `{memory.key}`, code as `memory['key']`); code's writes are
 * stored with the checkpoint that marks the node done, each one an event in the run's trace.
 */
import type { NodeDef } from '../config/types.js';
import { AgentcrateError } from '../errors.js';
import type { MemoryOp } from '../sandbox/types.js';
import type { NodeRunContext } from './node-runner.js';
import type { TemplateLookup } from './template-render.js';
import type { MemoryScopeAddress, Plan } from './types.js';

const ANY = '*';
const PAGE = 1000;

export function memoryAddress(plan: Plan, node: NodeDef): MemoryScopeAddress {
  const scope = node.memory?.scope ?? 'agent';
  const flow = plan.workflow.flow.name;
  return { agent: flow, workflow: scope === 'agent' ? ANY : flow, node: scope === 'node' ? node.id : ANY };
}

/** Every value in the node's scope (empty when the node has no memory). */
export async function loadMemory(ctx: NodeRunContext): Promise<Record<string, unknown>> {
  const { node, deps } = ctx;
  if (node.memory?.enabled !== true) return {};
  if (deps.memory === undefined) throw noBackend(node.id);
  const address = memoryAddress(ctx.plan, node);
  const values: Record<string, unknown> = {};
  let cursor: string | undefined;
  do {
    const page = await deps.memory.list({ ...address, limit: PAGE, ...(cursor ? { cursor } : {}) });
    for (const entry of page.entries) values[entry.key] = entry.value;
    cursor = page.nextCursor ?? undefined;
  } while (cursor !== undefined);
  return values;
}

/**
 * Hands a succeeded node's memory changes to the run, which keeps them with the checkpoint
 * that marks the node done (one transaction: see EngineDeps.checkpoint), and emits one event
 * per change.
 */
export function applyMemory(ctx: NodeRunContext, ops: readonly MemoryOp[]): void {
  if (ops.length === 0) return;
  const { node, deps } = ctx;
  if (deps.memory === undefined) throw noBackend(node.id);
  const address = memoryAddress(ctx.plan, node);
  ctx.stageMemory(ops.map((op) => ({ ...address, ...op, jobId: ctx.runId })));
  for (const op of ops) {
    ctx.emit({
      type: 'memory-write',
      runId: ctx.runId,
      at: ctx.now(),
      nodeId: node.id,
      op: op.op,
      key: op.key,
      namespace: `${address.agent}:${address.workflow}:${address.node}:${op.key}`,
      scope: node.memory?.scope ?? 'agent',
      ...(op.op === 'set' ? { value: op.value } : {}),
      ...(ctx.parallelIndex === undefined ? {} : { parallelIndex: ctx.parallelIndex }),
    });
  }
}

/**
 * Adds `{memory.key}` to a template lookup, after inputs and state (a field named `memory`
 * wins). A key never written reads as empty text, as `memory['key']` reads as None.
 */
export function withMemory(
  lookup: TemplateLookup,
  memory: Record<string, unknown> | undefined,
): TemplateLookup {
  if (memory === undefined) return lookup;
  return (path) => {
    const found = lookup(path);
    if (found.found || path[0] !== 'memory' || path.length < 2) return found;
    let value: unknown = memory;
    for (const part of path.slice(1)) {
      if (value === null || typeof value !== 'object' || !Object.hasOwn(value, part))
        return { found: true, value: '' };
      value = (value as Record<string, unknown>)[part];
    }
    return { found: true, value };
  };
}

function noBackend(nodeId: string): AgentcrateError {
  return new AgentcrateError(
    'E_UNSUPPORTED_FEATURE',
    `node '${nodeId}' has memory, but this host keeps none (run it with agentcrate run or serve, which keep memory in the job store)`,
    { details: { node: nodeId } },
  );
}
