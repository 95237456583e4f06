/**
 * `agentcrate build`: the runner for one workflow (only the parts it uses), its Dockerfile and
 * build context in `--output`, then the image, tagged `agentcrate-<flow>:<content hash>` and
 * `:latest` (or `-t`). An image of the same content that is already there is kept as is.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { extname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Diagnostic, Workflow } from '../../config/types.js';
import { AgentcrateError, isAgentcrateError } from '../../errors.js';
import type { LlmOverride } from '../../models/types.js';
import { createRedactor } from '../../secrets/index.js';
import { VERSION } from '../../version.js';
import type { EnvEntry } from '../env-file.js';
import { LABEL_HASH } from '../labels.js';
import type { ContainerRuntime, ImageDetails, RuntimeInfo } from '../runtime/types.js';
import { assertNoSecretsInContext } from '../secret-guard.js';
import { contentDigest } from './digest.js';
import { CONTEXT_APP, CONTEXT_CACHE, renderOneshotDockerfile } from './dockerfile.js';
import { type Kit, loadKit } from './kit/build.js';
import {
  checkTag,
  DEFAULT_ONESHOT_BASE,
  defaultRepository,
  defaultTag,
  oneshotLabels,
  splitReference,
} from './names.js';
import { type WorkflowParts, workflowParts } from './parts.js';
import { LABEL_SOURCE, LABEL_WARNINGS, sourceKey } from './source-key.js';
import { CONTAINER_OLLAMA_BASE_URL, type StagedRunner, stageRunner, writeRunner } from './stage.js';

declare const __AGENTCRATE_ONESHOT_BASE_SCRIPT__: string | undefined;
/** The packed package's CLI chunks sit two levels below the root, this file three. */
export const ONESHOT_BASE_SCRIPT = fileURLToPath(
  new URL(
    typeof __AGENTCRATE_ONESHOT_BASE_SCRIPT__ === 'string'
      ? __AGENTCRATE_ONESHOT_BASE_SCRIPT__
      : '../../../scripts/docker/build-oneshot-base.sh',
    import.meta.url,
  ),
);

export interface OneshotProgress {
  phase: 'kit' | 'stage' | 'build' | 'tag';
  message: string;
  step?: number;
  total?: number;
  elapsedMs: number;
}

export interface PrepareOptions {
  workflow: Workflow;
  /** `--provider/--model/--base-url`: baked as defaults the container's environment overrides. */
  override?: LlmOverride;
  exampleInput: Record<string, unknown>;
  inputSchema: unknown;
  outputSchema: unknown;
  /** `--base-image` (default {@link DEFAULT_ONESHOT_BASE}). */
  baseImage?: string;
  /** `--platform`: one platform, built by the engine. */
  platform?: string;
  /** `-t`: the only tag (default: `agentcrate-<flow>:<hash>` and `:latest`). */
  tag?: string;
  /** The workflow's warnings, kept in a label for `exec`'s quick look-up to print. */
  warnings?: readonly Diagnostic[];
  onProgress?: (event: OneshotProgress) => void;
}

/** What `build` will make, known before anything is built (so `exec` can look it up). */
export interface PreparedImage {
  kit: Kit;
  parts: WorkflowParts;
  staged: StagedRunner;
  baseImage: string;
  contentHash: string;
  /** The reference `exec` runs; the first of `tags`. */
  image: string;
  tags: string[];
  labels: Record<string, string>;
}

