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

export const TMPFS_TMP = 'rw,noexec,nosuid,size=64m';

export const HEALTHCHECK = { intervalSeconds: 10, timeoutSeconds: 5, startPeriodSeconds: 10, retries: 3 };
