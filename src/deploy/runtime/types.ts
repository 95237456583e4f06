/**
 * The seam between deploy and a container engine. The one implementation talks to the Docker
 * Engine API through dockerode (Docker, or Podman's Docker-compatible socket); tests and other
 * engines implement the same interface.
 */

export interface RuntimeInfo {
  kind: 'docker' | 'podman';
  /** Where the engine was reached, e.g. `unix:///var/run/docker.sock`. */
  endpoint: string;
  version: string;
  apiVersion: string;
  os: string;
  arch: string;
}

export interface BuildProgress {
  /** Dockerfile step being run (0 while the context is sent). */
  step: number;
  total?: number;
  message: string;
  /** Build context size, on the context event. */
  bytes?: number;
  elapsedMs: number;
}

export interface BuildOptions {
  contextDir: string;
  /** Paths relative to `contextDir` sent to the engine (`.dockerignore` still applies). */
  files: string[];
  /** Image reference to tag, e.g. `echo:latest`. */
  tag: string;
  /** One target platform, e.g. `linux/amd64` (the Engine API takes one; several need buildx). */
  platform?: string;
  onProgress?: (progress: BuildProgress) => void;
}

/** Credentials for a registry, sent to the engine as `X-Registry-Auth` (never logged). */
export interface RegistryAuth {
  username?: string;
  password?: string;
  /** The registry host, e.g. `ghcr.io` or `127.0.0.1:5000`. */
  serveraddress: string;
}

export interface PushProgress {
  message: string;
  /** Layer id the message is about, when it is about one. */
  layer?: string;
  current?: number;
  total?: number;
  elapsedMs: number;
}

export interface PushOptions {
  auth?: RegistryAuth;
  onProgress?: (progress: PushProgress) => void;
}

export interface RunOptions {
  name: string;
  image: string;
  /** Variables for the container, passed at run time only. */
  env: Record<string, string>;
  /** Container port; also the host port unless `hostPort` says otherwise. */
  port: number;
  hostPort?: number;
  /** Host address the port is published on (default 127.0.0.1). */
  bindAddress?: string;
  /** `host` (nothing published, the server listens on the host's port), or a network name. */
  network?: string;
  /** Named volume mounted at /data. */
  volume?: string;
  labels?: Record<string, string>;
  /** Hardening, all on by default: read-only rootfs with a tmpfs /tmp, no capabilities, no-new-privileges. */
  readOnly?: boolean;
  capDropAll?: boolean;
  noNewPrivileges?: boolean;
  /** Default `unless-stopped`. */
  restart?: 'no' | 'always' | 'unless-stopped' | 'on-failure';
  user?: string;
}

export interface ContainerSummary {
  id: string;
  name: string;
  image: string;
  /** Engine state: running, exited, restarting, created, paused, dead. */
  state: string;
  /** Human status, e.g. `Up 5 minutes (healthy)`. */
  status: string;
  ports: string[];
  labels: Record<string, string>;
  createdAt: Date;
}

export interface ContainerDetails {
  id: string;
  name: string;
  image: string;
  imageId: string;
  status: string;
  running: boolean;
  restarting: boolean;
  exitCode: number;
  restartCount: number;
  health?: 'starting' | 'healthy' | 'unhealthy' | 'none';
  user: string;
  labels: Record<string, string>;
  /** Error the engine recorded when the process could not start. */
  error: string;
}

export interface LogLine {
  stream: 'stdout' | 'stderr';
  line: string;
}

export interface LogOptions {
  follow?: boolean;
  /** Last N lines only. */
  tail?: number;
}

export interface WaitHealthyOptions {
  timeoutMs: number;
  /**
   * Also accept a 200 from this URL (the same GET /health the HEALTHCHECK runs). Docker's first
   * health probe only runs one interval after start, so probing directly makes deploys faster.
   */
  probeUrl?: string;
  pollMs?: number;
  /** How many log lines to return on failure (default 40). */
  logLines?: number;
}

