/**
 * Generates every deployment artifact from a validated workflow. `renderArtifacts` is pure
 * (same options → same bytes: no timestamps, no randomness) so snapshots are stable and a
 * rebuild hits the layer cache; `generateArtifacts` writes them. The server bundle
 * (`server.mjs` and `chunks/`) is written separately by `bundleServer`.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { AgentcrateError } from '../errors.js';
import { VERSION } from '../version.js';
import { renderCompose, renderComposeProd } from './compose.js';
import { renderDockerfile } from './dockerfile.js';
import { renderDockerignore } from './dockerignore.js';
import { renderEnvExample } from './env-example.js';
import { imageLabels } from './labels.js';
import { renderMakefile } from './makefile.js';
import { deployNames } from './names.js';
import { needsPyodide } from './pyodide-files.js';
import { renderReadme } from './readme.js';
import { type ArtifactContext, type ArtifactOptions, DEFAULT_BASE_IMAGE } from './types.js';

export interface RenderedArtifacts {
  /** Relative path (posix) → content, in a stable order. */
  files: Array<{ path: string; content: string }>;
  imageName: string;
  containerName: string;
  volumeName: string;
  contentHash: string;
}

export interface GeneratedArtifacts {
  /** Absolute paths of the files written. */
  files: string[];
  imageName: string;
  containerName: string;
  volumeName: string;
  contentHash: string;
}

/** sha256 over the exact workflow source and the bundle's digest: what the image runs. */
export function contentHash(workflowSource: string, bundleSha256 = ''): string {
  return createHash('sha256').update(workflowSource).update('\0').update(bundleSha256).digest('hex');
}

export function artifactContext(opts: ArtifactOptions): ArtifactContext {
  if (!Number.isInteger(opts.port) || opts.port < 1 || opts.port > 65535) {
    throw new AgentcrateError('E_USAGE', `invalid --port ${opts.port}: use an integer from 1 to 65535`);
  }
  if (!(opts.timeoutSeconds > 0)) {
    throw new AgentcrateError(
      'E_USAGE',
      `invalid --timeout ${opts.timeoutSeconds}: use a positive number of seconds`,
    );
  }
  const names = deployNames(opts.workflow.flow.name, opts.name);
  const hash = contentHash(opts.workflow.source, opts.bundleSha256);
  return {
    workflow: opts.workflow,
    port: opts.port,
    baseImage: opts.baseImage ?? DEFAULT_BASE_IMAGE,
    names,
    traces: opts.traces,
    api: opts.api ?? 'agentcrate',
    envVars: opts.envVars,
    timeoutSeconds: opts.timeoutSeconds,
    exampleInput: opts.exampleInput,
    contentHash: hash,
    labels: imageLabels({
      workflow: opts.workflow,
      contentHash: hash,
      inputSchema: opts.inputSchema,
      outputSchema: opts.outputSchema,
      port: opts.port,
    }),
    agentcrateVersion: opts.agentcrateVersion ?? VERSION,
  };
}

export function renderArtifacts(opts: ArtifactOptions): RenderedArtifacts {
  const ctx = artifactContext(opts);
  const source = opts.workflow.source.endsWith('\n') ? opts.workflow.source : `${opts.workflow.source}\n`;
  return {
    files: [
      { path: 'Dockerfile', content: renderDockerfile(ctx) },
      { path: '.dockerignore', content: renderDockerignore(needsPyodide(ctx.workflow)) },
      { path: 'workflow.yaml', content: source },
      { path: 'docker-compose.yml', content: renderCompose(ctx) },
      { path: 'docker-compose.prod.yml', content: renderComposeProd(ctx) },
      { path: '.env.example', content: renderEnvExample(ctx) },
      { path: 'README.md', content: renderReadme(ctx) },
      { path: 'Makefile', content: renderMakefile(ctx) },
      // Copied to /data with uid 1000 ownership; a file keeps the directory alive in git.
      { path: 'data/.gitkeep', content: '' },
    ],
    imageName: ctx.names.image,
    containerName: ctx.names.container,
    volumeName: ctx.names.volume,
    contentHash: ctx.contentHash,
  };
}

export function generateArtifacts(opts: ArtifactOptions): GeneratedArtifacts {
  const rendered = renderArtifacts(opts);
  return {
    files: writeArtifactFiles(opts.outDir, rendered.files),
    imageName: rendered.imageName,
    containerName: rendered.containerName,
    volumeName: rendered.volumeName,
    contentHash: rendered.contentHash,
  };
}

/** Writes rendered files under `outDir`; returns their absolute paths. */
export function writeArtifactFiles(outDir: string, files: RenderedArtifacts['files']): string[] {
  const written: string[] = [];
  try {
    const dirs = new Set(files.map((f) => dirname(join(outDir, f.path))));
    for (const dir of dirs) mkdirSync(dir, { recursive: true });
    for (const file of files) {
      const path = join(outDir, file.path);
      // Unchanged files keep their mtime (and the engine's context cache stays warm); writes
      // are also the slow part of generation on a busy disk.
      if (!sameContent(path, file.content)) writeFileSync(path, file.content);
      written.push(path);
    }
  } catch (cause) {
    throw new AgentcrateError(
      'E_IO',
      `cannot write the deployment files to ${outDir}: ${(cause as NodeJS.ErrnoException).code ?? String(cause)}; choose another --output`,
      { cause },
    );
  }
  return written;
}

function sameContent(path: string, content: string): boolean {
  try {
    return readFileSync(path, 'utf8') === content;
  } catch {
    return false;
  }
}
