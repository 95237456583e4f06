/**
 * `agentcrate run <file>`: runs a workflow in-process. Progress goes to stderr, the result
 * to stdout (human, or exactly one JSON object with --json, also when the workflow or the
 * input is refused). The run is recorded in the job store unless --no-store. Exit 0 success,
 * 1 run failed, 2 invalid workflow or input.
 */
import { resolve } from 'node:path';
import type { Workflow } from '../../config/types.js';
import {
  buildInitialState,
  compile,
  type EngineEvent,
  execute,
  type Plan,
  type RunResult,
} from '../../engine/index.js';
import { toAgentcrateError } from '../../errors.js';
import { createModelClient, type ModelClient } from '../../models/index.js';
import { type Store, storeLabel } from '../../store/index.js';
import { openStore as openJobStore } from '../../store/open.js';
import { exitCodeFor, formatError } from '../../terminal/errors.js';
import type { Output } from '../../terminal/output.js';
import { createToolRegistry } from '../../tools/index.js';
import { modelOverride } from '../commands/model-override.js';
import type { RunContext } from '../commands/run.js';
import runCommand from '../commands/run.js';
import { requireWorkflow, shownPath } from '../diagnostics.js';
import { readInputs } from '../inputs.js';
import { needsMemory, openRunHost } from '../run-host.js';
import { startRecord } from './run-record.js';

export default async function run(ctx: RunContext): Promise<number> {
  if (!ctx.options.json) return runWorkflow(ctx);
  try {
    return await runWorkflow(ctx);
  } catch (error) {
    // --json promises one object on stdout whatever happens; the message goes to stderr too.
    const err = toAgentcrateError(error);
    ctx.output.err(formatError(err, ctx.output.color, ctx.verbose));
    ctx.output.out(
      JSON.stringify(
        runCommand.jsonFailure?.({ code: err.code, message: err.message, details: err.details ?? {} }),
      ),
    );
    return exitCodeFor(err);
  }
}

async function runWorkflow(ctx: RunContext): Promise<number> {
  const o = ctx.options;
  const workflow = await requireWorkflow(ctx.args.file, ctx);
  const inputs = await readInputs(workflow, o.input, o.inputFile);
  // Refused input never becomes a job (as in the server): check it before recording.
  buildInitialState(workflow, inputs);
  const models = createModelClient({ env: ctx.env, dryRun: o.dryRun, override: modelOverride(o) });
  const plan = compile(workflow);
  const showTrace = o.trace || o.enableProfiling;
  // One store for the record and the workflow's memory (--no-store keeps memory in the default).
  const storePath =
    o.store === false ? resolve(ctx.cwd, ctx.env.AGENTCRATE_STORE || 'agentcrate.db') : o.store;
  const store = await openStore(storePath, needsMemory(workflow), ctx);
  try {
    return await runWith(ctx, { workflow, inputs, models, plan, showTrace, store, storePath });
  } finally {
    await store?.close();
  }
}

/** The job store, or undefined (with a warning) when it cannot be opened and memory does not need it. */
async function openStore(path: string, required: boolean, ctx: RunContext): Promise<Store | undefined> {
  if (ctx.options.store === false && !required) return undefined;
  try {
    return await openJobStore(path);
  } catch (error) {
    if (required) throw error;
    ctx.output.err(ctx.output.color.yellow(`warning: the run is not recorded: ${(error as Error).message}`));
    return undefined;
  }
}

interface Prepared {
  workflow: Workflow;
  inputs: Record<string, unknown>;
  models: ModelClient;
  plan: Plan;
  showTrace: boolean;
  store: Store | undefined;
  storePath: string;
}

