/**
 * `agentcrate deploy`, as a function: detect the engine → bundle + generate the artifacts →
 * (stop here with `generateOnly`) → secret guard → build → run → wait until healthy. Progress
 * goes to the injected `onProgress` as data; nothing here prints or exits.
 *
 * Failures before anything is written (no engine, name taken, unreadable env file, missing
 * required variables) are checked first, so a failed deploy leaves nothing half-written.
 */
import { existsSync } from 'node:fs';
import { join, relative, resolve } from 'node:path';
import type { Workflow } from '../config/types.js';
import { AgentcrateError } from '../errors.js';
import { SECRET_ENV_LIST } from '../secrets/index.js';
import { generateArtifacts } from './artifacts.js';
import { explainBaseImageFailure } from './base-image.js';
import { bundleServer, CHUNKS_DIR } from './bundle.js';
import { type EnvEntry, envFileToRecord, readEnvFile } from './env-file.js';
import { deployNames } from './names.js';
import { buildxBuild, type PlatformPlan, planPlatforms } from './platform.js';
import { type PushTarget, parsePushTarget, pushTags, redact, registryCredentials } from './push.js';
import { copyPyodide, needsPyodide, PYODIDE_CONTEXT_DIR } from './pyodide-files.js';
import { DockerRuntime } from './runtime/docker.js';
import type { ContainerRuntime, RegistryAuth, RuntimeInfo } from './runtime/types.js';
import { assertNoSecretsInContext } from './secret-guard.js';
import { type ApiStyle, DEFAULT_BASE_IMAGE, type EnvVarSpec } from './types.js';
import { curlExample, managementCommands, type ServiceUrls, serviceUrls } from './urls.js';

export type DeployPhase =
  | 'detect'
  | 'bundle'
  | 'generate'
  | 'guard'
  | 'build'
  | 'push'
  | 'run'
  | 'health'
  | 'done';

export interface DeployEvent {
  phase: DeployPhase;
  message: string;
  /** Build step, when phase is `build`. */
  step?: number;
  total?: number;
  bytes?: number;
  /** Since the deploy started. */
  elapsedMs: number;
  /** Something the user should know that does not stop the deploy. */
  warning?: boolean;
}

export interface DeployOptions {
  workflow: Workflow;
  /** The workflow's path, for messages and to find a default `.env` beside it. */
  workflowFile?: string;
  /** `--output`: where the artifacts go (the build context). */
  output: string;
  port: number;
  name?: string;
  baseImage?: string;
  /** `--network`: `host` publishes nothing (the server listens on `port` on the host). */
  network?: string;
  /** Host address the port is published on (default 127.0.0.1). */
  bindAddress?: string;
  /** `--env-file`; default `.env` in the working directory when it exists. */
  envFile?: string;
  noEnvFile?: boolean;
  generateOnly?: boolean;
  timeoutSeconds: number;
  traces: boolean;
  /** The HTTP API's shapes in the container (`AGENTCRATE_API`); default agentcrate's. */
  api?: ApiStyle;
  envVars: EnvVarSpec[];
  exampleInput: Record<string, unknown>;
  inputSchema: unknown;
  outputSchema: unknown;
  /** Hardening is the default; `false` allows a writable root filesystem. */
  readOnly?: boolean;
  /** How long to wait for health (default 60 s). */
  healthTimeoutMs?: number;
  /** Bundle this server entry instead of agentcrate's (tests). */
  serverEntry?: string;
  onProgress?: (event: DeployEvent) => void;
  runtime?: ContainerRuntime;
  /** Working directory for the default env file (default `process.cwd()`). */
  cwd?: string;
  /**
   * Checks the container's environment (the env file) before anything is written; throws
   * to refuse. The CLI uses it to run the real credential check with the env file's values,
   * so overrides set there (another provider, a gateway) are honoured.
   */
  verifyEnv?: (env: Record<string, string>) => void;
  /** `--push REGISTRY/REPO`: after the build, tag `:<hash12>` and `:latest` and push both. */
  push?: string;
  /** `--platform`, split: one goes to the engine build, several need buildx and `push`. */
  platforms?: string[];
  /** Where registry credentials are looked up (default `process.env`). */
  registryEnv?: NodeJS.ProcessEnv;
  /** Overrides the `docker buildx version` check (tests). */
  buildxAvailable?: () => Promise<boolean>;
}

export interface GenerateOnlyResult {
  kind: 'generated';
  outputDir: string;
  files: string[];
  imageName: string;
  containerName: string;
  contentHash: string;
}

