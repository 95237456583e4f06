/**
 * Bundles the gateway's container entry (`src/gateway/entry.ts`) into CommonJS for its image,
 * the packed package and the benchmark: `gateway.cjs`, the start (settings, the port, liveness
 * probes), and beside it `gateway-app.cjs`, the serving part (src/gateway/lean/part.ts: the
 * configuration reader its start runs in a child process, and what the first request loads).
 * An idle gateway never reads the second file's source.
 *
 * Not the server's ESM bundle with chunks (../bundle.ts): what an idle gateway holds is most
 * of what it costs, and an ES module entry makes Node load its ESM loader and, with it, its
 * fetch implementation; CommonJS does not. Two of the gateway's imports are mapped to lean
 * stand-ins (src/gateway/lean/): undici without the index that loads fetch, WebSocket, caches
 * and mocks, and node:http2 loaded only when used. What is loaded only on first use (the AI
 * SDK providers, PostgreSQL, the web layer behind @hono/node-server) stays in the file as
 * code that is not run until then. BENCHMARKS.md (gateway) has the memory it saves.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentcrateError } from '../../errors.js';
import { VERSION } from '../../version.js';
import { BUNDLE_EXTERNALS, type BundleResult, bundlingFailed, loadEsbuild } from '../bundle.js';

export const GATEWAY_ENTRY = fileURLToPath(new URL('../../../src/gateway/entry.ts', import.meta.url));
const GATEWAY_PART = fileURLToPath(new URL('../../../src/gateway/lean/part.ts', import.meta.url));
/** The serving part's file, beside the entry's. */
export const GATEWAY_PART_FILE = 'gateway-app.cjs';
/** How the start imports the serving part (left as a require of the part's file). */
const PART_IMPORT = /(^|\/)part\.js$/;
const PART_SOURCE = GATEWAY_PART.replace(/\.ts$/, '.js');
const PART_FILE = /^\.\/gateway-app\.cjs$/;
const LEAN_DIR = fileURLToPath(new URL('../../../src/gateway/lean/', import.meta.url));

/** Imports the bundle maps to a lean stand-in (exact specifiers; subpaths resolve as usual). */
export const GATEWAY_LEAN_MODULES: Readonly<Record<string, string>> = {
  undici: `${LEAN_DIR}undici.cjs`,
  'node:http2': `${LEAN_DIR}http2.cjs`,
};

/**
 * CommonJS has no `import.meta`: the file's URL, for the modules that read it, made when first
 * read (an idle gateway never does: making it costs resident memory, BENCHMARKS.md gateway).
 */
const BANNER =
  "const __acImportMeta = { get url() { return require('node:url').pathToFileURL(__filename).href; } };";

export interface GatewayBundleOptions {
  /** The bundle to write (`…/gateway.cjs`). */
  outFile: string;
  /** The entry to bundle (default: the gateway's). */
  entry?: string;
  /** Copy this prebuilt bundle (a packed package's) instead of bundling. */
  prebuilt?: string;
}

export async function bundleGateway(opts: GatewayBundleOptions): Promise<BundleResult> {
  const started = performance.now();
  mkdirSync(dirname(opts.outFile), { recursive: true });
  let source: string;
  if (opts.prebuilt !== undefined) {
    if (!existsSync(opts.prebuilt)) {
      throw new AgentcrateError(
        'E_INTERNAL',
        `this agentcrate package is incomplete: its gateway bundle ${opts.prebuilt} is missing; reinstall agentcrate`,
      );
    }
    copyFileSync(opts.prebuilt, opts.outFile);
    const part = join(dirname(opts.prebuilt), GATEWAY_PART_FILE);
    if (existsSync(part)) copyFileSync(part, join(dirname(opts.outFile), GATEWAY_PART_FILE));
    source = opts.prebuilt;
  } else {
    source = opts.entry ?? GATEWAY_ENTRY;
    await esbuildGateway(source, opts.outFile);
    // Another entry (the benchmark's floor proxy) has no serving part.
    if (source === GATEWAY_ENTRY)
      await esbuildGateway(GATEWAY_PART, join(dirname(opts.outFile), GATEWAY_PART_FILE));
  }
  const files = [opts.outFile];
  const part = join(dirname(opts.outFile), GATEWAY_PART_FILE);
  if (readFileSync(opts.outFile, 'utf8').includes(`require("./${GATEWAY_PART_FILE}")`)) files.push(part);
  const hash = createHash('sha256');
  let bytes = 0;
  for (const file of files) {
    const content = readFileSync(file);
    bytes += content.length;
    hash
      .update(file === opts.outFile ? '<entry>' : GATEWAY_PART_FILE)
      .update('\0')
      .update(content)
      .update('\0');
  }
  return {
    outFile: opts.outFile,
    source,
    prebuilt: opts.prebuilt !== undefined,
    files,
    bytes,
    sha256: hash.digest('hex'),
    elapsedMs: performance.now() - started,
  };
}

async function esbuildGateway(entry: string, outFile: string): Promise<void> {
  if (!existsSync(entry)) throw new AgentcrateError('E_IO', `gateway entry ${entry} does not exist`);
  const esbuild = await loadEsbuild('the gateway');
  const lean = Object.entries(GATEWAY_LEAN_MODULES);
  try {
    await esbuild.build({
      absWorkingDir: process.cwd(),
      entryPoints: [entry],
      outfile: outFile,
      bundle: true,
      platform: 'node',
      target: 'node22',
      format: 'cjs',
      banner: { js: BANNER },
      define: {
        __AGENTCRATE_VERSION__: JSON.stringify(VERSION),
        'import.meta.url': '__acImportMeta.url',
      },
      external: [...BUNDLE_EXTERNALS],
      plugins: [
        {
          name: 'agentcrate-gateway-lean',
          setup(build) {
            for (const [specifier, path] of lean) {
              const exact = new RegExp(`^${specifier.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}$`);
              build.onResolve({ filter: exact }, () => ({ path }));
            }
            // A require of the part's file, not an import(): that would load Node's ESM loader.
            build.onResolve({ filter: PART_IMPORT }, (args) =>
              join(args.resolveDir, args.path) === PART_SOURCE
                ? { path: 'part', namespace: 'gateway-part' }
                : undefined,
            );
            build.onLoad({ filter: /.*/, namespace: 'gateway-part' }, () => ({
              contents: `module.exports = require('./${GATEWAY_PART_FILE}');`,
              loader: 'js',
            }));
            build.onResolve({ filter: PART_FILE }, () => ({
              path: `./${GATEWAY_PART_FILE}`,
              external: true,
            }));
          },
        },
      ],
      // Whitespace and syntax only: identifiers stay readable in stack traces from containers.
      minifyWhitespace: true,
      minifySyntax: true,
      legalComments: 'eof',
      sourcemap: false,
      logLevel: 'silent',
    });
  } catch (cause) {
    throw bundlingFailed('the gateway', cause);
  }
}