export async function prepareImage(opts: PrepareOptions): Promise<PreparedImage> {
  const started = performance.now();
  const override = opts.override ?? {};
  const kit = await loadKit((message) =>
    opts.onProgress?.({ phase: 'kit', message, elapsedMs: Math.round(performance.now() - started) }),
  );
  const parts = workflowParts(opts.workflow, kit.manifest, override, 'image');
  const staged = stageRunner(kit, {
    workflow: opts.workflow,
    parts,
    override,
    exampleInput: opts.exampleInput,
    envDefaults: { OLLAMA_BASE_URL: CONTAINER_OLLAMA_BASE_URL },
  });
  assertNothingSecretBaked(staged.config.env);
  const baseImage = opts.baseImage ?? DEFAULT_ONESHOT_BASE;
  const contentHash = contentDigest([staged.contentHash, baseImage, opts.platform ?? '']);
  const tags =
    opts.tag !== undefined
      ? [checkTag(opts.tag)]
      : [defaultTag(opts.workflow, contentHash), `${defaultRepository(opts.workflow)}:latest`];
  const labels = oneshotLabels({
    workflow: opts.workflow,
    contentHash,
    parts,
    inputSchema: opts.inputSchema,
    outputSchema: opts.outputSchema,
  });
  labels[LABEL_SOURCE] = sourceKey({
    text: opts.workflow.source,
    extension: extname(opts.workflow.file ?? '').toLowerCase(),
    kitDigest: kit.manifest.sha256,
    provider: override.provider,
    model: override.model,
    baseURL: override.baseURL,
    baseImage,
    platform: opts.platform,
  });
  if (opts.warnings !== undefined && opts.warnings.length > 0) {
    labels[LABEL_WARNINGS] = JSON.stringify(opts.warnings.map(({ file: _file, ...rest }) => rest));
  }
  return { kit, parts, staged, baseImage, contentHash, image: tags[0] as string, tags, labels };
}

export interface BuildImageOptions {
  prepared: PreparedImage;
  runtime: ContainerRuntime;
  /** `--output`: where the Dockerfile and the build context are written. */
  outputDir: string;
  platform?: string;
  /** Build even when an image of this content exists. */
  force?: boolean;
  /** Env file entries that must not appear in the build context. */
  secrets?: EnvEntry[];
  onProgress?: (event: OneshotProgress) => void;
}

export interface BuiltImage {
  image: string;
  tags: string[];
  imageId: string;
  contentHash: string;
  /** False when an image of this content was already there. */
  built: boolean;
  outputDir: string;
  /** Bytes of the runner (kit files and embedded workflow) the image adds to its base. */
  runnerBytes: number;
  details: ImageDetails;
  runtime: RuntimeInfo;
  elapsedMs: number;
}

export async function buildImage(opts: BuildImageOptions): Promise<BuiltImage> {
  const started = performance.now();
  const emit = (event: Omit<OneshotProgress, 'elapsedMs'>) =>
    opts.onProgress?.({ ...event, elapsedMs: Math.round(performance.now() - started) });
  const { prepared, runtime } = opts;
  const info = await runtime.detect();
  const outputDir = resolve(opts.outputDir);
  const existing = await runtime.inspectImage(prepared.image);
  const finish = (details: ImageDetails, built: boolean): BuiltImage => ({
    image: prepared.image,
    tags: prepared.tags,
    imageId: details.id,
    contentHash: prepared.contentHash,
    built,
    outputDir,
    runnerBytes: prepared.staged.bytes,
    details,
    runtime: info,
    elapsedMs: Math.round(performance.now() - started),
  });
  if (opts.force !== true && existing?.labels[LABEL_HASH] === prepared.contentHash) {
    await tagAll(runtime, prepared, emit);
    emit({
      phase: 'build',
      message: `${prepared.image} is up to date (content ${prepared.contentHash.slice(0, 12)})`,
    });
    return finish(existing, false);
  }

  if (
    (await runtime.inspectImage(prepared.baseImage)) === undefined &&
    prepared.baseImage === DEFAULT_ONESHOT_BASE
  ) {
    throw new AgentcrateError(
      'E_RUNTIME',
      `the one-shot base image ${DEFAULT_ONESHOT_BASE} is not on this engine: build it from the local Node binary with\n  bash ${ONESHOT_BASE_SCRIPT}\nor pass --base-image with an image that has node (e.g. node:24-slim)`,
      { details: { baseImage: prepared.baseImage } },
    );
  }

  const files = writeContext(
    prepared,
    outputDir,
    opts.platform === undefined || sameArch(opts.platform, info),
  );
  emit({
    phase: 'stage',
    message: `runner for '${prepared.staged.config.workflow.flow.name}': ${prepared.staged.files.length} files, ${prepared.staged.bytes} bytes (providers: ${prepared.parts.providers.join(', ') || 'none'}; tool modules: ${prepared.parts.toolModules.join(', ') || 'none'}) in ${outputDir}`,
  });
  if (opts.secrets !== undefined) assertNoSecretsInContext(outputDir, opts.secrets);
  const first = prepared.tags[0] as string;
  try {
    await runtime.build({
      contextDir: outputDir,
      files,
      tag: first,
      ...(opts.platform !== undefined ? { platform: opts.platform } : {}),
      onProgress: (p) =>
        emit({
          phase: 'build',
          message: p.message,
          step: p.step,
          ...(p.total !== undefined ? { total: p.total } : {}),
        }),
    });
  } catch (error) {
    throw explainBuildFailure(error, prepared.baseImage);
  }
  await tagAll(runtime, prepared, emit);
  const details = await runtime.inspectImage(first);
  if (details === undefined)
    throw new AgentcrateError('E_RUNTIME', `the build finished but ${first} is missing`);
  return finish(details, true);
}

