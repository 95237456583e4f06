/**
 * `agentcrate exec`: one `docker run --rm` of a one-shot image, hardened like every agentcrate
 * container (the caller's non-root user, read-only root, no capabilities, no new privileges),
 * with `host.docker.internal` pointing at the host so a model server there (Ollama on 11434)
 * is reachable. The input goes in as the JSON argument, a file bound read-only into the
 * container, or stdin; the result and logs stream back as the container writes them. The
 * exit code is the container's: 0 success, 1 run failed, 2 bad input.
 */
import { basename, resolve } from 'node:path';
import { AgentcrateError } from '../../errors.js';
import type { ContainerRuntime, RunOnceOptions } from '../runtime/types.js';
import { RUN_AS } from '../types.js';
import { LABEL_ONESHOT } from './names.js';

/** Where an `--input-file` or `--batch` file is bound in the container. */
export const CONTAINER_INPUT_DIR = '/input';

export type ExecInput =
  | { kind: 'json'; text: string }
  | { kind: 'file'; path: string }
  | { kind: 'stdin'; stream: NodeJS.ReadableStream }
  | { kind: 'none' };

export interface ExecOptions {
  runtime: ContainerRuntime;
  image: string;
  input: ExecInput;
  /** `--batch`: the input is JSON lines, one result line each. */
  batch?: { concurrency?: number };
  /** Passed to the container at run time only (an env file's entries, AGENTCRATE_* settings). */
  env: Record<string, string>;
  /** `--network`: `host`, `none`, or a network name (default: the engine's bridge). */
  network?: string;
  dryRun?: boolean;
  timeoutSeconds?: number;
  allowPrivateNetwork?: boolean;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  signal?: AbortSignal;
  onStep?: RunOnceOptions['onStep'];
}

/** The container's arguments and mounts for an input (exported for the tests of the mapping). */
export function containerArgs(
  opts: Pick<ExecOptions, 'input' | 'batch' | 'dryRun' | 'timeoutSeconds' | 'allowPrivateNetwork'>,
): {
  args: string[];
  mounts: Array<{ source: string; target: string; readOnly: boolean }>;
} {
  const args: string[] = [];
  const mounts: Array<{ source: string; target: string; readOnly: boolean }> = [];
  const { input } = opts;
  if (input.kind === 'file') {
    const source = resolve(input.path);
    const target = `${CONTAINER_INPUT_DIR}/${basename(source)}`;
    mounts.push({ source, target, readOnly: true });
    args.push(opts.batch !== undefined ? '--batch' : '--input-file', target);
  } else if (opts.batch !== undefined) {
    args.push('--batch');
  }
  if (opts.batch?.concurrency !== undefined) args.push('--concurrency', String(opts.batch.concurrency));
  if (input.kind === 'json') {
    if (opts.batch !== undefined)
      throw new AgentcrateError('E_USAGE', '--batch reads JSON lines from a file: drop the JSON argument');
    args.push(input.text);
  }
  if (opts.dryRun === true) args.push('--dry-run');
  if (opts.timeoutSeconds !== undefined) args.push('--timeout', String(opts.timeoutSeconds));
  if (opts.allowPrivateNetwork === true) args.push('--allow-private-network');
  return { args, mounts };
}

export async function execImage(opts: ExecOptions): Promise<number> {
  const { args, mounts } = containerArgs(opts);
  // A dry run reaches nothing (placeholder answers, tools not called): no network at all,
  // which also spares the engine the bridge's interface for it.
  const network = opts.network ?? (opts.dryRun === true ? 'none' : undefined);
  const { exitCode } = await opts.runtime.runOnce({
    image: opts.image,
    args,
    env: opts.env,
    ...(opts.input.kind === 'stdin' ? { stdin: opts.input.stream } : {}),
    stdout: opts.stdout,
    stderr: opts.stderr,
    ...(network !== undefined ? { network } : {}),
    // With the host's network the host's own names already resolve; `none` has no host to reach.
    ...(network === 'host' || network === 'none'
      ? {}
      : { extraHosts: ['host.docker.internal:host-gateway'] }),
    mounts,
    labels: { [LABEL_ONESHOT]: 'true' },
    user: RUN_AS,
    readOnly: true,
    ...(opts.signal !== undefined ? { signal: opts.signal } : {}),
    ...(opts.onStep !== undefined ? { onStep: opts.onStep } : {}),
  });
  return exitCode;
}
