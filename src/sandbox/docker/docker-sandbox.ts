/**
 * `mode: docker`: each call runs in a throw-away container of a Python image — no network
 * unless the node says `network: true`, read-only root, a small noexec /tmp, no capabilities,
 * no privilege escalation, an unprivileged user, and the preset's memory (no swap), CPU and
 * process limits. The runner comes as `python3 -c`, the request on stdin; nothing of the host
 * is mounted and no environment variable of the host is passed. The container is removed
 * whatever happens. The engine connection follows `deploy/runtime/detect.ts` (DOCKER_HOST,
 * else the Docker socket, else Podman's).
 */
import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { PassThrough } from 'node:stream';
import Docker from 'dockerode';
import { resolveEndpoint, unreachableError } from '../../deploy/runtime/detect.js';
import { AgentcrateError } from '../../errors.js';
import { cancelledOutcome, failedOutcome, outcomeFromEnvelope, requestText } from '../envelope.js';
import { resolveLimits } from '../presets.js';
import { RUNNER_SOURCE } from '../runner-source.js';
import type { CodeFailure, CodeOutcome, CodeRequest, CodeSandbox, SandboxLimits } from '../types.js';

export const DEFAULT_SANDBOX_IMAGE = 'python:3-slim';
/** Containers are labelled so an operator can find (and `agentcrate ps` can skip) them. */
export const SANDBOX_LABEL = 'io.agentcrate.sandbox';
/** What the container may print: the runner's envelope carries at most 64 KB of each stream. */
const MAX_CAPTURE = 16 * 1024 * 1024;
const PING_TIMEOUT_MS = 5000;

export interface DockerSandboxOptions {
  dockerImage?: string;
  env?: NodeJS.ProcessEnv;
}

export class DockerSandbox implements CodeSandbox {
  readonly image: string;
  readonly #env: NodeJS.ProcessEnv;
  #client: Promise<Docker> | undefined;
  #imageReady: Promise<void> | undefined;

  constructor(options: DockerSandboxOptions = {}) {
    this.#env = options.env ?? process.env;
    this.image = options.dockerImage ?? this.#env.AGENTCRATE_SANDBOX_IMAGE ?? DEFAULT_SANDBOX_IMAGE;
  }

  async run(request: CodeRequest): Promise<CodeOutcome> {
    const limits = resolveLimits(request.settings);
    const docker = await this.#docker();
    await this.#ensureImage(docker);
    if (request.signal?.aborted) return cancelledOutcome(request, 'docker', limits, 0);
    const marker = `@@agentcrate-${randomBytes(8).toString('hex')}@@`;
    let container: Docker.Container;
    try {
      container = await docker.createContainer(this.#spec(request, limits, marker));
    } catch (cause) {
      throw unavailable(`could not create a container of ${this.image}: ${(cause as Error).message}`, cause);
    }
    try {
      return await this.#call(docker, container, request, limits, marker);
    } finally {
      await container.remove({ force: true }).catch(() => undefined);
    }
  }

  async close(): Promise<void> {
    this.#client = undefined;
    this.#imageReady = undefined;
  }

  #spec(request: CodeRequest, limits: SandboxLimits, marker: string): Docker.ContainerCreateOptions {
    return {
      name: `agentcrate-sandbox-${randomBytes(6).toString('hex')}`,
      Image: this.image,
      Cmd: ['python3', '-I', '-S', '-c', `${RUNNER_SOURCE}\n_agentcrate_stdio(${JSON.stringify(marker)})\n`],
      Env: ['HOME=/tmp', 'PYTHONDONTWRITEBYTECODE=1', 'PYTHONIOENCODING=utf-8'],
      User: '65534:65534',
      WorkingDir: '/tmp',
      Labels: { [SANDBOX_LABEL]: 'true', 'io.agentcrate.sandbox.node': request.nodeId },
      OpenStdin: true,
      StdinOnce: true,
      AttachStdin: true,
      AttachStdout: true,
      AttachStderr: true,
      Tty: false,
      NetworkDisabled: !request.settings.network,
      HostConfig: {
        NetworkMode: request.settings.network ? 'bridge' : 'none',
        ReadonlyRootfs: true,
        Tmpfs: { '/tmp': 'rw,noexec,nosuid,nodev,size=16m' },
        CapDrop: ['ALL'],
        SecurityOpt: ['no-new-privileges'],
        PidsLimit: limits.pids,
        Memory: limits.memoryBytes,
        MemorySwap: limits.memoryBytes,
        // Docker refuses more CPUs than the machine has.
        NanoCpus: Math.round(Math.min(limits.cpus, availableParallelism()) * 1e9),
        Init: false,
        AutoRemove: false,
      },
    };
  }