/** The Dockerfile, `app/` (the runner) and the empty compile cache directory; returns the context's entries. */
function writeContext(prepared: PreparedImage, outputDir: string, warm: boolean): string[] {
  mkdirSync(outputDir, { recursive: true });
  // Only what this command writes: other files in --output are the user's.
  for (const dir of [CONTEXT_APP, CONTEXT_CACHE])
    rmSync(join(outputDir, dir), { recursive: true, force: true });
  mkdirSync(join(outputDir, CONTEXT_CACHE), { recursive: true });
  const app = writeRunner(prepared.kit, prepared.staged, join(outputDir, CONTEXT_APP));
  writeFileSync(
    join(outputDir, 'Dockerfile'),
    renderOneshotDockerfile({
      baseImage: prepared.baseImage,
      workflowName: prepared.staged.config.workflow.flow.name,
      agentcrateVersion: VERSION,
      labels: prepared.labels,
      warm,
    }),
  );
  // Directories by name as well as their files: the engine client does not descend into them.
  const dirs = new Set<string>([CONTEXT_APP, CONTEXT_CACHE]);
  for (const file of app) {
    const parts = file.split('/');
    for (let i = 1; i < parts.length; i++) dirs.add(`${CONTEXT_APP}/${parts.slice(0, i).join('/')}`);
  }
  return ['Dockerfile', ...[...dirs].sort(), ...app.map((file) => `${CONTEXT_APP}/${file}`)];
}

async function tagAll(
  runtime: ContainerRuntime,
  prepared: PreparedImage,
  emit: (event: Omit<OneshotProgress, 'elapsedMs'>) => void,
): Promise<void> {
  const [first, ...rest] = prepared.tags;
  for (const ref of rest) {
    const { repo, tag } = splitReference(ref);
    await runtime.tag(first as string, repo, tag);
    emit({ phase: 'tag', message: `tagged ${ref}` });
  }
}

/** Docker's architecture names against a platform's (`linux/amd64` on an x86_64 engine). */
function sameArch(platform: string, info: RuntimeInfo): boolean {
  const arch = platform.split('/')[1] ?? '';
  const engine = ({ x86_64: 'amd64', aarch64: 'arm64' } as Record<string, string>)[info.arch] ?? info.arch;
  return arch === engine;
}

function explainBuildFailure(error: unknown, baseImage: string): unknown {
  if (!isAgentcrateError(error) || error.code !== 'E_RUNTIME') return error;
  const step = error.details?.step;
  if (typeof step === 'number' && step <= 1) {
    return new AgentcrateError(
      'E_RUNTIME',
      `${error.message}\nthe engine cannot get the base image ${baseImage}: build the local one-shot base with\n  bash ${ONESHOT_BASE_SCRIPT}\n(and build without --base-image), or pass --base-image with an image the engine has (docker images)`,
      { cause: error, details: { ...error.details, baseImage } },
    );
  }
  return error;
}

/**
 * The build's `--provider/--model/--base-url` are baked into the image: refuse a URL with a
 * password in it, or anything shaped like a key (pass those at run time, with --env-file).
 */
function assertNothingSecretBaked(env: Record<string, string>): void {
  const redact = createRedactor({});
  for (const [name, value] of Object.entries(env)) {
    if (redact(value) !== value) {
      throw new AgentcrateError(
        'E_USAGE',
        `refusing to bake ${name} into the image: its value holds a secret (a password in a URL or a key); pass it at run time instead (agentcrate exec --env-file)`,
      );
    }
  }
}
