/**
 * Bundles the HTTP server into an ESM entry (`server.mjs`) plus a `chunks/` directory beside
 * it, on the host, so the image needs no npm install and builds offline in seconds.
 *
 * Code splitting keeps what a server may never need out of its start: the AI SDK and each
 * provider, the OpenTelemetry SDK and the OTLP exporters are chunks loaded by the dynamic
 * `import()` that first needs them, so Node compiles only the eager part (about a third of
 * the whole) at every start (BENCHMARKS.md has the figures).
 *
 * Where the server comes from, in order:
 * 1. `entry` when given (tests bundle a fixture server this way);
 * 2. the packed package: the bundle its `prepack` made (`lib/server/`, built by this same
 *    function from `src/server/entry.ts`), copied as is — an installed agentcrate has neither
 *    `src/` nor esbuild;
 * 3. a checkout: `<repo>/src/server/entry.ts`, bundled with esbuild (a dev dependency). The
 *    URL `../../src/server/entry.ts` resolves to it from both `src/deploy/` and `dist/deploy/`.
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
import { VERSION } from '../version.js';

/**
 * Defined by the package build (scripts/build-package.mjs): where the prebuilt server bundle
 * lies, relative to the bundled CLI's files. Undefined in a checkout.
 */
declare const __AGENTCRATE_SERVER_BUNDLE__: string | undefined;
/** Likewise for the model gateway's container entry (`deploy --with-gateway`). */
declare const __AGENTCRATE_GATEWAY_BUNDLE__: string | undefined;

/**
 * A prebuilt part of the packed package, from the path its build defined relative to the
 * bundled CLI's files (`from`: that file's `import.meta.url`); undefined in a checkout.
 */
export function prebuiltPath(defined: string | undefined, from: string): string | undefined {
  return typeof defined === 'string' ? fileURLToPath(new URL(defined, from)) : undefined;
}

export const PREBUILT_SERVER_BUNDLE = prebuiltPath(
  typeof __AGENTCRATE_SERVER_BUNDLE__ === 'string' ? __AGENTCRATE_SERVER_BUNDLE__ : undefined,
  import.meta.url,
);
export const PREBUILT_GATEWAY_BUNDLE = prebuiltPath(
  typeof __AGENTCRATE_GATEWAY_BUNDLE__ === 'string' ? __AGENTCRATE_GATEWAY_BUNDLE__ : undefined,
  import.meta.url,
);
export const DEFAULT_SERVER_ENTRY = fileURLToPath(new URL('../../src/server/entry.ts', import.meta.url));
/** Bundles made from source are cached here (a checkout's node_modules), never in the output. */
const CACHE_DIR = fileURLToPath(new URL('../../node_modules/.cache/agentcrate/', import.meta.url));

/** Where the chunks go, relative to the entry file's directory. */
export const CHUNKS_DIR = 'chunks';

/**
 * Bundled dependencies contain CommonJS that calls `require` and reads `__dirname`/`__filename`
 * (ssh2's emscripten code, through dockerode); an ESM bundle has none, so they are made from
 * a file URL: the file's own (`import.meta.url`), or an expression naming one (the one-shot
 * runner's, whose modules may have `sea:` URLs).
 */
export function bundleBanner(urlExpression = 'import.meta.url'): string {
  return [
    "import { createRequire as __acRequire } from 'node:module';",
    "import { fileURLToPath as __acPath } from 'node:url';",
    `const require = __acRequire(${urlExpression});`,
    `const __filename = __acPath(${urlExpression});`,
    `const __dirname = __acPath(new URL('.', ${urlExpression}));`,
  ].join(' ');
}

export const BUNDLE_BANNER = bundleBanner();

/**
 * Not bundled: Node's builtins, and the native add-ons ssh2 (under dockerode, which docker-mode
 * code nodes and deploy load on first use) requires inside try/catch: absent, it uses its
 * JavaScript code.
 */
export const BUNDLE_EXTERNALS: readonly string[] = ['node:*', 'cpu-features', '*.node'];

