/**
 * What `run` adds to the engine for code nodes and memory, and only when the workflow has
 * them: the code sandbox (its mode's implementation loads on the first call) and the job
 * store's memory (the same file `serve` and `agentcrate memory` use, so memory carries
 * across runs and between run and serve).
 */
import type { Workflow } from '../config/types.js';
import type { EngineDeps } from '../engine/index.js';
import type { Store } from '../store/index.js';

export function needsMemory(workflow: Workflow): boolean {
  return workflow.nodes.some((n) => n.memory?.enabled);
}

export interface RunHost {
  deps: Pick<EngineDeps, 'sandbox' | 'memory'>;
  close(): Promise<void>;
}

/** `store`: the job store `run` has open (it records there too); it stays the caller's to close. */
export async function openRunHost(
  workflow: Workflow,
  ctx: { env: NodeJS.ProcessEnv; store: Store | undefined },
): Promise<RunHost> {
  const closers: Array<() => Promise<void>> = [];
  const deps: RunHost['deps'] = {};
  if (workflow.nodes.some((n) => n.code !== undefined)) {
    const { createCodeSandbox } = await import('../sandbox/index.js');
    const sandbox = createCodeSandbox({
      ...(ctx.env.AGENTCRATE_SANDBOX_IMAGE ? { dockerImage: ctx.env.AGENTCRATE_SANDBOX_IMAGE } : {}),
      ...(ctx.env.AGENTCRATE_PYODIDE_DIR ? { pyodideDir: ctx.env.AGENTCRATE_PYODIDE_DIR } : {}),
    });
    deps.sandbox = sandbox;
    closers.push(() => sandbox.close());
  }
  if (ctx.store !== undefined && needsMemory(workflow)) deps.memory = ctx.store.memory;
  return {
    deps,
    async close() {
      await Promise.all(closers.map((close) => close()));
    },
  };
}
