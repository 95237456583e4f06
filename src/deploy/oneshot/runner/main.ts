/**
 * The one-shot runner: the process of a one-shot image (and of a single executable). It reads
 * the embedded workflow, reads one input (or JSON lines with `--batch`), validates it against
 * the state types, runs, and writes exactly one JSON result per input to stdout; logs go to
 * stderr. Exit 0 success, 1 run failed, 2 bad input or command line.
 *
 * The model packages start loading before the input is read, so their loading overlaps it.
 * SIGTERM and SIGINT cancel the run in flight: its result still comes out, as `cancelled`.
 */
import diagnostics from 'node:diagnostics_channel';
import type { Readable } from 'node:stream';
import { compile } from '../../../engine/compile.js';
import { execute } from '../../../engine/execute.js';
import type { EngineDeps, EngineEvent, Plan } from '../../../engine/types.js';
import { AgentcrateError } from '../../../errors.js';
import { createModelClient } from '../../../models/client.js';
import { PROVIDERS } from '../../../models/providers.js';
import { createRedactor, type Redactor } from '../../../secrets/index.js';
import { carriesFullAiSdk, useFullAiSdk } from './ai-sdk.js';
import { parseRunnerArgs, RUNNER_USAGE, type RunnerArgs } from './args.js';
import { runBatch } from './batch.js';
import { answerCap, cappedFetch } from './capped-fetch.js';
import { type OneshotConfig, readEmbedded } from './embedded.js';
import { readSingleInput } from './input.js';
import { createLog, describeEvent, type Log } from './log.js';
import {
  assertProvidersCarried,
  describeTools,
  loadToolRegistry,
  openSandbox,
  preloadModels,
} from './parts.js';
import { exitCodeOf, fromError, fromRunResult, type OneshotResult } from './result.js';
import { runnerFetch } from './web-fetch.js';

interface Runner {
  plan: Plan;
  deps: EngineDeps;
  redact: Redactor;
  log: Log;
  args: RunnerArgs;
  signal: AbortSignal;
  close(): Promise<void>;
}

export async function main(argv: readonly string[], runnerUrl: string): Promise<number> {
  const started = performance.now();
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => controller.abort(new Error(`stopped by ${signal}`));
  process.once('SIGTERM', onSignal);
  process.once('SIGINT', onSignal);
  let redact: Redactor = createRedactor({ env: process.env });
  try {
    // The kit's build asks this of a runner that has no embedded workflow yet.
    if (argv[0] === '--describe-tools') {
      process.stdout.write(`${JSON.stringify(await describeTools())}\n`);
      return 0;
    }
    const config = readEmbedded(runnerUrl);
    useFullAiSdk(carriesFullAiSdk(config));
    const env: Record<string, string | undefined> = { ...config.env, ...process.env };
    redact = createRedactor({
      env,
      secrets: [...PROVIDERS.values()].flatMap((spec) => spec.secrets(env)),
    });
    let args: RunnerArgs;
    try {
      args = parseRunnerArgs(argv, env);
    } catch (error) {
      return emit(fromError(error, performance.now() - started, redact));
    }
    if (args.mode === 'help') {
      process.stdout.write(`${RUNNER_USAGE}\n`);
      return 0;
    }
    if (!args.dryRun && args.mode !== 'warm') assertProvidersCarried(config, env);
    const models =
      args.mode === 'warm' || !args.dryRun
        ? preloadModels(config, { sdk: args.mode === 'warm' })
        : Promise.resolve();
    // Handled where it is awaited; this only keeps an early failure from being "unhandled".
    models.catch(() => undefined);
    const runner = await openRunner(config, env, args, redact, controller.signal);
    try {
      if (args.mode === 'warm') return await warm(runner, config, models);
      if (args.mode === 'batch') return await batch(runner, started, models);
      return await single(runner, started, models);
    } finally {
      await runner.close();
    }
  } catch (error) {
    return emit(fromError(error, performance.now() - started, redact));
  } finally {
    process.off('SIGTERM', onSignal);
    process.off('SIGINT', onSignal);
  }
}

async function openRunner(
  config: OneshotConfig,
  env: Record<string, string | undefined>,
  args: RunnerArgs,
  redact: Redactor,
  signal: AbortSignal,
): Promise<Runner> {
  const log = createLog(env, redact);
  const plan = compile(config.workflow);
  const [tools, sandbox] = await Promise.all([loadToolRegistry(config), openSandbox(config, env)]);
  const models = createModelClient({
    env,
    dryRun: args.dryRun,
    fetch: cappedFetch(answerCap(env), runnerFetch, logFirstRequest(log, env)),
  });
  const deps: EngineDeps = {
    models,
    tools,
    newId: runIds(),
    env,
    cwd: process.cwd(),
    network: { allowPrivateNetwork: args.allowPrivateNetwork },
    ...(sandbox.sandbox !== undefined ? { sandbox: sandbox.sandbox } : {}),
  };
  return { plan, deps, redact, log, args, signal, close: sandbox.close };
}

/**
 * Run ids numbered within the process: an id never leaves it (a result carries none, no log
 * line names it; it keys a run's background processes), and the engine's default, a random
 * UUID, would load node:crypto before the first model request.
 */
function runIds(): () => string {
  let n = 0;
  return () => `oneshot-${process.pid}-${++n}`;
}

/**
 * For benchmarks, at debug level: when the first model call is made and when its request
 * leaves (`node:http`'s request handed to its socket, headers and body), in milliseconds from
 * the process's start (`performance.now()`). Not undici's channels: subscribing to one loads
 * Node's undici.
 */