  async #call(
    docker: Docker,
    container: Docker.Container,
    request: CodeRequest,
    limits: SandboxLimits,
    marker: string,
  ): Promise<CodeOutcome> {
    const stdout = capture();
    const stderr = capture();
    const stream = await container.attach({
      stream: true,
      hijack: true,
      stdin: true,
      stdout: true,
      stderr: true,
    });
    docker.modem.demuxStream(stream, stdout.sink, stderr.sink);
    const ended = new Promise<void>((resolve) => {
      stream.once('end', resolve);
      stream.once('close', resolve);
      stream.once('error', () => resolve());
    });
    const started = performance.now();
    await container.start();
    stream.end(requestText(request));

    let stop: CodeFailure | undefined;
    const timer = setTimeout(() => {
      stop ??= {
        code: 'E_SANDBOX_TIMEOUT',
        message: `the code ran past its time limit of ${limits.timeoutMs / 1000} s and its container was stopped`,
      };
      void container.kill().catch(() => undefined);
    }, limits.timeoutMs);
    const onAbort = () => {
      stop ??= cancelledOutcome(request, 'docker', limits, 0).failure;
      void container.kill().catch(() => undefined);
    };
    request.signal?.addEventListener('abort', onAbort, { once: true });
    let exit: { StatusCode: number };
    try {
      exit = (await container.wait()) as { StatusCode: number };
    } finally {
      clearTimeout(timer);
      request.signal?.removeEventListener('abort', onAbort);
    }
    // The streams drain after the exit; a short wait keeps the tail of what was printed.
    await Promise.race([ended, new Promise((resolve) => setTimeout(resolve, 1000))]);
    const elapsed = performance.now() - started;
    const output = { stdout: tail(stdout.text()), stderr: tail(stderr.text()) };
    if (stop !== undefined) return failedOutcome(stop, 'docker', limits, elapsed, output);

    const text = stdout.text();
    const at = text.lastIndexOf(marker);
    if (at >= 0) {
      const line = text.slice(at + marker.length).split('\n', 1)[0]!;
      return outcomeFromEnvelope(line, 'docker', limits, elapsed);
    }
    const state = await container.inspect().catch(() => undefined);
    if (state?.State.OOMKilled || exit.StatusCode === 137) {
      return failedOutcome(
        {
          code: 'E_SANDBOX_MEMORY',
          message: `the code passed its memory limit (${Math.round(limits.memoryBytes / 1024 / 1024)} MB) and its container was killed`,
        },
        'docker',
        limits,
        elapsed,
        output,
      );
    }
    return failedOutcome(
      {
        code: 'E_CODE',
        message: `python exited with code ${exit.StatusCode} before answering${output.stderr ? `: ${lastLine(output.stderr)}` : ''}`,
      },
      'docker',
      limits,
      elapsed,
      output,
    );
  }

  #docker(): Promise<Docker> {
    this.#client ??= (async () => {
      let endpoint: ReturnType<typeof resolveEndpoint>;
      try {
        endpoint = resolveEndpoint(this.#env);
      } catch (cause) {
        throw unavailable(`docker mode needs a container engine: ${(cause as Error).message}`, cause);
      }
      const client = new Docker(
        endpoint.socketPath !== undefined
          ? { socketPath: endpoint.socketPath }
          : { host: endpoint.host, port: endpoint.port, protocol: endpoint.protocol },
      );
      try {
        await Promise.race([
          client.ping(),
          new Promise((_, reject) =>
            setTimeout(() => reject(new Error('ETIMEDOUT')), PING_TIMEOUT_MS).unref(),
          ),
        ]);
      } catch (cause) {
        throw unavailable(
          `docker mode needs a container engine: ${unreachableError(endpoint, cause).message}`,
          cause,
        );
      }
      return client;
    })().catch((error: unknown) => {
      this.#client = undefined;
      throw error;
    });
    return this.#client;
  }

  /** The image must be present; when it is not, one pull is tried (as `docker run` would). */
  #ensureImage(docker: Docker): Promise<void> {
    this.#imageReady ??= (async () => {
      try {
        await docker.getImage(this.image).inspect();
        return;
      } catch {
        // not present: pull below
      }
      try {
        const stream = await docker.pull(this.image);
        await new Promise<void>((resolve, reject) =>
          docker.modem.followProgress(stream, (error) => (error ? reject(error) : resolve())),
        );
      } catch (cause) {
        throw unavailable(
          `the sandbox image ${this.image} is not present and could not be pulled (${(cause as Error).message}); pull or build a Python image (scripts/docker/build-sandbox-image.sh builds one from the host's Debian python3) and name it with AGENTCRATE_SANDBOX_IMAGE`,
          cause,
        );
      }
    })().catch((error: unknown) => {
      this.#imageReady = undefined;
      throw error;
    });
    return this.#imageReady;
  }
}

function capture(): { sink: PassThrough; text(): string } {
  const chunks: Buffer[] = [];
  let size = 0;
  const sink = new PassThrough();
  sink.on('data', (chunk: Buffer) => {
    if (size >= MAX_CAPTURE) return;
    chunks.push(chunk);
    size += chunk.length;
  });
  return { sink, text: () => Buffer.concat(chunks).toString('utf8') };
}

/** What a container printed outside the envelope (it never got to answer), capped. */
function tail(text: string): string {
  return text.length > 65536 ? `[…]${text.slice(-65536)}` : text;
}

function lastLine(text: string): string {
  return text.trim().split('\n').at(-1) ?? '';
}

function unavailable(message: string, cause?: unknown): AgentcrateError {
  return new AgentcrateError('E_SANDBOX_UNAVAILABLE', message, { cause });
}