export interface DeployResult {
  kind: 'deployed';
  outputDir: string;
  files: string[];
  runtime: RuntimeInfo;
  imageId: string;
  imageName: string;
  containerId: string;
  containerName: string;
  volumeName: string;
  contentHash: string;
  urls: ServiceUrls;
  curlExample: string;
  management: string[];
  /** How health was established: the engine's HEALTHCHECK or a direct GET /health. */
  healthVia: 'healthcheck' | 'probe';
  /** References pushed with `--push`, e.g. `ghcr.io/acme/echo:0123456789ab`. */
  pushed?: string[];
  /** Platforms built with `--platform`. */
  platforms?: string[];
  elapsedMs: number;
}

export async function deploy(opts: DeployOptions): Promise<DeployResult | GenerateOnlyResult> {
  const started = performance.now();
  const emit = (event: Omit<DeployEvent, 'elapsedMs'>) =>
    opts.onProgress?.({ ...event, elapsedMs: Math.round(performance.now() - started) });
  const names = deployNames(opts.workflow.flow.name, opts.name);
  const outputDir = resolve(opts.output);

  let runtime: ContainerRuntime | undefined;
  let info: RuntimeInfo | undefined;
  let envEntries: EnvEntry[] = [];
  // Parsed even with --generate, so a typo fails before anything is written.
  const pushTarget: PushTarget | undefined = opts.push !== undefined ? parsePushTarget(opts.push) : undefined;
  let auth: RegistryAuth | undefined;
  let plan: PlatformPlan = { kind: 'native' };
  if (opts.generateOnly && (pushTarget !== undefined || (opts.platforms?.length ?? 0) > 0)) {
    emit({
      phase: 'detect',
      message: '--push and --platform apply to builds only: ignored with --generate',
      warning: true,
    });
  }
  if (!opts.generateOnly) {
    plan = await planPlatforms(opts.platforms, {
      push: pushTarget !== undefined,
      ...(opts.buildxAvailable !== undefined ? { buildxAvailable: opts.buildxAvailable } : {}),
    });
    if (pushTarget !== undefined) {
      auth = registryCredentials(pushTarget.registry, { env: opts.registryEnv ?? process.env });
    }
    emit({ phase: 'detect', message: 'looking for a container engine' });
    runtime = opts.runtime ?? new DockerRuntime();
    info = await runtime.detect();
    emit({ phase: 'detect', message: `${info.kind} ${info.version} at ${info.endpoint}` });
    if ((await runtime.inspect(names.container)) !== undefined) {
      throw new AgentcrateError(
        'E_CONFLICT',
        `a container named ${names.container} already exists; use --name or \`agentcrate rm ${names.container}\``,
        { details: { name: names.container } },
      );
    }
    envEntries = loadEnv(opts, emit);
    checkRequired(opts.envVars, envEntries);
    opts.verifyEnv?.(envFileToRecord(envEntries));
  }

  emit({ phase: 'bundle', message: 'bundling the server' });
  const bundle = await bundleServer({
    outFile: join(outputDir, 'server.mjs'),
    ...(opts.serverEntry !== undefined ? { entry: opts.serverEntry } : {}),
  });
  emit({
    phase: 'bundle',
    message: `server.mjs + ${bundle.files.length - 1} chunks (${bundle.bytes} bytes, ${Math.round(bundle.elapsedMs)} ms)`,
    bytes: bundle.bytes,
  });

  const generated = generateArtifacts({
    workflow: opts.workflow,
    outDir: outputDir,
    port: opts.port,
    ...(opts.baseImage !== undefined ? { baseImage: opts.baseImage } : {}),
    ...(opts.name !== undefined ? { name: opts.name } : {}),
    traces: opts.traces,
    ...(opts.api !== undefined ? { api: opts.api } : {}),
    envVars: opts.envVars,
    timeoutSeconds: opts.timeoutSeconds,
    exampleInput: opts.exampleInput,
    inputSchema: opts.inputSchema,
    outputSchema: opts.outputSchema,
    bundleSha256: bundle.sha256,
  });
  const pyodide = needsPyodide(opts.workflow) ? copyPyodide(outputDir) : [];
  const files = [...generated.files, ...bundle.files, ...pyodide];
  emit({ phase: 'generate', message: `wrote ${files.length} files to ${outputDir}` });

  if (opts.generateOnly || runtime === undefined || info === undefined) {
    return {
      kind: 'generated',
      outputDir,
      files,
      imageName: generated.imageName,
      containerName: generated.containerName,
      contentHash: generated.contentHash,
    };
  }

  emit({ phase: 'guard', message: 'checking the build context for secrets' });
  assertNoSecretsInContext(outputDir, guardedEntries(envEntries, opts.envVars));

  const tags = pushTags(generated.contentHash);
  const pushRefs = pushTarget !== undefined ? tags.map((t) => `${pushTarget.repository}:${t}`) : [];
  if (plan.kind === 'buildx') {
    // Several platforms: BuildKit builds and pushes them as one manifest list; the local
    // engine then builds its own platform below, so the container runs as usual.
    emit({ phase: 'build', message: `docker buildx build --platform ${plan.platforms.join(',')} --push` });
    await buildxBuild({
      contextDir: outputDir,
      platforms: plan.platforms,
      tags: pushRefs,
      push: true,
      onLine: (line) => emit({ phase: 'build', message: `buildx: ${line}` }),
    });
    emit({ phase: 'push', message: `pushed ${pushRefs.join(', ')} (${plan.platforms.join(', ')})` });
  }
  const { imageId } = await runtime
    .build({
      contextDir: outputDir,
      // Each chunk by name as well as the directory: the engine client applies .dockerignore to
      // a directory's children by their absolute paths, which the allow-list never matches.
      files: [
        'Dockerfile',
        'server.mjs',
        CHUNKS_DIR,
        ...bundle.files.slice(1).map((file) => relative(outputDir, file)),
        'workflow.yaml',
        'data',
        ...(pyodide.length > 0
          ? [PYODIDE_CONTEXT_DIR, ...pyodide.map((file) => relative(outputDir, file))]
          : []),
      ],
      tag: generated.imageName,
      ...(plan.kind === 'engine' ? { platform: plan.platform } : {}),
      onProgress: (p) =>
        emit({
          phase: 'build',
          message: p.message,
          step: p.step,
          ...(p.total !== undefined ? { total: p.total } : {}),
          ...(p.bytes !== undefined ? { bytes: p.bytes } : {}),
        }),
    })
    .catch((error: unknown) => {
      throw explainBaseImageFailure(error, opts.baseImage ?? DEFAULT_BASE_IMAGE);
    });

  if (pushTarget !== undefined && plan.kind !== 'buildx') {
    await pushImage(runtime, generated.imageName, pushTarget, tags, auth, emit);
  }

  emit({ phase: 'run', message: `starting ${names.container}` });
  const { id: containerId } = await runtime.run({
    name: names.container,
    image: generated.imageName,
    env: {
      ...envFileToRecord(envEntries),
      // The env file is the secrets channel: the server hides each of its values wherever a run
      // is kept or shown (secrets/redact.ts), whatever the variable's name.
      ...(envEntries.length > 0 ? { [SECRET_ENV_LIST]: envEntries.map((e) => e.name).join(',') } : {}),
    },
    port: opts.port,
    ...(opts.bindAddress !== undefined ? { bindAddress: opts.bindAddress } : {}),
    ...(opts.network !== undefined ? { network: opts.network } : {}),
    volume: names.volume,
    labels: { 'io.agentcrate.volume': names.volume },
    readOnly: opts.readOnly ?? true,
  });

  const probeHost =
    opts.network === 'host' || isAnyAddress(opts.bindAddress)
      ? '127.0.0.1'
      : (opts.bindAddress ?? '127.0.0.1');
  const urls = serviceUrls(probeHost, opts.port);
  emit({ phase: 'health', message: `waiting for ${names.container} to become healthy` });
  const health = await runtime.waitHealthy(names.container, {
    timeoutMs: opts.healthTimeoutMs ?? 60_000,
    probeUrl: urls.health,
  });
  if (health.status !== 'healthy') {
    // A crash-looping container helps nobody and would block the name: stop and remove it,
    // keeping its last words in the error. The volume (job store) stays.
    await runtime.rm(names.container, { force: true }).catch(() => undefined);
    throw new AgentcrateError(
      'E_RUNTIME',
      `${names.container} did not become healthy: ${health.reason ?? health.status}; the container was removed (the image ${generated.imageName} and volume ${names.volume} remain). Last log lines:\n${health.lastLogs.join('\n') || '(no output)'}`,
      {
        details: {
          container: names.container,
          status: health.status,
          reason: health.reason,
          lastLogs: health.lastLogs,
        },
      },
    );
  }
  emit({ phase: 'done', message: `${names.container} is healthy at ${urls.api}` });
  return {
    kind: 'deployed',
    outputDir,
    files,
    runtime: info,
    imageId,
    imageName: generated.imageName,
    containerId,
    containerName: names.container,
    volumeName: names.volume,
    contentHash: generated.contentHash,
    urls,
    curlExample: curlExample(urls.api, opts.exampleInput),
    management: managementCommands(names.container),
    healthVia: health.via ?? 'healthcheck',
    ...(pushRefs.length > 0 ? { pushed: pushRefs } : {}),
    ...(plan.kind === 'engine' ? { platforms: [plan.platform] } : {}),
    ...(plan.kind === 'buildx' ? { platforms: plan.platforms } : {}),
    elapsedMs: Math.round(performance.now() - started),
  };
}

