/**
 * Puts one workflow's runner together: the kit files its parts need and the embedded
 * configuration (`oneshot.json`), in a directory (the image's `/app/`) or as a list of assets
 * (a single executable's). The content hash names the result: the same workflow, settings and
 * runner give the same hash, so an unchanged workflow is never rebuilt.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import type { Workflow } from '../../config/types.js';
import { AgentcrateError } from '../../errors.js';
import type { LlmOverride } from '../../models/types.js';
import { VERSION } from '../../version.js';
import type { Kit } from './kit/build.js';
import { selectKitFiles } from './kit/manifest.js';
import type { WorkflowParts } from './parts.js';
import { EMBEDDED_FILE, EMBEDDED_FORMAT, type OneshotConfig } from './runner/embedded.js';

/** Inside a container, `localhost` is the container: a model on the host is host.docker.internal. */
export const CONTAINER_OLLAMA_BASE_URL = 'http://host.docker.internal:11434';

export interface StageOptions {
  workflow: Workflow;
  parts: WorkflowParts;
  override: LlmOverride;
  exampleInput: Record<string, unknown>;
  /** Environment defaults of the target (e.g. where Ollama is, seen from a container). */
  envDefaults?: Record<string, string>;
}

export interface StagedRunner {
  config: OneshotConfig;
  /** Kit files (relative to the kit directory), the entry first. */
  files: string[];
  /** Their bytes plus the configuration's. */
  bytes: number;
  /** sha256 (hex) over the configuration and every file's digest. */
  contentHash: string;
}

export function stageRunner(kit: Kit, opts: StageOptions): StagedRunner {
  const { source: _source, file: _file, ...rest } = opts.workflow;
  const workflow: Workflow = { ...rest, source: '' };
  assertJsonFaithful(workflow);
  const env: Record<string, string> = { ...opts.envDefaults };
  if (opts.override.provider !== undefined) env.AGENTCRATE_LLM_PROVIDER = opts.override.provider;
  if (opts.override.model !== undefined) env.AGENTCRATE_LLM_MODEL = opts.override.model;
  if (opts.override.baseURL !== undefined) env.AGENTCRATE_LLM_BASE_URL = opts.override.baseURL;
  const config: OneshotConfig = {
    format: EMBEDDED_FORMAT,
    agentcrateVersion: VERSION,
    workflow,
    providers: opts.parts.providers,
    toolModules: opts.parts.toolModules,
    sandboxModes: opts.parts.sandboxModes,
    env,
    exampleInput: opts.exampleInput,
  };
  const files = selectKitFiles(kit.manifest, opts.parts);
  const configText = configJson(config);
  const hash = createHash('sha256').update(configText).update('\0');
  let bytes = Buffer.byteLength(configText);
  for (const file of files) {
    const meta = kit.manifest.files[file];
    if (meta === undefined) throw new AgentcrateError('E_INTERNAL', `the runner kit lacks ${file}`);
    hash.update(file).update('\0').update(meta.sha256).update('\0');
    bytes += meta.bytes;
  }
  return { config, files, bytes, contentHash: hash.digest('hex') };
}

export function configJson(config: OneshotConfig): string {
  return `${JSON.stringify(config)}\n`;
}

/** Writes the runner into `dir` (which becomes `/app/`); returns the paths written, relative. */
export function writeRunner(kit: Kit, staged: StagedRunner, dir: string): string[] {
  for (const file of staged.files) {
    mkdirSync(dirname(join(dir, file)), { recursive: true });
    copyFileSync(join(kit.dir, file), join(dir, file));
  }
  writeFileSync(join(dir, EMBEDDED_FILE), configJson(staged.config));
  return [...staged.files, EMBEDDED_FILE];
}

/** The runner's files as bytes, by their path in the runner's directory (for assets). */
export function runnerAssets(kit: Kit, staged: StagedRunner): Map<string, Buffer> {
  const assets = new Map<string, Buffer>();
  for (const file of staged.files) assets.set(file, readFileSync(join(kit.dir, file)));
  assets.set(EMBEDDED_FILE, Buffer.from(configJson(staged.config)));
  return assets;
}

/**
 * The embedded workflow is read back with `JSON.parse`: a value JSON cannot hold (a date from
 * YAML, `undefined` inside a list, a non-finite number) would come back different.
 */
function assertJsonFaithful(workflow: Workflow): void {
  const problem = findUnfaithful(workflow, 'workflow');
  if (problem !== undefined) {
    throw new AgentcrateError(
      'E_INVALID_WORKFLOW',
      `cannot embed the workflow: ${problem}; write it as a string or a number in the YAML`,
    );
  }
}

function findUnfaithful(value: unknown, path: string): string | undefined {
  if (value === null || typeof value === 'string' || typeof value === 'boolean') return undefined;
  if (typeof value === 'number') return Number.isFinite(value) ? undefined : `${path} is ${value}`;
  if (value === undefined) return undefined;
  if (Array.isArray(value)) {
    for (let i = 0; i < value.length; i++) {
      if (value[i] === undefined) return `${path}[${i}] is undefined`;
      const inner = findUnfaithful(value[i], `${path}[${i}]`);
      if (inner !== undefined) return inner;
    }
    return undefined;
  }
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value);
    if (proto !== Object.prototype && proto !== null) {
      return `${path} is a ${(value as object).constructor?.name ?? 'non-plain object'}`;
    }
    for (const [key, inner] of Object.entries(value)) {
      const problem = findUnfaithful(inner, `${path}.${key}`);
      if (problem !== undefined) return problem;
    }
    return undefined;
  }
  return `${path} is a ${typeof value}`;
}
