/**
 * `agentcrate exec <file> ['{"json"}']`: runs the workflow's one-shot image once (building it
 * first when it is missing, out of date, or with `--build`) and passes its stdout, stderr and
 * exit code through: one JSON result on stdout, logs on stderr, 0 success, 1 failed, 2 bad input.
 * `--batch inputs.jsonl` runs every line through one container, one result line each.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Diagnostic } from '../../config/types.js';
import { envFileToRecord, readEnvFile } from '../../deploy/env-file.js';
import { LABEL_HASH } from '../../deploy/labels.js';
import { findCurrentImage } from '../../deploy/oneshot/current-image.js';
import { type ExecInput, execImage } from '../../deploy/oneshot/exec.js';
import { checkResultsFile, openResultsFile } from '../../deploy/oneshot/results-file.js';
import { LABEL_WARNINGS } from '../../deploy/oneshot/source-key.js';
import { DockerRuntime } from '../../deploy/runtime/docker.js';
import { AgentcrateError } from '../../errors.js';
import type { ExecContext } from '../commands/exec.js';
import { modelOverride } from '../commands/model-override.js';

export default async function execCommand(ctx: ExecContext): Promise<number> {
  const steps = stepTimes();
  const o = ctx.options;
  const inputFile = o.inputFile;
  const batchFile = o.batch;
  const json = ctx.args.json;
  const given = [json !== undefined, inputFile !== undefined, batchFile !== undefined].filter(Boolean).length;
  if (given > 1) {
    throw new AgentcrateError('E_USAGE', 'give the input once: a JSON argument, --input-file or --batch');
  }
  for (const [flag, path] of [
    ['--input-file', inputFile],
    ['--batch', batchFile],
  ] as const) {
    if (path !== undefined && !existsSync(path)) {
      throw new AgentcrateError('E_INVALID_INPUT', `${flag} ${path}: no such file`);
    }
  }
  if (o.concurrency !== undefined && batchFile === undefined) {
    throw new AgentcrateError('E_USAGE', '--concurrency goes with --batch');
  }
  if (o.output !== undefined && batchFile === undefined) {
    throw new AgentcrateError('E_USAGE', '--output (the results file) goes with --batch');
  }
  if (o.output !== undefined) checkResultsFile(o.output);
  const env = o.envFile !== undefined ? envFileToRecord(readEnvFile(o.envFile)) : {};
  if (o.logLevel !== undefined) env.AGENTCRATE_LOG_LEVEL = o.logLevel;

  const runtime = new DockerRuntime();
  // The image built from this very file and settings runs at once: no loading, validating or
  // staging of the workflow (all done when it was built). Otherwise the full path below.
  const current = o.build
    ? undefined
    : await findCurrentImage(runtime, {
        file: ctx.args.file,
        override: modelOverride(o),
        baseImage: o.baseImage,
        tag: o.tag,
      });
  steps.mark(current !== undefined ? 'image found' : 'image not found by its source');
  const warnings = current?.labels[LABEL_WARNINGS];
  if (warnings !== undefined) await printBuiltWarnings(ctx, warnings);
  const image = current?.id ?? (await prepareImage(ctx, runtime));
  steps.mark('image ready');

  const input: ExecInput =
    json !== undefined
      ? { kind: 'json', text: json }
      : inputFile !== undefined
        ? { kind: 'file', path: inputFile }
        : batchFile !== undefined
          ? { kind: 'file', path: batchFile }
          : process.stdin.isTTY === true
            ? { kind: 'none' }
            : { kind: 'stdin', stream: process.stdin };
  const results = o.output !== undefined ? openResultsFile(o.output) : undefined;
  let exitCode: number;
  try {
    exitCode = await execImage({
      runtime,
      image,
      input,
      ...(batchFile !== undefined
        ? {
            batch: o.concurrency !== undefined ? { concurrency: o.concurrency } : {},
          }
        : {}),
      env,
      ...(o.network !== undefined ? { network: o.network } : {}),
      dryRun: o.dryRun,
      ...(o.timeout !== undefined ? { timeoutSeconds: o.timeout } : {}),
      allowPrivateNetwork: o.allowPrivateNetwork,
      stdout: results?.stream ?? process.stdout,
      stderr: process.stderr,
      signal: results !== undefined ? AbortSignal.any([ctx.signal, results.failed]) : ctx.signal,
      onStep: (step) => steps.mark(step),
    });
  } finally {
    // A failed write of the results stopped the container: that, not its exit code, is the outcome.
    await results?.close();
  }
  if (ctx.verbose) ctx.output.err(`exec steps, ms since the process started: ${JSON.stringify(steps.times)}`);
  return exitCode;
}

/**
 * The full path: the workflow loaded and validated, its runner staged to know the image's
 * content hash, and the image built when missing, out of date or with `--build`. Returns the
 * reference to run.
 */
async function prepareImage(ctx: ExecContext, runtime: DockerRuntime): Promise<string> {
  const o = ctx.options;
  const { prepareWorkflowImage, progressPrinter } = await import('../oneshot.js');
  const onProgress = progressPrinter(ctx, false);
  const { prepared } = await prepareWorkflowImage(ctx, onProgress);
  const existing = await runtime.inspectImage(prepared.image);
  if (o.build || existing?.labels[LABEL_HASH] !== prepared.contentHash) {
    ctx.output.err(
      existing === undefined
        ? `${prepared.image} is not built yet: building it`
        : o.build
          ? `rebuilding ${prepared.image}`
          : `${prepared.image} is out of date: rebuilding it`,
    );
    const { buildImage } = await import('../../deploy/oneshot/image.js');
    const context = mkdtempSync(join(tmpdir(), 'agentcrate-oneshot-'));
    try {
      await buildImage({ prepared, runtime, outputDir: context, force: o.build, onProgress });
    } finally {
      rmSync(context, { recursive: true, force: true });
    }
  }
  return prepared.image;
}

/**
 * The warnings the workflow had when its image was built, as `build` printed them: the quick
 * look-up does not load the workflow, so they come from the image's label (the same text made
 * the same image). Loaded only when there are some, off the quick path's start.
 */
async function printBuiltWarnings(ctx: ExecContext, label: string): Promise<void> {
  let warnings: Diagnostic[];
  try {
    warnings = JSON.parse(label) as Diagnostic[];
  } catch {
    return; // a label not written by agentcrate: nothing to say
  }
  const { printDiagnostics, shownPath } = await import('../diagnostics.js');
  printDiagnostics(ctx.output, warnings, shownPath(ctx.args.file, ctx.cwd));
}

/** When each step of the command happened, in ms since the process started (`-v` prints them). */
function stepTimes(): { times: Record<string, number>; mark(step: string): void } {
  const times: Record<string, number> = { handler: Math.round(performance.now()) };
  return {
    times,
    mark: (step) => {
      times[step] ??= Math.round(performance.now());
    },
  };
}
