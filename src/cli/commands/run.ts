/**
 * `agentcrate run <file>`: runs a workflow in-process. Progress goes to stderr, the result
 * to stdout (human, or exactly one JSON object with --json). Exit 0 success, 1 run failed,
 * 2 invalid workflow or input.
 */
import { resolve } from 'node:path';
import type { Workflow } from '../../config/types.js';
import { compile, type EngineEvent, execute, type RunResult } from '../../engine/index.js';
import { AgentcrateError } from '../../errors.js';
import { createModelClient } from '../../models/index.js';
import { createToolRegistry } from '../../tools/index.js';
import type { CommandContext } from '../commands.js';
import { readInputs } from '../inputs.js';
import type { Output } from '../output.js';
import { openRunHost } from '../run-host.js';
import { loadValidWorkflow } from '../workflow.js';

export default async function run(ctx: CommandContext): Promise<number> {
  const o = ctx.options;
  const file = resolve(ctx.cwd, ctx.args[0]!);
  const workflow = await loadValidWorkflow(file, ctx.output, ctx.cwd);
  const inputs = await readInputs(
    workflow,
    o.input as string[] | undefined,
    o.inputFile as string | undefined,
  );
  const dryRun = o.dryRun === true;
  let timeoutMs: number | undefined;
  if (o.timeout !== undefined) {
    const seconds = Number(o.timeout);
    if (!Number.isFinite(seconds) || seconds <= 0)
      throw new AgentcrateError('E_USAGE', `--timeout expects seconds > 0, got '${String(o.timeout)}'`);
    timeoutMs = seconds * 1000;
  }

  const models = createModelClient({
    env: ctx.env,
    dryRun,
    override: {
      ...(o.provider ? { provider: String(o.provider) } : {}),
      ...(o.model ? { model: String(o.model) } : {}),
      ...(o.baseUrl ? { baseURL: String(o.baseUrl) } : {}),
    },
  });
  const plan = compile(workflow);
  const json = o.json === true;
  // --trace: keep this run's events (annotated as the server keeps them), print the span tree
  // rebuilt from them, and export spans live when OTLP is configured.
  const tracing = o.trace === true ? await startTracing(workflow, ctx.env) : undefined;
  const progress = json ? undefined : humanProgress(ctx.output);
  if (dryRun && !json)
    ctx.output.err(
      ctx.output.color.yellow('dry run: placeholder model answers, no network, tools not called'),
    );

  const host = await openRunHost(workflow, ctx);
  const result = await execute(
    plan,
    inputs,
    {
      models,
      tools: createToolRegistry(),
      env: ctx.env,
      cwd: ctx.cwd,
      network: { allowPrivateNetwork: o.allowPrivateNetwork === true },
      ...host.deps,
    },
    {
      signal: ctx.signal,
      ...(timeoutMs ? { timeoutMs } : {}),
      onEvent: (event) => {
        tracing?.onEvent(event);
        if (o.events === true) process.stderr.write(`${JSON.stringify(event)}\n`);
        else progress?.(event);
      },
    },
  ).finally(() => host.close());

  if (tracing) {
    await tracing.telemetry.shutdown();
    const { formatSpanTree, spansFromEvents } = await import('../../telemetry/index.js');
    const spans = spansFromEvents(tracing.events, {
      workflow: workflow.flow.name,
      prices: tracing.telemetry.prices,
    });
    ctx.output.err(formatSpanTree(spans, ctx.output.color));
  }

  if (json) {
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
  }
  if (result.status === 'success') return 0;
  return result.error?.code === 'E_INVALID_INPUT' ? 2 : 1;
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

async function startTracing(workflow: Workflow, env: NodeJS.ProcessEnv) {
  const { createTelemetry } = await import('../../telemetry/index.js');
  const prices = workflow.config.observability.prices;
  const telemetry = await createTelemetry({ workflow, env, ...(prices ? { prices } : {}) });
  // The same chain the server runs each event through: what --trace shows is what a server keeps.
  const chain = telemetry.eventsOf();
  const events: Array<EngineEvent & Record<string, unknown>> = [];
  return {
    telemetry,
    events,
    onEvent(event: EngineEvent) {
      if (event.type === 'checkpoint') return;
      chain(event);
      events.push(event as EngineEvent & Record<string, unknown>);
    },
  };
}
