/**
 * Bundles the HTTP server into one ESM file (`server.mjs`) on the host, so the image needs no
 * npm install and builds offline in seconds.
 *
 * Where the server comes from, in order:
 * 1. `entry` when given (tests bundle a fixture server this way);
 * 2. `<repo>/src/server/entry.ts`, bundled with esbuild — a development checkout (the URL
 *    `../../src/server/entry.ts` resolves to it from both `src/deploy/` and `dist/deploy/`);
 * 3. a prebuilt `<repo>/dist/server-bundle.mjs`, copied as is — an installed package, which
 *    ships `dist/` but neither `src/` nor esbuild (a devDependency). The release build
 *    produces it with the same options as here (`bundleServer({ outFile: 'dist/server-bundle.mjs' })`).
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentcrateError } from '../errors.js';

export const DEFAULT_SERVER_ENTRY = fileURLToPath(new URL('../../src/server/entry.ts', import.meta.url));
export const PREBUILT_SERVER_BUNDLE = fileURLToPath(new URL('../../dist/server-bundle.mjs', import.meta.url));

/**
 * Bundled dependencies contain CommonJS that calls `require`; an ESM bundle has none, so one is
 * made from the bundle's own URL.
 */
export const BUNDLE_BANNER =
  "import { createRequire } from 'node:module'; const require = createRequire(import.meta.url);";

export interface BundleOptions {
  outFile: string;
  entry?: string;
}

export interface BundleResult {
  outFile: string;
  /** What was bundled (a source entry) or copied (the prebuilt bundle). */
  source: string;
  prebuilt: boolean;
  bytes: number;
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
    copyFileSync(PREBUILT_SERVER_BUNDLE, opts.outFile);
    source = PREBUILT_SERVER_BUNDLE;
    prebuilt = true;
  } else {
    throw new AgentcrateError(
      'E_INTERNAL',
      `cannot find the agentcrate server to bundle: neither ${DEFAULT_SERVER_ENTRY} nor ${PREBUILT_SERVER_BUNDLE} exists; reinstall agentcrate (or run \`npm run build\` in a checkout)`,
    );
  }
  const bytes = readFileSync(opts.outFile);
  return {
    outFile: opts.outFile,
    source,
    prebuilt,
    bytes: bytes.length,
    sha256: createHash('sha256').update(bytes).digest('hex'),
    elapsedMs: performance.now() - started,
  };
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
      'esbuild is not installed, so the server cannot be bundled from source; install dev dependencies (`npm ci`) or use a release that ships dist/server-bundle.mjs',
      { cause },
    );
  }
  const cacheFile = join(dirname(outFile), `.${basename(outFile)}.inputs.json`);
  const key = { entry, esbuild: esbuild.version, options: BUNDLE_OPTIONS_VERSION };
  if (cacheIsFresh(cacheFile, outFile, key)) return;
  try {
    const result = await esbuild.build({
      metafile: true,
      absWorkingDir: process.cwd(),
      entryPoints: [entry],
      outfile: outFile,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'esm',
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
const BUNDLE_OPTIONS_VERSION = 1;

interface BundleCache {
  key: { entry: string; esbuild: string; options: number };
  outSha256: string;
  inputs: Array<[path: string, size: number, mtimeMs: number]>;
}

function cacheIsFresh(cacheFile: string, outFile: string, key: BundleCache['key']): boolean {
  try {
    const cache = JSON.parse(readFileSync(cacheFile, 'utf8')) as BundleCache;
    if (JSON.stringify(cache.key) !== JSON.stringify(key)) return false;
    if (createHash('sha256').update(readFileSync(outFile)).digest('hex') !== cache.outSha256) return false;
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
      outSha256: createHash('sha256').update(readFileSync(outFile)).digest('hex'),
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