function logFirstRequest(log: Log, env: Record<string, string | undefined>): (() => void) | undefined {
  if (env.AGENTCRATE_LOG_LEVEL?.trim().toLowerCase() !== 'debug') return undefined;
  return () => {
    const calledMs = Math.round(performance.now());
    log('debug', 'first model call', { since_start_ms: calledMs });
    const started = diagnostics.channel('http.client.request.start');
    const onStart = (message: unknown) => {
      started.unsubscribe(onStart);
      (message as { request: import('node:http').ClientRequest }).request.once('finish', () =>
        log('debug', 'first model request', {
          since_start_ms: Math.round(performance.now()),
          called_ms: calledMs,
        }),
      );
    };
    started.subscribe(onStart);
  };
}

async function runOne(runner: Runner, input: Record<string, unknown>): Promise<OneshotResult> {
  const result = await execute(runner.plan, input, runner.deps, {
    signal: runner.signal,
    ...(runner.args.timeoutMs !== undefined ? { timeoutMs: runner.args.timeoutMs } : {}),
    onEvent: (event: EngineEvent) => {
      const line = describeEvent(event as EngineEvent & Record<string, unknown>);
      if (line !== undefined) runner.log(line.level, line.msg, line.fields);
    },
  });
  return fromRunResult(result, runner.redact);
}

async function single(runner: Runner, started: number, models: Promise<void>): Promise<number> {
  let input: Record<string, unknown>;
  try {
    input = await readSingleInput(runner.args, () => process.stdin);
  } catch (error) {
    return emit(fromError(error, performance.now() - started, runner.redact));
  }
  await models;
  const result = await runOne(runner, input);
  runner.log(result.status === 'success' ? 'info' : 'warn', `run ${result.status}`, {
    duration_ms: result.duration_ms,
    since_start_ms: Math.round(performance.now()),
    ...(result.error !== null ? { code: result.error.code } : {}),
  });
  return emit(result);
}

async function batch(runner: Runner, started: number, models: Promise<void>): Promise<number> {
  const source: Readable =
    runner.args.batchFile !== undefined
      ? (await import('node:fs')).createReadStream(runner.args.batchFile)
      : process.stdin;
  // Only a batch reads lines: node:readline (and what it loads) stays off a single run's start.
  const { createInterface } = await import('node:readline');
  await models;
  let lastProgress = performance.now();
  const summary = await runBatch(createInterface({ input: source, crlfDelay: Number.POSITIVE_INFINITY }), {
    concurrency: runner.args.concurrency,
    run: (input) => runOne(runner, input),
    failure: (error) => fromError(error, 0, runner.redact),
    write: (lines) =>
      writeOut(`${lines.join('\n')}\n`).catch((error: unknown) => {
        throw new AgentcrateError(
          'E_IO',
          `cannot write the batch results to stdout: ${(error as Error).message}; check where stdout goes (a full disk, a closed pipe)`,
          { cause: error },
        );
      }),
    onProgress: (s) => {
      if (performance.now() - lastProgress < 1000) return;
      lastProgress = performance.now();
      runner.log('info', 'batch progress', { done: s.succeeded + s.failed, failed: s.failed });
    },
  }).catch((error: unknown) => {
    // Each run's failure is a result line: what fails here is writing the results or reading the input.
    if (error instanceof AgentcrateError) throw error;
    throw new AgentcrateError(
      'E_INVALID_INPUT',
      `cannot read the batch input${runner.args.batchFile !== undefined ? ` ${runner.args.batchFile}` : ''}: ${(error as Error).message}`,
      { cause: error },
    );
  });
  runner.log(summary.failed === 0 ? 'info' : 'warn', 'batch finished', {
    inputs: summary.total,
    succeeded: summary.succeeded,
    failed: summary.failed,
    bad_input: summary.badInput,
    duration_ms: Math.round(performance.now() - started),
  });
  return summary.failed === 0 ? 0 : 1;
}

/** Loads every part the image carries and runs the example once, dry: fills the compile cache. */
async function warm(runner: Runner, config: OneshotConfig, models: Promise<void>): Promise<number> {
  await models;
  const dry = { ...runner, deps: { ...runner.deps, models: createModelClient({ env: {}, dryRun: true }) } };
  const result = await runOne(dry, config.exampleInput);
  if (result.status !== 'success') {
    runner.log('warn', 'the warm-up run did not succeed (the image works; its first start may be slower)', {
      code: result.error?.code,
      message: result.error?.message,
    });
  }
  runner.log('info', 'warm', { duration_ms: result.duration_ms });
  return 0;
}

/**
 * Writes the result to stdout; when stdout cannot take it (the failure being reported may be
 * that very write), the result goes to stderr instead of being lost.
 */
function emit(result: OneshotResult): Promise<number> {
  const line = `${JSON.stringify(result)}\n`;
  return writeOut(line).then(
    () => exitCodeOf(result),
    () => {
      process.stderr.write(line);
      return exitCodeOf(result);
    },
  );
}

let stdoutErrorsHandled = false;

function writeOut(text: string): Promise<void> {
  // A failed write reaches its callback below; unheard, the stream's 'error' event would
  // also end the process with a stack trace before the failure is reported.
  if (!stdoutErrorsHandled) {
    process.stdout.on('error', () => undefined);
    stdoutErrorsHandled = true;
  }
  return new Promise((resolve, reject) => {
    process.stdout.write(text, (error) => (error ? reject(error) : resolve()));
  });
}
