/** Shapes shared by the artifact generators (one file each) and `generateArtifacts`. */
import type { Workflow } from '../config/types.js';
import type { DeployNames } from './names.js';

/** The server's API styles (`API_STYLES` in server/compat), named here: deploy imports no server code. */
export type ApiStyle = 'agentcrate' | 'configurable-agents';

/** One environment variable the deployment needs; the CLI derives the list from the workflow. */
export interface EnvVarSpec {
  name: string;
  /** The env file must set it, always (deploy refuses otherwise). */
  required: boolean;
  description: string;
  /** Secrets are never printed, never given example values. */
  secret: boolean;
  /**
   * A credential the workflow uses: deploy refuses to start the container without it (or one of
   * `oneOf`) unless the env file sets AGENTCRATE_DRY_RUN.
   */
  needed?: boolean;
  /** The variables any one of which will do (this one included), e.g. two names of one key. */
  oneOf?: readonly string[];
  /** What applies when it is unset (shown in .env.example; the image's own ENV wins). */
  defaultValue?: string;
}

export interface ArtifactOptions {
  workflow: Workflow;
  outDir: string;
  port: number;
  /** Defaults to {@link DEFAULT_BASE_IMAGE}. */
  baseImage?: string;
  /** `--name`; defaults to the sanitised flow name. */
  name?: string;
  traces: boolean;
  /** `--api`: the HTTP API's shapes (`AGENTCRATE_API`); default agentcrate's. */
  api?: ApiStyle;
  envVars: EnvVarSpec[];
  /** Sync timeout of `/run` before it hands off to async (`AGENTCRATE_TIMEOUT`). */
  timeoutSeconds: number;
  exampleInput: Record<string, unknown>;
  inputSchema: unknown;
  outputSchema: unknown;
  /** sha256 (hex) of the server bundle, folded into the content hash when known. */
  bundleSha256?: string;
  /** agentcrate's own version, for the generated-by header. */
  agentcrateVersion?: string;
}

/** Everything the per-file generators need, computed once. */
export interface ArtifactContext {
  workflow: Workflow;
  port: number;
  baseImage: string;
  names: DeployNames;
  traces: boolean;
  api: ApiStyle;
  envVars: EnvVarSpec[];
  timeoutSeconds: number;
  exampleInput: Record<string, unknown>;
  labels: Record<string, string>;
  contentHash: string;
  agentcrateVersion: string;
}

/** The official Node 24 image (Debian slim); `--base-image` replaces it. */
export const DEFAULT_BASE_IMAGE = 'node:24-slim';

/** The uid/gid the server runs as (the official image's `node` user). */
export const RUN_AS = '1000:1000';

/**
 * Node flags of the served workflow server. A server's heap is mostly short-lived garbage from
 * requests; with V8's defaults it grows far beyond its live data. Slower heap growth keeps
 * resident memory down. The young generation is bounded, but large enough that most of a
 * run's objects die before the scavenge that would copy them (a run lives across fewer
 * scavenges), which costs less CPU per run than a smaller one; the idle trim gives its pages
 * back when the server goes quiet (BENCHMARKS.md, Numbers behind settings in the code).
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=16', '--heap-growing-percent=30'] as const;

/**
 * Node flags of the model gateway's image: a smaller young generation than the workflow
 * server's, since the gateway's requests hold less and its goal is resident memory. A later
 * tier-up to V8's Maglev compiler: Node's module loader calls its path helpers once per
 * character of the main script's path at start, which at a longer path made Maglev compile
 * one of them, and the first Maglev compilation faults in the compiler's code; an idle gateway
 * then compiles nothing (test/gateway/lean-bundle.test.ts), and code run under load still
 * reaches Maglev within its first second. The minor-GC task posted later (95 % of the young
 * generation, V8's default 80 %): the start fills the initial young generation to just under
 * 80 %, so a larger environment tipped it into a scavenge at start, which faults in the
 * scavenger's code and a fresh page (BENCHMARKS.md, Numbers behind settings in the code).
 */
export const GATEWAY_NODE_FLAGS = [
  '--max-semi-space-size=8',
  '--heap-growing-percent=30',
  '--invocation-count-for-maglev=1500',
  '--minor-gc-task-trigger=95',
] as const;

/**
 * glibc allocator settings of the served process (ignored by other C libraries, e.g. Alpine's
 * musl). Under load, glibc gives each busy thread its own arena and lets freed memory sit in
 * them, and the socket read buffers and SQLite's pages, freed amid longer-lived allocations,
 * leave holes it never returns. Two arenas, larger allocations in their own mappings (returned
 * when freed) and a fixed trim threshold (glibc otherwise raises it as the process runs) give
 * that memory back; a lower mmap threshold cost throughput, since the Buffer pool's slabs
 * became mappings. What each saved and cost: BENCHMARKS.md, Memory.
 */
export const SERVER_ALLOCATOR_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '32768',
  MALLOC_TRIM_THRESHOLD_: '131072',
} as const;

/**
 * Node's compile cache for the bundle, on the data volume (the root file system is read-only):
 * the first start compiles the bundle and writes it; restarts and replicas sharing the volume
 * skip the parsing (how much: BENCHMARKS.md, Numbers behind settings in the code).
 */
export const COMPILE_CACHE_DIR = '/data/.node-compile-cache';

export const TMPFS_TMP = 'rw,noexec,nosuid,size=64m';

export const HEALTHCHECK = { intervalSeconds: 10, timeoutSeconds: 5, startPeriodSeconds: 10, retries: 3 };
