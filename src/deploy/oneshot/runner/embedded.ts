/**
 * What `agentcrate build` embeds beside the runner: the validated workflow (already parsed, so
 * the image needs no YAML reader and no validator), the parts of agentcrate it carries, and
 * the settings it was built with. In an image it is `/app/oneshot.json`; in a single
 * executable it is an asset the bootstrap hands over before the runner loads.
 */
import { readFileSync } from 'node:fs';
import type { Workflow } from '../../../config/types.js';

export const EMBEDDED_FILE = 'oneshot.json';
export const EMBEDDED_FORMAT = 1;

/** Where a single executable's bootstrap leaves the embedded configuration. */
export const EMBEDDED_GLOBAL = Symbol.for('agentcrate.oneshot.embedded');

export type SandboxModeName = 'python' | 'docker';

export interface OneshotConfig {
  format: typeof EMBEDDED_FORMAT;
  agentcrateVersion: string;
  /** The validated workflow, without its source text and host path. */
  workflow: Workflow;
  /** Providers the runner carries (each node's, after the build's overrides). */
  providers: string[];
  /** Built-in tool modules the runner carries (ids of `tools/builtin/<id>.ts`). */
  toolModules: string[];
  /** Code-node sandbox modes the runner carries (none without code nodes). */
  sandboxModes: SandboxModeName[];
  /**
   * Environment defaults baked at build time (never secrets: the build refuses them); the
   * environment the runner is started with wins over each of them.
   */
  env: Record<string, string>;
  /** An input that passes validation, for the build's warm-up run. */
  exampleInput: Record<string, unknown>;
}

/** Reads the embedded configuration: the bootstrap's, else the file beside the runner. */
export function readEmbedded(runnerUrl: string): OneshotConfig {
  const handed = (globalThis as Record<symbol, unknown>)[EMBEDDED_GLOBAL];
  const parsed: unknown =
    handed !== undefined ? handed : JSON.parse(readFileSync(new URL(EMBEDDED_FILE, runnerUrl), 'utf8'));
  const config = parsed as Partial<OneshotConfig>;
  if (config.format !== EMBEDDED_FORMAT || config.workflow === undefined) {
    throw new Error(
      `${EMBEDDED_FILE} is not a one-shot configuration of format ${EMBEDDED_FORMAT}: rebuild the image with this agentcrate`,
    );
  }
  return config as OneshotConfig;
}