export interface HealthResult {
  status: 'healthy' | 'unhealthy' | 'exited' | 'timeout';
  /** What proved health: the engine's HEALTHCHECK or the direct probe. */
  via?: 'healthcheck' | 'probe';
  reason?: string;
  elapsedMs: number;
  lastLogs: string[];
}

/** `docker run --rm`: one container, its output streamed, removed when it ends. */
export interface RunOnceOptions {
  image: string;
  /** The image's command arguments (after its ENTRYPOINT). */
  args: string[];
  /** Variables for the container, passed at run time only. */
  env: Record<string, string>;
  /** Fed to the container's stdin, which is then closed; without it no stdin is attached. */
  stdin?: NodeJS.ReadableStream | Buffer | string;
  stdout: NodeJS.WritableStream;
  stderr: NodeJS.WritableStream;
  /** `host`, `none`, or a network name (default: the engine's bridge). */
  network?: string;
  /** `name:address` entries for /etc/hosts, e.g. `host.docker.internal:host-gateway`. */
  extraHosts?: string[];
  /** Host files or directories bound into the container (read-only unless said). */
  mounts?: Array<{ source: string; target: string; readOnly?: boolean }>;
  labels?: Record<string, string>;
  user?: string;
  /** Default true: a read-only root with a tmpfs /tmp. */
  readOnly?: boolean;
  /**
   * Aborting sends the container SIGTERM; before it has started, the container is removed
   * and the run throws E_CANCELLED.
   */
  signal?: AbortSignal;
  /** Told each step as it happens (`created`, `started`, `first output`, `exited`): timings. */
  onStep?: (step: RunOnceStep) => void;
}

export type RunOnceStep = 'created' | 'started' | 'first output' | 'exited';

export interface RunOnceResult {
  exitCode: number;
}

export interface ImageDetails {
  id: string;
  /** `repo:tag` references. */
  tags: string[];
  labels: Record<string, string>;
  /** Bytes of the whole image, layers of the base included. */
  size: number;
  created: Date;
  /** Only when inspected one by one. */
  architecture?: string;
  /** Layer digests, base first (only when inspected one by one). */
  layers?: string[];
}

export interface ContainerRuntime {
  /** Finds and pings the engine; throws `E_RUNTIME` saying what to install or start. */
  detect(): Promise<RuntimeInfo>;
  build(opts: BuildOptions): Promise<{ imageId: string }>;
  /** Tags `source` (a local image reference) as `repo:tag`. */
  tag(source: string, repo: string, tag: string): Promise<void>;
  /** Pushes `repo:tag`; registry errors reported in the progress stream are thrown. */
  push(repo: string, tag: string, opts?: PushOptions): Promise<{ digest?: string }>;
  run(opts: RunOptions): Promise<{ id: string }>;
  ps(opts?: { all?: boolean; labels?: Record<string, string> }): Promise<ContainerSummary[]>;
  logs(name: string, opts?: LogOptions): AsyncIterable<LogLine>;
  stop(name: string, timeoutSeconds?: number): Promise<void>;
  /** Starts a stopped container (a no-op when it runs). */
  start(name: string): Promise<void>;
  restart(name: string, timeoutSeconds?: number): Promise<void>;
  rm(name: string, opts?: { force?: boolean }): Promise<void>;
  /** `undefined` when no such container exists. */
  inspect(name: string): Promise<ContainerDetails | undefined>;
  waitHealthy(name: string, opts: WaitHealthyOptions): Promise<HealthResult>;
  /** `docker run --rm`: see `RunOnceOptions`. */
  runOnce(opts: RunOnceOptions): Promise<RunOnceResult>;
  /** `undefined` when no such image exists. */
  inspectImage(ref: string): Promise<ImageDetails | undefined>;
  /** Images carrying every one of these labels. */
  images(opts?: { labels?: Record<string, string> }): Promise<ImageDetails[]>;
  /** Removes a reference (force: also when a stopped container uses it; default true). */
  removeImage(ref: string, opts?: { force?: boolean }): Promise<void>;
  removeVolume(name: string): Promise<void>;
}
