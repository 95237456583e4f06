/**
 * `docker run --rm [-i]` through the Engine API: create, attach, start, wait until the engine
 * has removed the container, with its stdout and stderr streamed to the caller as they come.
 * Hardened like every agentcrate container: read-only root with a tmpfs /tmp, no capabilities,
 * no-new-privileges, and the caller's user.
 */
import type { Duplex, Writable } from 'node:stream';
import type Docker from 'dockerode';
import { AgentcrateError } from '../../errors.js';
import { TMPFS_TMP } from '../types.js';
import { engineError, statusOf } from './engine-errors.js';
import type { RunOnceOptions, RunOnceResult } from './types.js';

/** How long the output stream may trail the container's exit before it is cut. */
const DRAIN_MS = 5000;
/** Seconds between the SIGTERM of a stop and its SIGKILL. */
const STOP_GRACE_S = 10;

export async function runOnce(docker: Docker, opts: RunOnceOptions): Promise<RunOnceResult> {
  const hasStdin = opts.stdin !== undefined;
  const readOnly = opts.readOnly ?? true;
  const hostConfig: Docker.HostConfig = {
    AutoRemove: true,
    ReadonlyRootfs: readOnly,
    CapDrop: ['ALL'],
    SecurityOpt: ['no-new-privileges'],
    ...(readOnly ? { Tmpfs: { '/tmp': TMPFS_TMP } } : {}),
    ...(opts.network !== undefined ? { NetworkMode: opts.network } : {}),
    ...(opts.extraHosts !== undefined && opts.extraHosts.length > 0 ? { ExtraHosts: opts.extraHosts } : {}),
    ...(opts.mounts !== undefined && opts.mounts.length > 0
      ? {
          Mounts: opts.mounts.map((m) => ({
            Type: 'bind' as const,
            Source: m.source,
            Target: m.target,
            ReadOnly: m.readOnly ?? true,
          })),
        }
      : {}),
  };
  const step = opts.onStep ?? (() => undefined);
  let container: Docker.Container;
  try {
    container = await docker.createContainer({
      Image: opts.image,
      Cmd: opts.args,
      Env: Object.entries(opts.env).map(([k, v]) => `${k}=${v}`),
      ...(opts.user !== undefined ? { User: opts.user } : {}),
      Labels: opts.labels ?? {},
      AttachStdin: hasStdin,
      OpenStdin: hasStdin,
      StdinOnce: hasStdin,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      HostConfig: hostConfig,
    });
  } catch (cause) {
    if (statusOf(cause) === 404) {
      throw new AgentcrateError('E_NOT_FOUND', `image ${opts.image} not found: build it first`, { cause });
    }
    throw engineError(`creating a container of ${opts.image} failed`, cause);
  }
  step('created');

  // Until it starts, a created container is not removed by AutoRemove: whatever stops this
  // run before then (a stop signal, a failed attach or start) removes it here.
  let started = false;
  const remove = () => container.remove({ force: true }).catch(() => undefined);
  // SIGTERM, then SIGKILL after the grace period: a process that has not yet installed its
  // handler is PID 1 in the container, which the kernel spares any unhandled signal.
  const stop = () => {
    if (started) container.stop({ t: STOP_GRACE_S }).catch(() => undefined);
  };
  opts.signal?.addEventListener('abort', stop, { once: true });
  let stream: Duplex | undefined;
  try {
    stream = (await container.attach({
      stream: true,
      stdin: hasStdin,
      stdout: true,
      stderr: true,
      hijack: hasStdin,
    })) as Duplex;
    const attached = stream;
    const ended = new Promise<void>((resolve) => {
      attached.once('end', resolve);
      attached.once('close', resolve);
      attached.once('error', () => resolve());
    });
    let first = true;
    const firstOutput = () => {
      if (first) step('first output');
      first = false;
    };
    stream.once('data', firstOutput);
    docker.modem.demuxStream(stream, opts.stdout, opts.stderr);
    // Asked before the start, so the exit cannot be missed; 'removed' because of AutoRemove.
    const exited = container.wait({ condition: 'removed' }) as Promise<{ StatusCode: number }>;
    exited.catch(() => undefined);
    opts.signal?.throwIfAborted();
    try {
      await container.start();
    } catch (cause) {
      throw engineError(`starting a container of ${opts.image} failed`, cause);
    }
    started = true;
    step('started');
    // A stop signal that came during the start: the container is running now, so stop it.
    if (opts.signal?.aborted === true) stop();
    if (opts.stdin !== undefined) feed(opts.stdin, stream);
    const { StatusCode } = await exited;
    step('exited');
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
    return { exitCode: StatusCode };
  } catch (error) {
    if (!started) {
      await remove();
      if (opts.signal?.aborted === true) {
        throw new AgentcrateError('E_CANCELLED', `stopped before the container of ${opts.image} started`, {
          cause: error,
        });
      }
    }
    throw error;
  } finally {
    opts.signal?.removeEventListener('abort', stop);
    stream?.destroy();
  }
}

/** Writes the input into the container's stdin, then closes it (the container sees EOF). */
function feed(input: NodeJS.ReadableStream | Buffer | string, stream: Writable): void {
  if (typeof input === 'string' || Buffer.isBuffer(input)) {
    stream.end(input);
    return;
  }
  input.on('error', () => stream.end());
  input.pipe(stream);
}
