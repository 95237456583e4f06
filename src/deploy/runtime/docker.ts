/**
 * `ContainerRuntime` over the Docker Engine API (dockerode). Works with Docker and with
 * Podman's Docker-compatible socket. Every engine failure becomes an `E_RUNTIME` (or
 * `E_CONFLICT` / `E_NOT_FOUND`) that says what happened and what to do.
 */
import type { Readable } from 'node:stream';
// Before dockerode: defers the parts of it that load heavy packages (defer-modules.ts).
import './defer-modules.js';
import Docker from 'dockerode';
import { AgentcrateError } from '../../errors.js';
import { LABEL_MANAGED } from '../labels.js';
import { TMPFS_TMP } from '../types.js';
import { buildImage, pushImage } from './build-push.js';
import { type Endpoint, resolveEndpoint, unreachableError } from './detect.js';
import { engineError, messageOf, statusOf } from './engine-errors.js';
import { imageDetails, listImages } from './images.js';
import { demuxLogLines } from './log-stream.js';
import { runOnce } from './run-once.js';
import type {
  BuildOptions,
  ContainerDetails,
  ContainerRuntime,
  ContainerSummary,
  HealthResult,
  ImageDetails,
  LogLine,
  LogOptions,
  PushOptions,
  RunOnceOptions,
  RunOnceResult,
  RunOptions,
  RuntimeInfo,
  WaitHealthyOptions,
} from './types.js';

const PING_TIMEOUT_MS = 5000;

export interface DockerRuntimeOptions {
  /** Defaults to `process.env` (DOCKER_HOST, XDG_RUNTIME_DIR). */
  env?: NodeJS.ProcessEnv;
}

export class DockerRuntime implements ContainerRuntime {
  private readonly env: NodeJS.ProcessEnv;
  private client: Docker | undefined;
  private endpoint: Endpoint | undefined;
  private info: RuntimeInfo | undefined;

  constructor(opts: DockerRuntimeOptions = {}) {
    this.env = opts.env ?? process.env;
  }

  async detect(): Promise<RuntimeInfo> {
    if (this.info !== undefined) return this.info;
    const endpoint = resolveEndpoint(this.env);
    const client = newClient(endpoint);
    let version: Docker.DockerVersion;
    try {
      await withTimeout(client.ping(), PING_TIMEOUT_MS, 'ETIMEDOUT');
      version = await withTimeout(client.version(), PING_TIMEOUT_MS, 'ETIMEDOUT');
    } catch (cause) {
      throw unreachableError(endpoint, cause);
    }
    const components = (version as { Components?: Array<{ Name?: string }> }).Components ?? [];
    const isPodman = components.some((c) => /podman/i.test(c.Name ?? ''));
    this.client = client;
    this.endpoint = endpoint;
    this.info = {
      kind: isPodman ? 'podman' : endpoint.kind,
      endpoint: endpoint.endpoint,
      version: version.Version,
      apiVersion: version.ApiVersion,
      os: version.Os,
      arch: version.Arch,
    };
    return this.info;
  }

  private async docker(): Promise<Docker> {
    if (this.client === undefined) await this.detect();
    return this.client as Docker;
  }

  async build(opts: BuildOptions): Promise<{ imageId: string }> {
    return buildImage(await this.docker(), opts);
  }

  async tag(source: string, repo: string, tag: string): Promise<void> {
    const docker = await this.docker();
    try {
      await docker.getImage(source).tag({ repo, tag });
    } catch (cause) {
      throw engineError(`tagging ${source} as ${repo}:${tag} failed`, cause);
    }
  }

  async push(repo: string, tag: string, opts: PushOptions = {}): Promise<{ digest?: string }> {
    return pushImage(await this.docker(), repo, tag, opts);
  }