async function runWith(ctx: RunContext, p: Prepared): Promise<number> {
  const { workflow, inputs, models, plan, showTrace, store } = p;
  const o = ctx.options;
  const record =
    o.store === false || store === undefined
      ? undefined
      : startRecord(store, storeLabel(p.storePath), workflow.flow.name, inputs);
  // The chain a server runs each event through (redaction, prices, live export): what is shown
  // and kept is what a server would keep.
  const telemetry = record || showTrace ? await startTelemetry(workflow, ctx.env) : undefined;
  const chain = telemetry?.eventsOf(record?.jobId);
  // Engine events are plain JSON objects; the span builder reads them as such.
  const kept: Array<EngineEvent & Record<string, unknown>> = [];
  const progress = o.json ? undefined : humanProgress(ctx.output);
  if (o.dryRun && !o.json) {
    ctx.output.err(
      ctx.output.color.yellow('dry run: placeholder model answers, no network, tools not called'),
    );
  }
  if (ctx.verbose && record) ctx.output.err(ctx.output.color.dim(`job ${record.jobId} in ${record.path}`));

  const host = await openRunHost(workflow, { env: ctx.env, store });
  const result = await execute(
    plan,
    inputs,
    {
      models,
      tools: createToolRegistry(),
      env: ctx.env,
      cwd: ctx.cwd,
      network: { allowPrivateNetwork: o.allowPrivateNetwork },
      ...host.deps,
    },
    {
      signal: ctx.signal,
      ...(record ? { runId: record.jobId } : {}),
      ...(o.timeout !== undefined ? { timeoutMs: o.timeout * 1000 } : {}),
      onEvent: (event) => {
        if (event.type !== 'checkpoint') {
          chain?.(event);
          record?.keep(event);
          if (showTrace) kept.push(event as EngineEvent & Record<string, unknown>);
        }
        if (o.events) process.stderr.write(`${JSON.stringify(event)}\n`);
        else progress?.(event);
      },
    },
  ).finally(() => host.close());
  const warning = await record?.finish(result);
  if (warning) ctx.output.err(ctx.output.color.yellow(`warning: ${warning}`));

  if (telemetry) {
    await telemetry.shutdown();
    if (showTrace) {
      const { formatSpanTree, spansFromEvents } = await import('../../telemetry/index.js');
      const spans = spansFromEvents(kept, { workflow: workflow.flow.name, prices: telemetry.prices });
      ctx.output.err(formatSpanTree(spans, ctx.output.color));
    }
  }

  if (o.json) {
    ctx.output.out(
      JSON.stringify({
        run_id: result.runId,
        status: result.status,
        outputs: result.outputs,
        error: result.error ?? null,
        usage: { input_tokens: result.usage.inputTokens, output_tokens: result.usage.outputTokens },
        duration_ms: Math.round(result.durationMs),
        ...(result.dryRun ? { dry_run: true } : {}),
      }),
    );
  } else {
    printResult(ctx.output, result);
    if (record && !warning) {
      ctx.output.err(
        ctx.output.color.dim(`recorded: agentcrate traces ${result.runId}${storeFlag(record.path, ctx)}`),
      );
    }
  }
  if (result.status === 'success') return 0;
  return result.error ? exitCodeFor(result.error.code) : 1;
}

/** ` --store <path>` when the record is not where `traces` looks by default. */
function storeFlag(path: string, ctx: RunContext): string {
  const tracesDefault = resolve(ctx.cwd, ctx.env.AGENTCRATE_STORE || 'agentcrate.db');
  return path === tracesDefault ? '' : ` --store ${shownPath(path, ctx.cwd)}`;
}

async function startTelemetry(workflow: Workflow, env: NodeJS.ProcessEnv) {
  const { createTelemetry } = await import('../../telemetry/index.js');
  const prices = workflow.config.observability.prices;
  return createTelemetry({ workflow, env, storesEvents: true, ...(prices ? { prices } : {}) });
}

function humanProgress(output: Output): (event: EngineEvent) => void {
  const c = output.color;
  return (event) => {
    switch (event.type) {
      case 'node-start':
        output.err(
          `${c.cyan('▶')} ${event.nodeId}${event.iteration > 1 ? c.dim(` (iteration ${event.iteration})`) : ''}`,
        );
        break;
      case 'model-call':
        output.err(
          c.dim(
            `  · model ${event.provider}/${event.model} ${event.latencyMs} ms, ${event.inputTokens}→${event.outputTokens} tokens${event.ok ? '' : ` — retrying: ${event.error}`}`,
          ),
        );
        break;
      case 'tool-call':
        output.err(
          c.dim(`  · tool ${event.tool} ${event.ok ? 'ok' : `failed: ${event.error}`} ${event.latencyMs} ms`),
        );
        break;
      case 'code-call':
        output.err(
          c.dim(
            `  · code (${event.mode}) ${event.ok ? 'ok' : `failed: ${event.error?.message}`} ${Math.round(event.durationMs)} ms`,
          ),
        );
        break;
      case 'memory-write':
        output.err(c.dim(`  · memory ${event.op} ${event.namespace}`));
        break;
      case 'node-end':
        if (event.ok) output.err(`${c.green('✓')} ${event.nodeId} ${c.dim(`${event.durationMs} ms`)}`);
        else output.err(`${c.red('✗')} ${event.nodeId} ${c.dim(`${event.durationMs} ms`)}`);
        break;
      default:
        break;
    }
  };
}

function printResult(output: Output, result: RunResult): void {
  const c = output.color;
  const tokens = `${result.usage.inputTokens + result.usage.outputTokens} tokens`;
  if (result.status === 'success') {
    output.err(
      `${c.green('done')} in ${Math.round(result.durationMs)} ms, ${result.steps} step${result.steps === 1 ? '' : 's'}, ${tokens}${result.dryRun ? c.yellow(' (dry run)') : ''}`,
    );
    output.out(JSON.stringify(result.outputs, null, 2));
  } else {
    output.err(
      `${c.red(result.status)} after ${Math.round(result.durationMs)} ms: ${result.error?.message ?? 'unknown error'}`,
    );
  }
}
