/**
 * `agentcrate deploy <file> --with-gateway`: the workflow and a model gateway as one compose
 * stack. Check everything first (gateway config, compose, names, env file, credentials) →
 * bundle both servers → write the artifacts (stop here with `generateOnly`) → secret guard on
 * both build contexts → one `compose up -d --build` → wait until both are healthy.
 */
import { join, resolve } from 'node:path';
import { AgentcrateError } from '../../errors.js';
import { writeArtifactFiles } from '../artifacts.js';
import { bundleServer, PREBUILT_GATEWAY_BUNDLE } from '../bundle.js';
import { type DeployEvent, type DeployOptions, loadEnv } from '../deploy.js';
import { type EnvEntry, envFileToRecord } from '../env-file.js';
import { DockerRuntime } from '../runtime/docker.js';
import type { ContainerRuntime } from '../runtime/types.js';
import { assertNoSecretsInContext } from '../secret-guard.js';
import { curlExample, type ServiceUrls, serviceUrls } from '../urls.js';
import { renderStackArtifacts } from './artifacts.js';
import { bundleGateway, GATEWAY_ENTRY } from './bundle.js';
import { type ComposeCli, detectCompose, runCompose } from './compose-cli.js';
import { stackGatewayConfig } from './config.js';
import { GATEWAY_BUNDLE } from './image.js';
import { GATEWAY_IMAGE_DIR, GATEWAY_OPTIONAL_VARS } from './types.js';

/** The gateway's container entry, from `src/deploy/gateway/` and `dist/deploy/gateway/` alike. */
export { GATEWAY_ENTRY };

export interface StackDeployOptions extends DeployOptions {
  /** `--gateway-config`; default: generated from the workflow's providers. */
  gatewayConfig?: string;
  /** `--gateway-port`: host port of the gateway (default 8585). */
  gatewayHostPort?: number;
  /** Bundle this gateway entry instead of agentcrate's (tests). */
  gatewayEntry?: string;
}

export interface StackResult {
  kind: 'stack';
  outputDir: string;
  files: string[];
  project: string;
  /** The compose command line used, e.g. `docker-compose 1.29.2`. */
  compose?: string;
  workflow: { container: string; image: string; volume: string; urls: ServiceUrls };
  gateway: { container: string; image: string; volume: string; url: string; config: string };
  curlExample: string;
  management: string[];
  warnings: string[];
  elapsedMs: number;
}

