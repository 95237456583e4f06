/**
 * The runner kit's manifest (`kit.json`) and the choice of its files for one workflow.
 *
 * The kit is the runner bundled once with code splitting: the runner's entry, and a chunk for
 * each part a workflow may or may not use (each provider package, the AI SDK, each built-in
 * tool module, the code sandbox and each of its modes), plus the shared chunks esbuild makes.
 * The manifest keeps, from esbuild's metafile, each file's static and dynamic imports and the
 * modules it holds. An image takes the entry, the parts its workflow uses, everything those
 * import statically, and every chunk they may import dynamically that is no such part: nothing
 * of a part it does not use can be in it, and the modules listed prove it.
 */
import { carriesFullAiSdk } from '../runner/ai-sdk.js';

export const KIT_FORMAT = 1;
export const KIT_ENTRY = 'runner.mjs';
export const KIT_MANIFEST = 'kit.json';

export interface KitFile {
  bytes: number;
  sha256: string;
  /** For entries and dynamically imported chunks: the module it starts from (see `inputKey`). */
  entryPoint?: string;
  /** Kit files this one imports statically (loaded with it). */
  imports: string[];
  /** Kit files this one may import dynamically. */
  dynamicImports: string[];
  /** The modules whose code is in this file (see `inputKey`). */
  inputs: string[];
}

export interface KitManifest {
  format: typeof KIT_FORMAT;
  agentcrateVersion: string;
  esbuildVersion: string;
  /** Paths relative to the kit directory (posix), the entry first. */
  files: Record<string, KitFile>;
  /** Built-in tool module id → the tools it defines. */
  tools: Record<string, Array<{ name: string; aliases: string[] }>>;
  /** sha256 over every file's path and digest: changes whenever the runner does. */
  sha256: string;
}

/** What a workflow uses, as the kit's parts. */
export interface KitParts {
  /** npm packages of the providers it uses. */
  providerPackages: string[];
  toolModules: string[];
  sandboxModes: Array<'python' | 'docker'>;
}

/**
 * A module, as the manifest names it: `src/…` for ours, `node_modules/<package>/…` for a
 * package's (from the last `node_modules`, so nested copies read the same), `shim:<name>` for
 * the kit plugin's replacements.
 */
export function inputKey(path: string): string {
  const posix = path.split('\\').join('/');
  const ns = /^agentcrate-oneshot:(.*)$/.exec(posix);
  if (ns) return `shim:${ns[1]}`;
  const nm = posix.lastIndexOf('node_modules/');
  if (nm >= 0) return posix.slice(nm);
  const src = posix.lastIndexOf('src/');
  return src >= 0 ? posix.slice(src) : posix;
}

/** The package a `node_modules/…` key belongs to (`@scope/name` or `name`). */
export function packageOf(key: string): string | undefined {
  const m = /^node_modules\/((?:@[^/]+\/)?[^/]+)\//.exec(key);
  return m?.[1];
}

/** The entry point keys of the optional parts, and whether this workflow wants each. */
function partDecision(parts: KitParts): (entryPoint: string) => boolean | undefined {
  const providers = new Set(parts.providerPackages);
  const tools = new Set(parts.toolModules);
  const modes = new Set(parts.sandboxModes);
  return (entryPoint) => {
    const pkg = packageOf(entryPoint);
    if (pkg !== undefined && PROVIDER_PACKAGE_NAMES.has(pkg)) return providers.has(pkg);
    // The whole AI SDK only with tools (runner/ai-sdk.ts); its errors' chunk always.
    if (pkg === 'ai') return carriesFullAiSdk(parts);
    const tool = /^src\/tools\/builtin\/([^/]+)\.ts$/.exec(entryPoint);
    if (tool) return tools.has(tool[1] as string);
    if (entryPoint === 'src/sandbox/index.ts') return modes.size > 0;
    if (entryPoint.startsWith('src/sandbox/pyodide/')) return modes.has('python');
    if (entryPoint.startsWith('src/sandbox/docker/')) return modes.has('docker');
    return undefined;
  };
}

/**
 * The package each provider of `models/providers.ts` imports on first use (a test holds the
 * two together): the parts a kit holds for providers.
 */
export const PROVIDER_PACKAGES: Readonly<Record<string, string>> = {
  google: '@ai-sdk/google',
  openai: '@ai-sdk/openai',
  anthropic: '@ai-sdk/anthropic',
  ollama: 'ollama-ai-provider-v2',
  bedrock: '@ai-sdk/amazon-bedrock',
  'openai-compatible': '@ai-sdk/openai-compatible',
  gateway: '@ai-sdk/openai-compatible',
};

const PROVIDER_PACKAGE_NAMES: ReadonlySet<string> = new Set(Object.values(PROVIDER_PACKAGES));

/** The kit files an image of a workflow with these parts needs, the entry first. */
export function selectKitFiles(manifest: KitManifest, parts: KitParts): string[] {
  const wants = partDecision(parts);
  const chosen = new Set<string>();
  const visit = (file: string) => {
    if (chosen.has(file)) return;
    const entry = manifest.files[file];
    if (entry === undefined) throw new Error(`the kit manifest names ${file} but does not list it`);
    chosen.add(file);
    for (const dep of entry.imports) visit(dep);
    for (const dep of entry.dynamicImports) {
      const target = manifest.files[dep];
      const decision = target?.entryPoint === undefined ? undefined : wants(target.entryPoint);
      if (decision !== false) visit(dep);
    }
  };
  visit(KIT_ENTRY);
  return [...chosen];
}

/** The modules in a set of kit files (what the bundle-content test reads). */
export function inputsOf(manifest: KitManifest, files: readonly string[]): Set<string> {
  const out = new Set<string>();
  for (const file of files) for (const input of manifest.files[file]?.inputs ?? []) out.add(input);
  return out;
}