async function pushImage(
  runtime: ContainerRuntime,
  localImage: string,
  target: PushTarget,
  tags: string[],
  auth: RegistryAuth | undefined,
  emit: (e: Omit<DeployEvent, 'elapsedMs'>) => void,
): Promise<void> {
  const who = auth?.username !== undefined ? ` as ${auth.username}` : ' anonymously';
  for (const tag of tags) {
    await runtime.tag(localImage, target.repository, tag);
  }
  for (const tag of tags) {
    const ref = `${target.repository}:${tag}`;
    emit({ phase: 'push', message: `pushing ${ref}${who}` });
    try {
      const { digest } = await runtime.push(target.repository, tag, {
        ...(auth !== undefined ? { auth } : {}),
        onProgress: (p) =>
          emit({ phase: 'push', message: redact(p.message, auth), ...(p.total ? { bytes: p.total } : {}) }),
      });
      emit({ phase: 'push', message: `pushed ${ref}${digest !== undefined ? ` (${digest})` : ''}` });
    } catch (cause) {
      const text = redact(cause instanceof Error ? cause.message : String(cause), auth);
      const denied = /unauthori[sz]ed|authentication required|denied|no basic auth credentials|401/i.test(
        text,
      );
      const hint = denied
        ? auth !== undefined
          ? `; the registry refused the credentials of ${auth.username ?? 'the configured user'} (AGENTCRATE_REGISTRY_USER/PASSWORD or the Docker config): check them, or \`docker login ${target.registry}\``
          : `; the registry wants credentials: \`docker login ${target.registry}\`, or set AGENTCRATE_REGISTRY_USER and AGENTCRATE_REGISTRY_PASSWORD`
        : '';
      // The image is built and tagged; only the push failed, so nothing is started.
      throw new AgentcrateError('E_RUNTIME', `${text}${hint}`, {
        details: { reference: ref, registry: target.registry },
      });
    }
  }
}