  async run(opts: RunOptions): Promise<{ id: string }> {
    const docker = await this.docker();
    if ((await this.inspect(opts.name)) !== undefined) {
      throw new AgentcrateError(
        'E_CONFLICT',
        `a container named ${opts.name} already exists; use --name or \`agentcrate rm ${opts.name}\``,
        { details: { name: opts.name } },
      );
    }
    const hostNetwork = opts.network === 'host';
    const portKey = `${opts.port}/tcp`;
    const readOnly = opts.readOnly ?? true;
    const labels = { ...opts.labels, [LABEL_MANAGED]: 'true' };
    if (opts.volume !== undefined) {
      await ensureVolume(docker, opts.volume, {
        [LABEL_MANAGED]: 'true',
        'io.agentcrate.container': opts.name,
      });
    }
    const hostConfig: Docker.HostConfig = {
      Init: true,
      RestartPolicy: { Name: opts.restart ?? 'unless-stopped' },
      ReadonlyRootfs: readOnly,
      CapDrop: (opts.capDropAll ?? true) ? ['ALL'] : [],
      SecurityOpt: (opts.noNewPrivileges ?? true) ? ['no-new-privileges'] : [],
      LogConfig: { Type: 'json-file', Config: { 'max-size': '10m', 'max-file': '3' } },
    };
    if (readOnly) hostConfig.Tmpfs = { '/tmp': TMPFS_TMP };
    if (opts.volume !== undefined) {
      hostConfig.Mounts = [{ Type: 'volume', Source: opts.volume, Target: '/data' }];
    }
    if (opts.network !== undefined) hostConfig.NetworkMode = opts.network;
    if (!hostNetwork) {
      hostConfig.PortBindings = {
        [portKey]: [
          { HostIp: opts.bindAddress ?? '127.0.0.1', HostPort: String(opts.hostPort ?? opts.port) },
        ],
      };
    }
    const create: Docker.ContainerCreateOptions = {
      name: opts.name,
      Image: opts.image,
      Env: Object.entries(opts.env).map(([k, v]) => `${k}=${v}`),
      Labels: labels,
      HostConfig: hostConfig,
    };
    if (!hostNetwork) create.ExposedPorts = { [portKey]: {} };
    if (opts.user !== undefined) create.User = opts.user;

    let container: Docker.Container;
    try {
      container = await docker.createContainer(create);
    } catch (cause) {
      if (statusOf(cause) === 409) {
        throw new AgentcrateError(
          'E_CONFLICT',
          `a container named ${opts.name} already exists; use --name or \`agentcrate rm ${opts.name}\``,
          { cause },
        );
      }
      if (statusOf(cause) === 404) {
        throw new AgentcrateError('E_RUNTIME', `image ${opts.image} not found: build it first`, { cause });
      }
      throw engineError(`creating container ${opts.name} failed`, cause);
    }
    try {
      await container.start();
    } catch (cause) {
      // A container that never started is useless and would block the name: remove it.
      await container.remove({ force: true }).catch(() => undefined);
      const text = messageOf(cause);
      if (/address already in use|port is already allocated/i.test(text)) {
        throw new AgentcrateError(
          'E_CONFLICT',
          `port ${opts.hostPort ?? opts.port} on ${hostNetwork ? 'the host' : (opts.bindAddress ?? '127.0.0.1')} is already in use: choose another --port or stop what listens there`,
          { cause },
        );
      }
      throw engineError(`starting container ${opts.name} failed`, cause);
    }
    return { id: container.id };
  }