export interface BundleOptions {
  /** The entry file (`.../server.mjs`); chunks go to `chunks/` in its directory. */
  outFile: string;
  entry?: string;
  /** Copy this prebuilt bundle (a packed package's) instead of bundling `entry`. */
  prebuilt?: string;
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
  let prebuilt = false;
  let source: string;
  const copyFrom = opts.prebuilt ?? (opts.entry === undefined ? PREBUILT_SERVER_BUNDLE : undefined);
  if (copyFrom !== undefined) {
    if (!existsSync(copyFrom)) {
      throw new AgentcrateError(
        'E_INTERNAL',
        `this agentcrate package is incomplete: its bundle ${copyFrom} is missing; reinstall agentcrate`,
      );
    }
    copyPrebuilt(copyFrom, opts.outFile);
    source = copyFrom;
    prebuilt = true;
  } else {
    source = opts.entry ?? DEFAULT_SERVER_ENTRY;
    await esbuildBundle(source, opts.outFile);
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

function copyPrebuilt(prebuilt: string, outFile: string): void {
  copyFileSync(prebuilt, outFile);
  const from = join(dirname(prebuilt), CHUNKS_DIR);
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
  const esbuild = await loadEsbuild('the server');
  const cacheFile = join(
    CACHE_DIR,
    `server-bundle-${createHash('sha256').update(resolve(outFile)).digest('hex').slice(0, 16)}.json`,
  );
  const key = { entry, esbuild: esbuild.version, options: BUNDLE_OPTIONS_VERSION, version: VERSION };
  if (cacheIsFresh(cacheFile, outFile, key)) return;
  const ext = extname(outFile);
  if (ext === '') {
    throw new AgentcrateError('E_INTERNAL', `the server bundle ${outFile} needs a file extension (.mjs)`);
  }
  try {
    const result = await esbuild.build({
      ...splitEsmOptions({
        absWorkingDir: process.cwd(),
        entryPoints: { [basename(outFile, ext)]: entry },
        outdir: dirname(outFile),
        outExtension: ext,
        banner: BUNDLE_BANNER,
      }),
      // Whitespace and syntax only: identifiers stay readable in stack traces from containers.
      minifyWhitespace: true,
      minifySyntax: true,
      sourcemap: false,
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
    throw bundlingFailed('the server', cause);
  }
}

/** esbuild, a dev dependency: absent from an install, whose package ships what it would make. */
export async function loadEsbuild(what: string): Promise<typeof import('esbuild')> {
  try {
    return await import('esbuild');
  } catch (cause) {
    throw new AgentcrateError(
      'E_INTERNAL',
      `esbuild is not installed, so ${what} cannot be bundled from source; install the dev dependencies (\`npm ci\`) or use the packed package (\`npm pack\`), which ships it prebuilt`,
      { cause },
    );
  }
}

/**
 * What every bundle agentcrate makes for Node shares: ESM with code splitting (an entry and
 * `chunks/`, loaded when first needed), Node's builtins and the optional native add-ons left
 * out, the version defined, esbuild's own logging off (failures go through {@link bundlingFailed}).
 */
export function splitEsmOptions(o: {
  absWorkingDir: string;
  entryPoints: Record<string, string>;
  outdir: string;
  /** The output files' extension (`.mjs`). */
  outExtension: string;
  /** On every output file: a chunk may hold CommonJS too. */
  banner: string;
}) {
  return {
    metafile: true,
    absWorkingDir: o.absWorkingDir,
    entryPoints: o.entryPoints,
    outdir: o.outdir,
    entryNames: '[name]',
    chunkNames: `${CHUNKS_DIR}/[name]-[hash]`,
    outExtension: { '.js': o.outExtension },
    splitting: true,
    bundle: true,
    platform: 'node',
    target: 'node22',
    format: 'esm',
    banner: { js: o.banner },
    // Builtins (`node:*` and bare `fs`…) stay external on platform node; everything else is inlined.
    external: [...BUNDLE_EXTERNALS],
    legalComments: 'eof',
    define: { __AGENTCRATE_VERSION__: JSON.stringify(VERSION) },
    logLevel: 'silent',
  } as const satisfies import('esbuild').BuildOptions;
}

/** An esbuild failure as an error naming the first problem and where it is. */
export function bundlingFailed(what: string, cause: unknown): AgentcrateError {
  const errors = (
    cause as { errors?: Array<{ text: string; location?: { file: string; line: number } | null }> }
  ).errors;
  const first = errors?.[0];
  const where = first?.location ? ` (${first.location.file}:${first.location.line})` : '';
  return new AgentcrateError(
    'E_INTERNAL',
    `bundling ${what} failed: ${first?.text ?? String(cause)}${where}`,
    {
      cause,
      details: { errors: errors?.map((e) => e.text) ?? [] },
    },
  );
}

/**
 * Redeploys after a YAML edit should not pay for re-bundling an unchanged server (seconds,
 * most of a rebuild). The cache records every input esbuild read with its size and mtime, and
 * the output's digest; any change, a different esbuild or different options rebuild. It lives
 * in the checkout's node_modules/.cache, keyed by the output path, so the deploy folder holds
 * only what the image needs.
 */
const BUNDLE_OPTIONS_VERSION = 4;

interface BundleCache {
  key: { entry: string; esbuild: string; options: number; version: string };
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
    mkdirSync(dirname(cacheFile), { recursive: true });
    writeFileSync(cacheFile, JSON.stringify(cache));
  } catch {
    // A cache that cannot be written only costs the next deploy a bundle.
  }
}
