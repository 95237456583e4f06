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

  const stream = (await container.attach({
    stream: true,
    stdin: hasStdin,
    stdout: true,
    stderr: true,
    hijack: hasStdin,
  })) as Duplex;
  const ended = new Promise<void>((resolve) => {
    stream.once('end', resolve);
    stream.once('close', resolve);
    stream.once('error', () => resolve());
  });
  docker.modem.demuxStream(stream, opts.stdout, opts.stderr);
  // Asked before the start, so the exit cannot be missed; 'removed' because of AutoRemove.
  const exited = container.wait({ condition: 'removed' }) as Promise<{ StatusCode: number }>;
  const kill = () => {
    container.kill({ signal: 'SIGTERM' }).catch(() => undefined);
  };
  opts.signal?.addEventListener('abort', kill, { once: true });
  try {
    try {
      await container.start();
    } catch (cause) {
      await container.remove({ force: true }).catch(() => undefined);
      throw engineError(`starting a container of ${opts.image} failed`, cause);
    }
    if (opts.stdin !== undefined) feed(opts.stdin, stream);
    const { StatusCode } = await exited;
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, DRAIN_MS).unref())]);
    return { exitCode: StatusCode };
  } finally {
    opts.signal?.removeEventListener('abort', kill);
    stream.destroy();
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