  async ps(opts: { all?: boolean; labels?: Record<string, string> } = {}): Promise<ContainerSummary[]> {
    const docker = await this.docker();
    const label = Object.entries(opts.labels ?? {}).map(([k, v]) => `${k}=${v}`);
    let list: Docker.ContainerInfo[];
    try {
      list = await docker.listContainers({
        all: opts.all ?? true,
        ...(label.length > 0 ? { filters: JSON.stringify({ label }) } : {}),
      });
    } catch (cause) {
      throw engineError('listing containers failed', cause);
    }
    return list.map((c) => ({
      id: c.Id,
      name: (c.Names[0] ?? c.Id).replace(/^\//, ''),
      image: c.Image,
      state: c.State,
      status: c.Status,
      ports: (c.Ports ?? [])
        .filter((p) => p.PublicPort !== undefined)
        .map((p) => `${p.IP ?? ''}:${p.PublicPort}->${p.PrivatePort}/${p.Type}`),
      labels: c.Labels ?? {},
      createdAt: new Date(c.Created * 1000),
    }));
  }

  async *logs(name: string, opts: LogOptions = {}): AsyncIterable<LogLine> {
    const docker = await this.docker();
    const details = await this.inspectRaw(name);
    if (details === undefined) throw notFound(name);
    const container = docker.getContainer(details.Id);
    const base = { stdout: true, stderr: true, ...(opts.tail !== undefined ? { tail: opts.tail } : {}) };
    let source: AsyncIterable<Buffer | string> | Iterable<Buffer | string>;
    try {
      if (opts.follow) {
        source = (await container.logs({ ...base, follow: true })) as unknown as Readable;
      } else {
        const buf = (await container.logs({ ...base, follow: false })) as unknown as Buffer;
        source = [buf];
      }
    } catch (cause) {
      throw engineError(`reading the logs of ${name} failed`, cause);
    }
    yield* demuxLogLines(source, details.Config?.Tty === true);
  }

  async stop(name: string, timeoutSeconds = 10): Promise<void> {
    const docker = await this.docker();
    try {
      await docker.getContainer(name).stop({ t: timeoutSeconds });
    } catch (cause) {
      if (statusOf(cause) === 304) return; // already stopped
      if (statusOf(cause) === 404) throw notFound(name);
      throw engineError(`stopping ${name} failed`, cause);
    }
  }

  async start(name: string): Promise<void> {
    const docker = await this.docker();
    try {
      await docker.getContainer(name).start();
    } catch (cause) {
      if (statusOf(cause) === 304) return; // already running
      if (statusOf(cause) === 404) throw notFound(name);
      throw engineError(`starting ${name} failed`, cause);
    }
  }

  async restart(name: string, timeoutSeconds = 10): Promise<void> {
    const docker = await this.docker();
    try {
      await docker.getContainer(name).restart({ t: timeoutSeconds });
    } catch (cause) {
      if (statusOf(cause) === 404) throw notFound(name);
      throw engineError(`restarting ${name} failed`, cause);
    }
  }

  async rm(name: string, opts: { force?: boolean } = {}): Promise<void> {
    const docker = await this.docker();
    try {
      await docker.getContainer(name).remove({ force: opts.force ?? false });
    } catch (cause) {
      if (statusOf(cause) === 404) throw notFound(name);
      if (statusOf(cause) === 409) {
        throw new AgentcrateError(
          'E_CONFLICT',
          `${name} is running: stop it first (\`agentcrate stop ${name}\`)`,
          {
            cause,
          },
        );
      }
      throw engineError(`removing ${name} failed`, cause);
    }
  }

  async inspect(name: string): Promise<ContainerDetails | undefined> {
    const raw = await this.inspectRaw(name);
    if (raw === undefined) return undefined;
    const health = raw.State.Health?.Status as ContainerDetails['health'] | undefined;
    return {
      id: raw.Id,
      name: raw.Name.replace(/^\//, ''),
      image: raw.Config.Image,
      imageId: raw.Image,
      status: raw.State.Status,
      running: raw.State.Running,
      restarting: raw.State.Restarting,
      exitCode: raw.State.ExitCode,
      restartCount: raw.RestartCount,
      ...(health !== undefined ? { health } : {}),
      user: raw.Config.User,
      labels: raw.Config.Labels ?? {},
      error: raw.State.Error ?? '',
    };
  }

  private async inspectRaw(name: string): Promise<Docker.ContainerInspectInfo | undefined> {
    const docker = await this.docker();
    try {
      return await docker.getContainer(name).inspect();
    } catch (cause) {
      if (statusOf(cause) === 404) return undefined;
      throw engineError(`inspecting ${name} failed`, cause);
    }
  }

  async waitHealthy(name: string, opts: WaitHealthyOptions): Promise<HealthResult> {
    const started = performance.now();
    const elapsed = () => Math.round(performance.now() - started);
    const pollMs = opts.pollMs ?? 250;
    const fail = async (status: HealthResult['status'], reason: string): Promise<HealthResult> => ({
      status,
      reason,
      elapsedMs: elapsed(),
      lastLogs: await this.lastLogs(name, opts.logLines ?? 40),
    });
    let restartsAtStart: number | undefined;
    for (;;) {
      const c = await this.inspect(name);
      if (c === undefined) return fail('exited', `container ${name} disappeared`);
      restartsAtStart ??= c.restartCount;
      // Exits first: Docker also marks a container that died as unhealthy, which would hide
      // the more useful exit code.
      if (!c.running || c.restarting || c.restartCount > restartsAtStart) {
        const why = c.error !== '' ? `: ${c.error}` : '';
        const code =
          c.exitCode !== 0
            ? `with code ${c.exitCode}`
            : `and was restarted ${c.restartCount - restartsAtStart} times`;
        return fail('exited', `the server exited ${code}${why}`);
      }
      if (c.health === 'healthy')
        return { status: 'healthy', via: 'healthcheck', elapsedMs: elapsed(), lastLogs: [] };
      if (c.health === 'unhealthy') return fail('unhealthy', 'the HEALTHCHECK (GET /health) kept failing');
      if (opts.probeUrl !== undefined && (await probe(opts.probeUrl))) {
        return { status: 'healthy', via: 'probe', elapsedMs: elapsed(), lastLogs: [] };
      }
      if (elapsed() >= opts.timeoutMs) {
        return fail('timeout', `not healthy after ${Math.round(opts.timeoutMs / 1000)} s`);
      }
      await new Promise((r) => setTimeout(r, pollMs));
    }
  }

  private async lastLogs(name: string, n: number): Promise<string[]> {
    const out: string[] = [];
    try {
      for await (const l of this.logs(name, { tail: n })) out.push(l.line);
    } catch {
      // The logs are a courtesy on an error path; never mask the original failure.
    }
    return out.slice(-n);
  }

  async runOnce(opts: RunOnceOptions): Promise<RunOnceResult> {
    return this.direct((docker) => runOnce(docker, opts));
  }

  async inspectImage(ref: string): Promise<ImageDetails | undefined> {
    return this.direct((docker) => imageDetails(docker, ref));
  }

  async images(opts: { labels?: Record<string, string> } = {}): Promise<ImageDetails[]> {
    return this.direct((docker) => listImages(docker, opts.labels ?? {}));
  }

  /**
   * A call made without `detect`'s two round trips first (ping, version), for `exec`'s path:
   * the call itself finds out whether the engine answers. One that fails without an HTTP
   * status (nothing answered) is followed by `detect`, which says why in the user's terms.
   */
  private async direct<T>(call: (docker: Docker) => Promise<T>): Promise<T> {
    if (this.client === undefined) {
      this.endpoint = resolveEndpoint(this.env);
      this.client = newClient(this.endpoint);
    }
    try {
      return await call(this.client);
    } catch (error) {
      if (this.info === undefined && !answered(error)) {
        this.client = undefined;
        await this.detect();
      }
      throw error;
    }
  }

  async removeImage(ref: string, opts: { force?: boolean } = {}): Promise<void> {
    const docker = await this.docker();
    try {
      await docker.getImage(ref).remove({ force: opts.force ?? true });
    } catch (cause) {
      if (statusOf(cause) === 404) return;
      throw engineError(`removing image ${ref} failed`, cause);
    }
  }

  async removeVolume(name: string): Promise<void> {
    const docker = await this.docker();
    try {
      await docker.getVolume(name).remove();
    } catch (cause) {
      if (statusOf(cause) === 404) return;
      throw engineError(`removing volume ${name} failed`, cause);
    }
  }

  /** The endpoint reached, once detected (for messages). */
  get endpointDescription(): string | undefined {
    return this.endpoint?.endpoint;
  }
}

function newClient(endpoint: Endpoint): Docker {
  return new Docker(
    endpoint.socketPath !== undefined
      ? { socketPath: endpoint.socketPath }
      : { host: endpoint.host, port: endpoint.port, protocol: endpoint.protocol },
  );
}

/** Whether the engine answered the failed call (an HTTP status on it or on its cause). */
function answered(error: unknown): boolean {
  for (let e = error; e !== undefined && e !== null; e = (e as { cause?: unknown }).cause) {
    if (statusOf(e) !== undefined) return true;
    if (e instanceof AgentcrateError && e.code !== 'E_RUNTIME') return true;
  }
  return false;
}

async function ensureVolume(docker: Docker, name: string, labels: Record<string, string>): Promise<void> {
  try {
    await docker.getVolume(name).inspect();
    return;
  } catch (cause) {
    if (statusOf(cause) !== 404) throw engineError(`inspecting volume ${name} failed`, cause);
  }
  try {
    await docker.createVolume({ Name: name, Labels: labels });
  } catch (cause) {
    throw engineError(`creating volume ${name} failed`, cause);
  }
}

async function probe(url: string): Promise<boolean> {
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(1000) });
    await res.body?.cancel();
    return res.status === 200;
  } catch {
    return false;
  }
}

function notFound(name: string): AgentcrateError {
  return new AgentcrateError(
    'E_NOT_FOUND',
    `no container named ${name}; \`agentcrate ps\` lists the deployed ones`,
    {
      details: { name },
    },
  );
}

function withTimeout<T>(promise: Promise<T>, ms: number, code: string): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(Object.assign(new Error(`no answer within ${ms} ms`), { code })), ms);
  });
  return Promise.race([promise, timeout]).finally(() => clearTimeout(timer));
}
