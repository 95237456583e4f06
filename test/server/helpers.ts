/** Shared set-up for server tests: a real in-memory store, a scripted model, the real app. */
import { type AppOptions, type CreatedApp, createApp } from '../../src/server/index.js';
import { createSqliteStore } from '../../src/store/index.js';
import type { Store } from '../../src/store/types.js';
import { type Answer, type ScriptedModel, scriptedModel } from '../support/scripted-model.js';
import { workflowFrom } from '../support/workflows.js';

export const GREETER = workflowFrom(`schema_version: "1.0"
flow: {name: greeter, description: Says hello}
state:
  fields:
    name: {type: str, required: true, description: Who to greet}
    count: {type: int, default: 1}
    greeting: {type: str, default: ""}
nodes:
  - id: greet
    prompt: "greet {state.name}"
    outputs: [greeting]
    output_schema: {type: str}
edges:
  - {from: START, to: greet}
  - {from: greet, to: END}
`);

/** Three model calls in sequence, each prompt carrying the input `n` (tests tag requests by it). */
export const THREE_STEPS_YAML = `schema_version: "1.0"
flow: {name: three}
state:
  fields:
    n: {type: str, required: true}
    a: {type: str, default: ""}
    b: {type: str, default: ""}
    c: {type: str, default: ""}
nodes:
  - {id: one, prompt: "one n={state.n}", outputs: [a], output_schema: {type: str}}
  - {id: two, prompt: "two n={state.n}", outputs: [b], output_schema: {type: str}}
  - {id: three, prompt: "three n={state.n}", outputs: [c], output_schema: {type: str}}
edges:
  - {from: START, to: one}
  - {from: one, to: two}
  - {from: two, to: three}
  - {from: three, to: END}
`;

export const THREE_STEPS = workflowFrom(THREE_STEPS_YAML);

const OUTPUT_OF: Record<string, string> = { greet: 'greeting', one: 'a', two: 'b', three: 'c' };

export interface TestApp extends CreatedApp {
  store: Store;
  model: ScriptedModel;
  /** Mutable: delay of every model answer (ms). */
  control: { delayMs: number };
}

export async function makeApp(
  options: Partial<AppOptions> & {
    answer?: (nodeId: string) => Answer;
    model?: ScriptedModel;
    store?: Store;
  } = {},
): Promise<TestApp> {
  const control = { delayMs: 0 };
  const model =
    options.model ??
    scriptedModel((nodeId, request) => {
      if (options.answer) return options.answer(nodeId);
      const text = String(request.messages[0]?.content ?? '');
      const key = OUTPUT_OF[nodeId] ?? 'greeting';
      return { delayMs: control.delayMs, output: { [key]: `hello from ${nodeId}: ${text}` } };
    });
  const store = options.store ?? (await createSqliteStore(':memory:'));
  // Idle trimming (a full GC) is tested on its own; elsewhere it would only add pauses.
  const created = await createApp({
    workflow: GREETER,
    env: {},
    idleTrimMs: 0,
    ...options,
    store,
    models: model,
  });
  await created.start();
  return { ...created, store, model, control };
}

export function json(body: unknown, headers: Record<string, string> = {}): RequestInit {
  return {
    method: 'POST',
    body: JSON.stringify(body),
    headers: { 'content-type': 'application/json', ...headers },
  };
}

export async function waitUntil(check: () => Promise<boolean> | boolean, timeoutMs = 5000): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > until) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
