/** Shared set-up for engine behaviour tests: real compile and execute, a scripted model. */
import {
  type Checkpoint,
  compile,
  type EngineEvent,
  type ExecuteOptions,
  execute,
} from '../../src/engine/index.js';
import { createToolRegistry } from '../../src/tools/index.js';
import type { ToolRegistry } from '../../src/tools/types.js';
import type { ScriptedModel } from '../support/scripted-model.js';
import { workflowOf } from '../support/workflows.js';

/** A compiled workflow from its parts (see `workflowOf`). */
export const flow = (...parts: Parameters<typeof workflowOf>) => compile(workflowOf(...parts));

/** `name: str` fields with empty defaults. */
export const strFieldLines = (names: string[]) =>
  names.map((n) => `    ${n}: {type: str, default: ""}`).join('\n');

/** A node writing one str output; the prompt defaults to its id. */
export const node = (id: string, output: string, prompt = id) =>
  `  - {id: ${id}, prompt: "${prompt}", outputs: [${output}], output_schema: {type: str}}`;

export interface Recorded {
  events: EngineEvent[];
  checkpoints: Checkpoint[];
}

/** Runs a plan, recording events and checkpoints. */
export async function run(
  plan: ReturnType<typeof compile>,
  model: ScriptedModel,
  inputs: Record<string, unknown> = {},
  options: ExecuteOptions & { tools?: ToolRegistry; onCheckpoint?: (cp: Checkpoint) => void } = {},
) {
  const recorded: Recorded = { events: [], checkpoints: [] };
  const { tools, onCheckpoint, ...executeOptions } = options;
  const result = await execute(
    plan,
    inputs,
    {
      models: model,
      tools: tools ?? createToolRegistry(),
      env: {},
      cwd: process.cwd(),
      checkpoint: (cp) => {
        recorded.checkpoints.push(cp);
        onCheckpoint?.(cp);
      },
    },
    { ...executeOptions, onEvent: (e) => recorded.events.push(e) },
  );
  return { result, ...recorded };
}

/** Node ids in the order their model calls started. */
export const callOrder = (model: ScriptedModel) => model.calls.map((c) => c.nodeId);

/** The prompt (first user message) of each call to `nodeId`. */
export const promptsOf = (model: ScriptedModel, nodeId: string) =>
  model.calls.filter((c) => c.nodeId === nodeId).map((c) => String(c.request.messages[0]!.content));

/** A promise with its resolve handle, to hold a scripted answer until the test says so. */
export function deferred<T = void>() {
  let resolve!: (value: T) => void;
  const promise = new Promise<T>((r) => {
    resolve = r;
  });
  return { promise, resolve };
}

/** Resolves when `signal` aborts (a scripted answer that only ends by cancellation). */
export function untilAborted(signal: AbortSignal): Promise<never> {
  return new Promise((_, reject) => {
    if (signal.aborted) reject(signal.reason);
    signal.addEventListener('abort', () => reject(signal.reason), { once: true });
  });
}
