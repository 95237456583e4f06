/**
 * Bundles the HTTP server into an ESM entry (`server.mjs`) plus a `chunks/` directory beside
 * it, on the host, so the image needs no npm install and builds offline in seconds.
 *
 * Code splitting keeps what a server may never need out of its start: the AI SDK and each
 * provider, the OpenTelemetry SDK and the OTLP exporters are chunks loaded by the dynamic
 * `import()` that first needs them. The eager part is about a third of the whole (1.1 of
 * 3.4 MB), which Node compiles at every start: ~40 ms sooner to ready and ~9 MB less
 * resident at idle on the benchmark machine (BENCHMARKS.md).
 *
 * Where the server comes from, in order:
 * 1. `entry` when given (tests bundle a fixture server this way);
 * 2. `<repo>/src/server/entry.ts`, bundled with esbuild — a development checkout (the URL
 *    `../../src/server/entry.ts` resolves to it from both `src/deploy/` and `dist/deploy/`);
 * 3. a prebuilt `<repo>/dist/server-bundle/` (entry and chunks), copied as is — an installed
 *    package, which ships `dist/` but neither `src/` nor esbuild (a devDependency). The release
 *    build produces it with the same options (`bundleServer({ outFile: 'dist/server-bundle/server.mjs' })`).
 */
import { createHash } from 'node:crypto';
import {
  copyFileSync,
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { basename, dirname, extname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentcrateError } from '../errors.js';

export const DEFAULT_SERVER_ENTRY = fileURLToPath(new URL('../../src/server/entry.ts', import.meta.url));
export const PREBUILT_SERVER_BUNDLE = fileURLToPath(
  new URL('../../dist/server-bundle/server.mjs', import.meta.url),
);

/** Where the chunks go, relative to the entry file's directory. */
export const CHUNKS_DIR = 'chunks';

/**
 * Bundled dependencies contain CommonJS that calls `require`; an ESM bundle has none, so one is
 * made from the bundle's own URL.
 */
export const BUNDLE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export interface BundleOptions {
  /** The entry file (`.../server.mjs`); chunks go to `chunks/` in its directory. */
  outFile: string;
  entry?: string;
}

export interface BundleResult {
  outFile: string;
  /** What was bundled (a source entry) or copied (the prebuilt bundle). */
  source: string;
  prebuilt: boolean;
  /** Every file of the bundle, the entry first then its chunks, as absolute paths. */
  files: string[];
  /** All files together. */
  bytes: number;
  /** Over every file's path (relative to the entry's directory) and content, in order. */
  sha256: string;
  elapsedMs: number;
}

export async function bundleServer(opts: BundleOptions): Promise<BundleResult> {
  const started = performance.now();
  mkdirSync(dirname(opts.outFile), { recursive: true });
  const entry = opts.entry ?? (existsSync(DEFAULT_SERVER_ENTRY) ? DEFAULT_SERVER_ENTRY : undefined);
  let prebuilt = false;
  let source: string;
  if (entry !== undefined) {
    await esbuildBundle(entry, opts.outFile);
    source = entry;
  } else if (existsSync(PREBUILT_SERVER_BUNDLE)) {
    copyPrebuilt(opts.outFile);
    source = PREBUILT_SERVER_BUNDLE;
    prebuilt = true;
  } else {
    throw new AgentcrateError(
      'E_INTERNAL',
      `cannot find the agentcrate server to bundle: neither ${DEFAULT_SERVER_ENTRY} nor ${PREBUILT_SERVER_BUNDLE} exists; reinstall agentcrate (or run \`npm run build\` in a checkout)`,
    );
  }
  // Always there, even for an entry with nothing to split: the Dockerfile copies it.
  mkdirSync(join(dirname(opts.outFile), CHUNKS_DIR), { recursive: true });
  const files = bundleFiles(opts.outFile);
  const digest = digestFiles(opts.outFile, files);
  return {
    outFile: opts.outFile,
    source,
    prebuilt,
    files,
    bytes: digest.bytes,
    sha256: digest.sha256,
    elapsedMs: performance.now() - started,
  };
}

/** The entry, then the chunks it may load (sorted, so digests are stable). */
function bundleFiles(outFile: string): string[] {
  const chunkDir = join(dirname(outFile), CHUNKS_DIR);
  const chunks = existsSync(chunkDir)
    ? readdirSync(chunkDir)
        .filter((name) => name.endsWith(extname(outFile)))
        .sort()
        .map((name) => join(chunkDir, name))
    : [];
  return [outFile, ...chunks];
}

function digestFiles(outFile: string, files: readonly string[]): { bytes: number; sha256: string } {
  const hash = createHash('sha256');
  let bytes = 0;
  for (const file of files) {
    const content = readFileSync(file);
    bytes += content.length;
    // The entry's own name stays out: two copies of one bundle under other names are equal.
    hash.update(file === outFile ? '<entry>' : relative(dirname(outFile), file)).update('\0');
    hash.update(content).update('\0');
  }
  return { bytes, sha256: hash.digest('hex') };
}

function copyPrebuilt(outFile: string): void {
  copyFileSync(PREBUILT_SERVER_BUNDLE, outFile);
  const from = join(dirname(PREBUILT_SERVER_BUNDLE), CHUNKS_DIR);
  const to = join(dirname(outFile), CHUNKS_DIR);
  mkdirSync(to, { recursive: true });
  const names = existsSync(from) ? readdirSync(from) : [];
  for (const name of names) copyFileSync(join(from, name), join(to, name));
  pruneChunks(to, new Set(names));
}

/**
 * Chunk names carry a content hash, so a rebuild after an upgrade writes new names: drop the
 * ones this bundle does not use, or they would ride along into every later image.
 */
function pruneChunks(chunkDir: string, keep: ReadonlySet<string>): void {
  if (!existsSync(chunkDir)) return;
  for (const name of readdirSync(chunkDir)) {
    if (!keep.has(name)) rmSync(join(chunkDir, name), { force: true });
  }
}

async function esbuildBundle(entry: string, outFile: string): Promise<void> {
  if (!existsSync(entry)) {
    throw new AgentcrateError('E_IO', `server entry ${entry} does not exist`);
  }
  let esbuild: typeof import('esbuild');
  try {
    esbuild = await import('esbuild');
  } catch (cause) {
    throw new AgentcrateError(
      'E_INTERNAL',
      'esbuild is not installed, so the server cannot be bundled from source; install dev dependencies (`npm ci`) or use a release that ships dist/server-bundle/',
      { cause },
    );
  }
  const cacheFile = join(dirname(outFile), `.${basename(outFile)}.inputs.json`);
  const key = { entry, esbuild: esbuild.version, options: BUNDLE_OPTIONS_VERSION };
  if (cacheIsFresh(cacheFile, outFile, key)) return;
  const ext = extname(outFile);
  if (ext === '') {
    throw new AgentcrateError('E_INTERNAL', `the server bundle ${outFile} needs a file extension (.mjs)`);
  }
  try {
    const result = await esbuild.build({
      metafile: true,
      absWorkingDir: process.cwd(),
      entryPoints: { [basename(outFile, ext)]: entry },
      outdir: dirname(outFile),
      entryNames: '[name]',
      chunkNames: `${CHUNKS_DIR}/[name]-[hash]`,
      outExtension: { '.js': ext },
      splitting: true,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
      // On every output file: a chunk may hold CommonJS too.
      banner: { js: BUNDLE_BANNER },
      // Builtins (`node:*` and bare `fs`…) stay external on platform node; everything else is inlined.
      external: ['node:*'],
      // Whitespace and syntax only: identifiers stay readable in stack traces from containers.
      minifyWhitespace: true,
      minifySyntax: true,
      legalComments: 'eof',
      sourcemap: false,
      logLevel: 'silent',
    });
    const written = Object.keys(result.metafile.outputs).map((f) => resolve(process.cwd(), f));
    pruneChunks(
      join(dirname(outFile), CHUNKS_DIR),
      new Set(written.filter((f) => f !== resolve(outFile)).map((f) => basename(f))),
    );
    writeCache(
      cacheFile,
      outFile,
      key,
      Object.keys(result.metafile.inputs).map((f) => resolve(process.cwd(), f)),
    );
  } catch (cause) {
    const errors = (
      cause as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }
    ).errors;
    const first = errors?.[0];
    const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
    throw new AgentcrateError(
      'E_INTERNAL',
      `bundling the server failed: ${first?.text ?? String(cause)}${where}`,
      { cause, details: { errors: errors?.map((e) => e.text) ?? [] } },
    );
  }
}

