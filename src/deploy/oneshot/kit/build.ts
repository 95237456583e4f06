/**
 * Builds the runner kit (see `manifest.ts`), and finds the one to use:
 * - the packed package ships it prebuilt (`lib/oneshot/`, made by this same `buildKit` at
 *   `prepack`): an installed agentcrate has neither `src/` nor esbuild;
 * - a checkout builds it from `src/` with esbuild, once, into node_modules/.cache: a directory
 *   per content (never rewritten, so concurrent builds and readers are safe) and a pointer
 *   that records every input esbuild read, so an edit to any of them rebuilds it.
 */
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import {
  existsSync,
  mkdirSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { AgentcrateError } from '../../../errors.js';
import { VERSION } from '../../../version.js';
import { bundleBanner, bundlingFailed, loadEsbuild, prebuiltPath, splitEsmOptions } from '../../bundle.js';
import { inputKey, KIT_ENTRY, KIT_FORMAT, KIT_MANIFEST, type KitFile, type KitManifest } from './manifest.js';
import { kitPlugin } from './plugin.js';

/** Defined by the package build: the prebuilt kit, relative to the bundled CLI's files. */
declare const __AGENTCRATE_ONESHOT_KIT__: string | undefined;

export const PREBUILT_KIT = prebuiltPath(
  typeof __AGENTCRATE_ONESHOT_KIT__ === 'string' ? __AGENTCRATE_ONESHOT_KIT__ : undefined,
  import.meta.url,
);
export const SRC_DIR = fileURLToPath(new URL('../../../../src/', import.meta.url));
const RUNNER_ENTRY = join(SRC_DIR, 'deploy', 'oneshot', 'runner', 'entry.ts');
const CACHE_DIR = fileURLToPath(new URL('../../../../node_modules/.cache/agentcrate/', import.meta.url));
const POINTER = join(CACHE_DIR, 'oneshot-kit.json');
/** Bump when the bundle options or the manifest change. */
const KIT_OPTIONS_VERSION = 8;
/**
 * The kit's own builders shape it as much as its inputs do (esbuild lists only the files it
 * bundles): a change to any of them rebuilds the cached kit without a bump above.
 */
const KIT_BUILDERS = ['build', 'plugin', 'builtins', 'manifest'].flatMap((name) =>
  ['.js', '.ts']
    .map((ext) => fileURLToPath(new URL(`./${name}${ext}`, import.meta.url)))
    .filter((path) => existsSync(path)),
);

/**
 * The runner may be started as a single executable, whose modules have `sea:` URLs: `require`
 * (for bundled CommonJS) and `__filename`/`__dirname` are made from a file URL only when there
 * is one.
 */
const KIT_BANNER = bundleBanner(
  "(import.meta.url.startsWith('file:') ? import.meta.url : 'file:///agentcrate-oneshot/runner.mjs')",
);

export interface Kit {
  dir: string;
  manifest: KitManifest;
}

export function readKit(dir: string): Kit {
  const manifest = JSON.parse(readFileSync(join(dir, KIT_MANIFEST), 'utf8')) as KitManifest;
  if (manifest.format !== KIT_FORMAT) {
    throw new AgentcrateError(
      'E_INTERNAL',
      `the one-shot runner kit in ${dir} has another format: rebuild it`,
    );
  }
  return { dir, manifest };
}

/** The kit to build images from (see the module comment). */
export async function loadKit(onProgress?: (message: string) => void): Promise<Kit> {
  if (PREBUILT_KIT !== undefined) {
    if (!existsSync(join(PREBUILT_KIT, KIT_MANIFEST))) {
      throw new AgentcrateError(
        'E_INTERNAL',
        `this agentcrate package is incomplete: its one-shot runner kit ${PREBUILT_KIT} is missing; reinstall agentcrate`,
      );
    }
    return readKit(PREBUILT_KIT);
  }
  const fresh = freshCachedKit();
  if (fresh !== undefined) return fresh;
  onProgress?.('bundling the one-shot runner kit (once per change of agentcrate)');
  mkdirSync(CACHE_DIR, { recursive: true });
  const temp = join(CACHE_DIR, `oneshot-kit.tmp-${process.pid}-${Date.now().toString(36)}`);
  try {
    const { kit, inputs } = await buildKit(temp);
    const dir = join(CACHE_DIR, `oneshot-kit-${kit.manifest.sha256.slice(0, 16)}`);
    try {
      renameSync(temp, dir);
    } catch {
      // Another process made the same kit first: same content, use theirs.
      rmSync(temp, { recursive: true, force: true });
    }
    writePointer(dir, [...inputs, ...KIT_BUILDERS]);
    pruneOldKits(dir);
    return readKit(dir);
  } finally {
    rmSync(temp, { recursive: true, force: true });
  }
}

/**
 * The digest of the kit `loadKit` would return, when it needs no bundling (prebuilt, or a
 * checkout's cached kit whose inputs are unchanged); `undefined` otherwise. For `exec`'s
 * source key: one file read (and a checkout's input stats), no esbuild.
 */
export function currentKitDigest(): string | undefined {
  try {
    if (PREBUILT_KIT !== undefined) return readKit(PREBUILT_KIT).manifest.sha256;
  } catch {
    return undefined; // loadKit says what is wrong
  }
  return freshCachedKit()?.manifest.sha256;
}

/** Bundles the runner into `outDir` (emptied first) and writes its manifest. */
export async function buildKit(outDir: string): Promise<{ kit: Kit; inputs: string[] }> {
  const esbuild = await loadEsbuild('the one-shot runner');
  rmSync(outDir, { recursive: true, force: true });
  mkdirSync(outDir, { recursive: true });
  let result: import('esbuild').BuildResult<{ metafile: true }>;
  try {
    result = await esbuild.build({
      ...splitEsmOptions({
        absWorkingDir: dirname(SRC_DIR),
        entryPoints: { runner: RUNNER_ENTRY },
        outdir: outDir,
        outExtension: '.mjs',
        banner: KIT_BANNER,
      }),
      // Full minification: the image's size is a goal; errors still carry their messages.
      minify: true,
      plugins: [kitPlugin({ srcDir: SRC_DIR })],
    });
  } catch (cause) {
    throw bundlingFailed('the one-shot runner', cause);
  }
  const cwd = dirname(SRC_DIR);
  const files: Record<string, KitFile> = {};
  const rel = (p: string) => relative(outDir, resolve(cwd, p)).split('\\').join('/');
  for (const [out, meta] of Object.entries(result.metafile.outputs)) {
    const name = rel(out);
    const content = readFileSync(resolve(cwd, out));
    files[name] = {
      bytes: content.length,
      sha256: createHash('sha256').update(content).digest('hex'),
      ...(meta.entryPoint !== undefined ? { entryPoint: inputKey(meta.entryPoint) } : {}),
      imports: meta.imports
        .filter((i) => !i.external && i.kind === 'import-statement')
        .map((i) => rel(i.path)),
      dynamicImports: meta.imports
        .filter((i) => !i.external && i.kind === 'dynamic-import')
        .map((i) => rel(i.path)),
      inputs: Object.keys(meta.inputs).map(inputKey).sort(),
    };
  }
  const ordered = Object.fromEntries(
    Object.entries(files).sort(([a], [b]) =>
      a === KIT_ENTRY ? -1 : b === KIT_ENTRY ? 1 : a.localeCompare(b),
    ),
  );
  const manifest: KitManifest = {
    format: KIT_FORMAT,
    agentcrateVersion: VERSION,
    esbuildVersion: esbuild.version,
    files: ordered,
    tools: describeKitTools(outDir),
    sha256: digestOf(ordered),
  };
  writeFileSync(join(outDir, KIT_MANIFEST), `${JSON.stringify(manifest, null, 1)}\n`);
  return {
    kit: { dir: outDir, manifest },
    inputs: Object.keys(result.metafile.inputs)
      .filter((p) => !p.includes(':'))
      .map((p) => resolve(cwd, p)),
  };
}

/** Asks the freshly built runner which tools each of its tool modules defines. */
function describeKitTools(dir: string): KitManifest['tools'] {
  const run = spawnSync(process.execPath, [join(dir, KIT_ENTRY), '--describe-tools'], {
    encoding: 'utf8',
    env: { PATH: process.env.PATH ?? '' },
    timeout: 60_000,
  });
  if (run.status !== 0) {
    throw new AgentcrateError(
      'E_INTERNAL',
      `the bundled one-shot runner does not start (exit ${run.status}): ${(run.stderr || run.stdout).trim().slice(0, 2000)}`,
    );
  }
  return JSON.parse(run.stdout) as KitManifest['tools'];
}

function digestOf(files: Record<string, KitFile>): string {
  const hash = createHash('sha256');
  for (const [name, file] of Object.entries(files))
    hash.update(name).update('\0').update(file.sha256).update('\0');
  return hash.digest('hex');
}

interface KitPointer {
  /** A reinstall of esbuild or any bundled package changes their files' mtimes, so no version of theirs. */
  key: { options: number; version: string };
  dir: string;
  inputs: Array<[path: string, size: number, mtimeMs: number]>;
}

const POINTER_KEY: KitPointer['key'] = { options: KIT_OPTIONS_VERSION, version: VERSION };

function freshCachedKit(): Kit | undefined {
  try {
    const pointer = JSON.parse(readFileSync(POINTER, 'utf8')) as KitPointer;
    if (JSON.stringify(pointer.key) !== JSON.stringify(POINTER_KEY)) return undefined;
    const unchanged = pointer.inputs.every(([path, size, mtimeMs]) => {
      const st = statSync(path);
      return st.size === size && st.mtimeMs === mtimeMs;
    });
    return unchanged ? readKit(pointer.dir) : undefined;
  } catch {
    return undefined; // none yet, unreadable, or an input vanished: build again
  }
}

function writePointer(dir: string, inputs: string[]): void {
  const pointer: KitPointer = {
    key: POINTER_KEY,
    dir,
    inputs: inputs.map((path) => {
      const st = statSync(path);
      return [path, st.size, st.mtimeMs];
    }),
  };
  const temp = `${POINTER}.${process.pid}.tmp`;
  writeFileSync(temp, JSON.stringify(pointer));
  renameSync(temp, POINTER);
}

/** Kits other than the current one, an hour old or more (a reader may still hold a newer one). */
function pruneOldKits(current: string): void {
  const hourAgo = Date.now() - 3_600_000;
  for (const name of readdirSync(CACHE_DIR)) {
    const path = join(CACHE_DIR, name);
    if (!name.startsWith('oneshot-kit') || path === current || name.endsWith('.json')) continue;
    try {
      if (statSync(path).mtimeMs < hourAgo) rmSync(path, { recursive: true, force: true });
    } catch {
      // Gone already.
    }
  }
}
