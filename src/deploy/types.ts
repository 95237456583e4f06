/** Shapes shared by the artifact generators (one file each) and `generateArtifacts`. */
import type { Workflow } from '../config/types.js';
import type { DeployNames } from './names.js';

/** One environment variable the deployment needs; the CLI derives the list from the workflow. */
export interface EnvVarSpec {
  name: string;
  required: boolean;
  description: string;
  /** Secrets are never printed, never given example values. */
  secret: boolean;
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
 * Node flags of the served process. A server's heap is mostly short-lived garbage from
 * requests: with V8's defaults it grew to 250–285 MB (RSS ~370 MB after 5,000 runs) holding
 * ~40 MB of live data. A smaller young generation and slower heap growth kept RSS at ~165 MB
 * for the same runs with no measurable change in CPU per run (BENCHMARKS.md, memory).
 */
export const SERVER_NODE_FLAGS = ['--max-semi-space-size=8', '--heap-growing-percent=30'] as const;

/**
 * glibc allocator settings of the served process (ignored by other C libraries, e.g. Alpine's
 * musl). Under load, glibc gives each busy thread its own arena and lets freed memory sit in
 * them, and the 64 KB socket read buffers and SQLite's pages, freed amid longer-lived
 * allocations, leave holes it never returns: after 10,000 runs the allocator held ~56 MB for
 * ~8 MB in use. Two arenas, allocations from 32 KB up in their own mappings (returned when
 * freed), and a fixed trim threshold (glibc otherwise raises it as the process runs) took
 * resident memory one second after such a burst from ~115 to ~97 MB; CPU per run changed by
 * less than the noise of the A/B (bench/ab.mjs, median of rounds 0.997). A threshold of 8 KB
 * saved ~5 MB more but cost ~4% of throughput (the Buffer pool's 8 KB slabs became mappings).
 */
export const SERVER_ALLOCATOR_ENV = {
  MALLOC_ARENA_MAX: '2',
  MALLOC_MMAP_THRESHOLD_: '32768',
  MALLOC_TRIM_THRESHOLD_: '131072',
} as const;

/**
 * Node's compile cache for the bundle, on the data volume (the root file system is read-only):
 * the first start compiles the 3 MB bundle and writes it; restarts and replicas sharing the
 * volume skip about 170 ms of parsing.
 */
export const COMPILE_CACHE_DIR = '/data/.node-compile-cache';

export const TMPFS_TMP = 'rw,noexec,nosuid,size=64m';

export const HEALTHCHECK = { intervalSeconds: 10, timeoutSeconds: 5, startPeriodSeconds: 10, retries: 3 };