/** The env file's entries: `--env-file`, else `.env` in the working directory, else none (with a warning). */
export function loadEnv(opts: DeployOptions, emit: (e: Omit<DeployEvent, 'elapsedMs'>) => void): EnvEntry[] {
  if (opts.noEnvFile) return [];
  if (opts.envFile !== undefined) return readEnvFile(opts.envFile);
  const fallback = join(opts.cwd ?? process.cwd(), '.env');
  if (existsSync(fallback)) return readEnvFile(fallback);
  emit({
    phase: 'detect',
    message: 'no .env file found: the container gets no extra environment',
    warning: true,
  });
  return [];
}

function checkRequired(envVars: EnvVarSpec[], entries: EnvEntry[]): void {
  const present = new Set(entries.filter((e) => e.value !== '').map((e) => e.name));
  const missing = envVars.filter((v) => v.required && !present.has(v.name)).map((v) => v.name);
  if (missing.length > 0) {
    throw new AgentcrateError(
      'E_MISSING_CREDENTIALS',
      `the env file does not set ${missing.join(', ')}, which this workflow needs: add ${missing.length === 1 ? 'it' : 'them'} to the env file (see .env.example) or pass --env-file`,
      { details: { missing } },
    );
  }
}

/**
 * Settings the workflow declares as not secret (a provider name such as `openai-compatible`,
 * a model id) legitimately appear in the server bundle, so only the other values are guarded.
 * Variables nobody declared are treated as secrets: erring that way costs a rename, not a leak.
 */
const PUBLIC_SETTINGS = new Set([
  'PORT',
  'HOST',
  'NODE_ENV',
  'AGENTCRATE_LOG_LEVEL',
  'AGENTCRATE_DRY_RUN',
  'AGENTCRATE_TRACES',
]);

function guardedEntries(entries: EnvEntry[], envVars: EnvVarSpec[]): EnvEntry[] {
  const publicNames = new Set([...PUBLIC_SETTINGS, ...envVars.filter((v) => !v.secret).map((v) => v.name)]);
  return entries.filter((e) => !publicNames.has(e.name));
}

function isAnyAddress(address: string | undefined): boolean {
  return address === '0.0.0.0' || address === '::';
}