/**
 * Redeploys after a YAML edit should not pay for re-bundling an unchanged server (seconds,
 * most of a rebuild). The cache records every input esbuild read with its size and mtime, and
 * the output's digest; any change, a different esbuild or different options rebuild. It lives
 * beside the bundle as a dot file, which the allow-list .dockerignore keeps out of the image.
 */
const BUNDLE_OPTIONS_VERSION = 2;

interface BundleCache {
  key: { entry: string; esbuild: string; options: number };
  outSha256: string;
  inputs: Array<[path: string, size: number, mtimeMs: number]>;
}

function cacheIsFresh(cacheFile: string, outFile: string, key: BundleCache['key']): boolean {
  try {
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as BundleCache;
    if (JSON.stringify(cache.key) !== JSON.stringify(key)) return false;
    if (digestFiles(outFile, bundleFiles(outFile)).sha256 !== cache.outSha256) return false;
    return cache.inputs.every(([path, size, mtimeMs]) => {
      const st = statSync(path);
      return st.size === size && st.mtimeMs === mtimeMs;
    });
  } catch {
    return false; // no cache, unreadable, or an input vanished: bundle again
  }
}

function writeCache(cacheFile: string, outFile: string, key: BundleCache['key'], inputs: string[]): void {
  try {
    const cache: BundleCache = {
      key,
      outSha256: digestFiles(outFile, bundleFiles(outFile)).sha256,
      inputs: inputs.map((path) => {
        const st = statSync(path);
        return [path, st.size, st.mtimeMs];
      }),
    };
    writeFileSync(cacheFile, JSON.stringify(cache));
  } catch {
    // A cache that cannot be written only costs the next deploy a bundle.
  }
}