export async function deployWithGateway(opts: StackDeployOptions): Promise<StackResult> {
  const started = performance.now();
  const emit = (event: Omit<DeployEvent, 'elapsedMs'>) =>
    opts.onProgress?.({ ...event, elapsedMs: Math.round(performance.now() - started) });
  const outputDir = resolve(opts.output);
  if (opts.push !== undefined || (opts.platforms?.length ?? 0) > 0 || opts.network !== undefined) {
    throw new AgentcrateError(
      'E_USAGE',
      '--push, --platform and --network do not apply to --with-gateway (compose builds both images and makes their network): deploy without them',
    );
  }
  const gateway = stackGatewayConfig(opts.workflow, opts.gatewayConfig);
  for (const w of gateway.warnings) emit({ phase: 'detect', message: `gateway config: ${w}`, warning: true });

  let compose: ComposeCli | undefined;
  let runtime: ContainerRuntime | undefined;
  let envEntries: EnvEntry[] = [];
  const render = (bundles: { server?: string; gateway?: string }) =>
    renderStackArtifacts({
      workflow: opts.workflow,
      outDir: outputDir,
      port: opts.port,
      ...(opts.baseImage !== undefined ? { baseImage: opts.baseImage } : {}),
      ...(opts.name !== undefined ? { name: opts.name } : {}),
      traces: opts.traces,
      envVars: opts.envVars,
      timeoutSeconds: opts.timeoutSeconds,
      exampleInput: opts.exampleInput,
      inputSchema: opts.inputSchema,
      outputSchema: opts.outputSchema,
      ...(bundles.server !== undefined ? { bundleSha256: bundles.server } : {}),
      gateway,
      ...(opts.gatewayHostPort !== undefined ? { gatewayHostPort: opts.gatewayHostPort } : {}),
    });
  const names = render({}).context;

  if (!opts.generateOnly) {
    emit({ phase: 'detect', message: 'looking for compose and a container engine' });
    compose = await detectCompose();
    runtime = opts.runtime ?? new DockerRuntime();
    const info = await runtime.detect();
    emit({ phase: 'detect', message: `${compose.command} ${compose.version}; ${info.kind} ${info.version}` });
    for (const container of [names.gatewayContainer, names.workflow.names.container]) {
      if ((await runtime.inspect(container)) !== undefined) {
        throw new AgentcrateError(
          'E_CONFLICT',
          `a container named ${container} already exists; use --name, or remove the old stack (make clean in its directory)`,
          { details: { name: container } },
        );
      }
    }
    envEntries = loadEnv(opts, emit);
    opts.verifyEnv?.(envFileToRecord(envEntries));
    const missing = gateway.upstreams.filter((u) => !u.hasCredentials && !hasAny(u.keyVariables, envEntries));
    for (const u of missing) {
      emit({
        phase: 'detect',
        message: `gateway upstream '${u.name}' has no key in the env file (${u.keyVariables.join(' or ')}): the gateway skips it until it has one`,
        warning: true,
      });
    }
  }

  emit({ phase: 'bundle', message: 'bundling the workflow server and the gateway' });
  const server = await bundleServer({
    outFile: join(outputDir, 'server.mjs'),
    ...(opts.serverEntry !== undefined ? { entry: opts.serverEntry } : {}),
  });
  // A packed package ships the gateway prebuilt (lib/gateway/); a checkout bundles its source.
  const gatewayBundle = await bundleGateway({
    outFile: join(outputDir, GATEWAY_IMAGE_DIR, GATEWAY_BUNDLE),
    ...(opts.gatewayEntry === undefined && PREBUILT_GATEWAY_BUNDLE !== undefined
      ? { prebuilt: PREBUILT_GATEWAY_BUNDLE }
      : { entry: opts.gatewayEntry ?? GATEWAY_ENTRY }),
  });
  const rendered = render({ server: server.sha256 });
  const written = writeArtifactFiles(outputDir, rendered.files);
  const files = [...written, ...server.files, ...gatewayBundle.files];
  emit({ phase: 'generate', message: `wrote ${files.length} files to ${outputDir}` });

  const s = rendered.context;
  const urls = serviceUrls('127.0.0.1', opts.port);
  const result: StackResult = {
    kind: 'stack',
    outputDir,
    files,
    project: s.project,
    workflow: {
      container: s.workflow.names.container,
      image: s.workflow.names.image,
      volume: s.workflow.names.volume,
      urls,
    },
    gateway: {
      container: s.gatewayContainer,
      image: s.gatewayImage,
      volume: s.gatewayVolume,
      url: `http://127.0.0.1:${s.gatewayHostPort}`,
      config: gateway.source,
    },
    curlExample: curlExample(urls.api, opts.exampleInput),
    management: [`cd ${outputDir}`, 'make test', 'make health', 'make logs', 'make stop', 'make clean'],
    warnings: gateway.warnings,
    elapsedMs: 0,
  };
  if (opts.generateOnly || compose === undefined || runtime === undefined) {
    return { ...result, elapsedMs: Math.round(performance.now() - started) };
  }

  emit({ phase: 'guard', message: 'checking both build contexts for secrets' });
  const secretEntries = guardedEntries(envEntries, opts);
  assertNoSecretsInContext(outputDir, secretEntries);
  assertNoSecretsInContext(join(outputDir, GATEWAY_IMAGE_DIR), secretEntries);

  emit({
    phase: 'build',
    message: `${compose.command} ${compose.prefix.join(' ')} up -d --build`.replace(/ {2}/, ' '),
  });
  await runCompose(compose, ['-p', s.project, 'up', '-d', '--build'], {
    cwd: outputDir,
    // The env file's values reach compose only: each service picks the names it lists.
    env: { ...process.env, ...envFileToRecord(envEntries) },
    onLine: (line) =>
      emit({ phase: /^(Creating|Starting|Recreating)\b/.test(line) ? 'run' : 'build', message: line }),
  });

  emit({ phase: 'health', message: `waiting for ${s.gatewayContainer} and ${s.workflow.names.container}` });
  for (const [container, probeUrl] of [
    [s.gatewayContainer, `${result.gateway.url}/health`],
    [s.workflow.names.container, urls.health],
  ] as const) {
    const health = await runtime.waitHealthy(container, {
      timeoutMs: opts.healthTimeoutMs ?? 90_000,
      probeUrl,
    });
    if (health.status !== 'healthy') {
      // A crash-looping stack helps nobody: take the containers down, keep images and volumes.
      await runCompose(compose, ['-p', s.project, 'down'], { cwd: outputDir, env: process.env }).catch(
        () => undefined,
      );
      throw new AgentcrateError(
        'E_RUNTIME',
        `${container} did not become healthy: ${health.reason ?? health.status}; the stack was taken down (images and volumes remain). Last log lines:\n${health.lastLogs.join('\n') || '(no output)'}`,
        { details: { container, status: health.status, lastLogs: health.lastLogs } },
      );
    }
  }
  emit({
    phase: 'done',
    message: `${s.workflow.names.container} is healthy at ${urls.api}, its gateway at ${result.gateway.url}`,
  });
  return {
    ...result,
    compose: `${compose.command}${compose.prefix.length > 0 ? ` ${compose.prefix.join(' ')}` : ''} ${compose.version}`,
    elapsedMs: Math.round(performance.now() - started),
  };
}

function hasAny(names: string[], entries: EnvEntry[]): boolean {
  return (
    entries.some((e) => names.includes(e.name) && e.value !== '') ||
    names.some((n) => (process.env[n] ?? '') !== '')
  );
}

/** Every value of the env file is guarded but the settings known not to be secret. */
function guardedEntries(entries: EnvEntry[], opts: StackDeployOptions): EnvEntry[] {
  const publicNames = new Set([
    ...GATEWAY_OPTIONAL_VARS.map((v) => v.name),
    ...opts.envVars.filter((v) => !v.secret).map((v) => v.name),
  ]);
  return entries.filter((e) => !publicNames.has(e.name));
}
