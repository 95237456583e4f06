/** A workflow with a tool call, a fan-out/join, a route loop and a parallel map, run traced. */
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import { compile, type EngineEvent, execute, type RunResult } from '../../src/engine/index.js';
import type { ModelClient } from '../../src/models/types.js';
import { createRedactor } from '../../src/secrets/index.js';
import { type AppOptions, type CreatedApp, createApp } from '../../src/server/index.js';
import type { Job, Store } from '../../src/store/index.js';
import { createExportPipeline } from '../../src/telemetry/export-pipeline.js';
import { createRunTracer, type RunTracer } from '../../src/telemetry/run-tracer.js';
import type { TracePipeline } from '../../src/telemetry/trace-pipeline.js';
import { createToolRegistry } from '../../src/tools/index.js';
import { scriptedModel } from '../support/scripted-model.js';
import { workflowFrom } from '../support/workflows.js';

export const TRACED_YAML = (logPrompts = false) => `schema_version: "1.0"
flow: {name: traced}
state:
  fields:
    items: {type: "list[str]", required: true}
    topic: {type: str, default: ""}
    a: {type: str, default: ""}
    b: {type: str, default: ""}
    c: {type: str, default: ""}
    draft: {type: str, default: ""}
    ok: {type: bool, default: false}
    one: {type: str, default: ""}
    all: {type: "list[str]", default: []}
    done: {type: str, default: ""}
nodes:
  - id: plan
    prompt: "plan {topic}"
    outputs: [a]
    output_schema: {type: str}
    tools:
      - {name: file_read, on_error: continue}
  - id: left
    prompt: "left {a}"
    outputs: [b]
    output_schema: {type: str}
  - id: right
    prompt: "right {a}"
    outputs: [c]
    output_schema: {type: str}
    llm: {model: mystery-model-9000}
  - id: write
    prompt: "write {b} {c}"
    outputs: [draft]
    output_schema: {type: str}
  - id: review
    prompt: "review {draft}"
    outputs: [ok]
    output_schema: {type: bool}
  - id: fin
    prompt: "finish"
    outputs: [done]
    output_schema: {type: str}
  - id: each
    prompt: "item {_parallel_index}: {_parallel_item}"
    outputs: [one]
    output_schema: {type: str}
edges:
  - {from: START, to: plan}
  - {from: plan, to: [left, right]}
  - {from: left, to: write}
  - {from: right, to: write}
  - {from: write, to: review}
  - from: review
    routes:
      - condition: {logic: "state.ok == true or _loop_iteration_review >= 2"}
        to: fin
      - condition: {logic: default}
        to: write
  - from: fin
    parallel: {items_field: items, target_node: each, collect_field: all}
  - {from: each, to: END}
config:
  llm: {provider: openai, model: gpt-4o-mini}
  execution: {max_parallel: 2}
  observability: {log_prompts: ${logPrompts}}
`;

export function workdir(): string {
  const dir = mkdtempSync(join(tmpdir(), 'agentcrate-telemetry-'));
  writeFileSync(join(dir, 'notes.txt'), 'some notes');
  return dir;
}

export function tracedModel(extra: { secret?: string } = {}) {
  return scriptedModel((node) => {
    switch (node) {
      case 'plan':
        return {
          toolCalls: [
            { name: 'file_read', args: { path: 'notes.txt' } },
            { name: 'file_read', args: { path: '/etc/passwd' } },
          ],
          output: { a: 'planned' },
        };
      case 'left':
        return { delayMs: 40, output: { b: 'L' } };
      case 'right':
        return { delayMs: 40, output: { c: extra.secret ? `leaked ${extra.secret}` : 'R' } };
      case 'write':
        return { output: { draft: 'd' } };
      case 'review':
        return { output: { ok: false } };
      case 'fin':
        return { output: { done: 'yes' } };
      default:
        return { delayMs: 5, output: { one: 'x' } };
    }
  });
}

export interface TracedRun {
  result: RunResult;
  tracer: RunTracer;
  events: EngineEvent[];
}

export async function runTraced(options: {
  exporters?: SpanExporter[];
  pipeline?: TracePipeline;
  jobId?: string;
  logPrompts?: boolean;
  topic?: string;
  env?: Record<string, string | undefined>;
  secret?: string;
  capturePrompts?: boolean;
}): Promise<TracedRun> {
  const workflow = workflowFrom(TRACED_YAML(options.logPrompts ?? false));
  const env = options.env ?? {};
  const tracer = createRunTracer({
    workflow: workflow.flow.name,
    ...(options.jobId ? { jobId: options.jobId } : {}),
    pipeline: options.pipeline ?? createExportPipeline({ exporters: options.exporters ?? [] }),
    capturePrompts: options.capturePrompts ?? options.logPrompts ?? false,
    redact: createRedactor({ env }),
  });
  const events: EngineEvent[] = [];
  const result = await execute(
    compile(workflow),
    { items: ['x', 'y', 'z'], topic: options.topic ?? 'AI' },
    {
      models: tracedModel(options.secret ? { secret: options.secret } : {}),
      tools: createToolRegistry(),
      env,
      cwd: workdir(),
    },
    {
      ...(options.jobId ? { runId: options.jobId } : {}),
      onEvent: (e) => {
        events.push(e);
        tracer.onEvent(e);
      },
    },
  );
  await tracer.flush();
  return { result, tracer, events };
}

/**
 * Runs jobs the way `agentcrate serve` does (the real app and job runner, so events are
 * redacted, priced and stored as in production), one after the other with the given ids.
 * The app is returned open (its store is not closed with it); close it when done.
 */
export async function runJobs(
  store: Store,
  options: {
    jobIds: string[];
    yaml?: string;
    model?: ModelClient;
    logPrompts?: boolean;
    topic?: string;
    inputs?: Record<string, unknown>;
    env?: Record<string, string | undefined>;
    secret?: string;
    app?: Partial<AppOptions>;
  },
): Promise<{ created: CreatedApp; jobs: Job[] }> {
  const ids = [...options.jobIds];
  const created = await createApp({
    workflow: workflowFrom(options.yaml ?? TRACED_YAML(options.logPrompts ?? false)),
    store,
    models: options.model ?? tracedModel(options.secret ? { secret: options.secret } : {}),
    tools: createToolRegistry(),
    env: options.env ?? {},
    cwd: workdir(),
    idleTrimMs: 0,
    closeStore: false,
    newId: () => ids.shift() ?? `job-${Math.random().toString(16).slice(2)}`,
    ...options.app,
  });
  await created.start();
  const jobs: Job[] = [];
  for (let i = 0; i < options.jobIds.length; i++) {
    const { done } = await created.runner.submit({
      inputs: options.inputs ?? { items: ['x', 'y', 'z'], topic: options.topic ?? 'AI' },
    });
    jobs.push(await done);
  }
  return { created, jobs };
}
