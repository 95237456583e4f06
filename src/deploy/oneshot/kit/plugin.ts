/**
 * The esbuild plugin of the runner kit: what makes a one-shot image small.
 *
 * - Every built-in tool module becomes its own chunk: `runner/tool-modules.ts` is replaced by
 *   a table of dynamic imports (one per module `tools/builtin/index.ts` imports), and that
 *   index's list by an empty one, so the registry holds only the tools the runner loads.
 * - Our sources and the YAML libraries are declared free of import side effects, so what the
 *   runner never calls (the YAML front end the config room's index also exports, …) is dropped.
 * - Three packages are replaced by the small part a one-shot run uses:
 *   `@opentelemetry/api` (the AI SDK asks it for a tracer only when its own telemetry is on,
 *   which agentcrate never turns on, and wraps calls in `context.with`, a pass-through without
 *   a context manager), `@ai-sdk/gateway` (the AI SDK's default provider for models named by a
 *   string; agentcrate always passes model objects, and its error checks answer "not a
 *   gateway error"), and zod's 40 message locales (English, zod's default, stays).
 * - The model transport over bundled undici is replaced by an error: the runner passes Node's
 *   own fetch (`runner/capped-fetch.ts`).
 * - The model client's `import('ai')` goes through `runner/ai-sdk.ts`, so an image of a
 *   workflow without tools carries the AI SDK's error classes instead of the whole SDK: the
 *   errors' module reads its own copy of the package's module (esbuild splits code by module,
 *   so sharing the one module with the whole SDK's chunk would put all of it in both).
 * - `eventsource-parser`'s stream class, which extends the global `TransformStream` where it is
 *   defined (loading Node's web streams at start), is defined on its first construction: only a
 *   streamed answer makes one (`lazyEventSourceStream`).
 * - `import … from 'node:…'` becomes the built-in's CommonJS module object (`builtins.ts`): an
 *   ES-module import of a built-in runs each of its lazy getters (`node:http`'s `WebSocket`
 *   loads Node's whole internal undici, which the runner keeps unloaded: `runner/web-fetch.ts`).
 * A shim that misses an export the bundled code imports fails the kit build, never a run.
 */
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, sep } from 'node:path';
import type { OnResolveArgs, Plugin } from 'esbuild';
import { BUILTIN_IMPORT, builtinModuleText } from './builtins.js';

export interface KitPluginOptions {
  /** The checkout's `src/` directory. */
  srcDir: string;
}

const NS = 'agentcrate-oneshot';
/** Node's built-ins as their CommonJS objects (`builtins.ts`). */
const BUILTINS_NS = 'agentcrate-oneshot-builtin';
/** The AI SDK's module as read for `runner/ai-errors.ts` alone. */
const AI_COPY_NS = 'agentcrate-oneshot-ai-errors';

const OTEL_API_SHIM = `
export const SpanStatusCode = { UNSET: 0, OK: 1, ERROR: 2 };
export const SpanKind = { INTERNAL: 0, SERVER: 1, CLIENT: 2, PRODUCER: 3, CONSUMER: 4 };
const ROOT = Object.freeze({ getValue() {}, setValue() { return ROOT; }, deleteValue() { return ROOT; } });
export const context = { active: () => ROOT, with: (_ctx, fn, thisArg, ...args) => fn.apply(thisArg, args) };
export const trace = {
  getTracer() { throw new Error('OpenTelemetry is not in this one-shot runner'); },
  getActiveSpan() { return undefined; },
};
`;

const GATEWAY_SHIM = `
function absent() {
  throw new Error("the AI SDK gateway provider is not in this one-shot runner: agentcrate builds models from the workflow's provider");
}
export const gateway = new Proxy(absent, { get: () => absent });
export const createGateway = () => gateway;
export class GatewayError extends Error { static isInstance() { return false; } }
export class GatewayAuthenticationError extends GatewayError {}
`;

const ZOD_LOCALES_SHIM = `export { default as en } from './en.js';`;

const TRANSPORT_STUB = `
export function createModelTransport() {
  throw new Error('the one-shot runner passes its own fetch; the undici transport is not in it');
}
`;

/**
 * `eventsource-parser/stream` with its class made on first use: the module's body runs in a
 * function the first time `new EventSourceParserStream()` is called. Its shape is checked, so a
 * new version of the package that differs fails the kit's build, not a run.
 */
export function lazyEventSourceStream(text: string, file: string): string {
  const imports = [...text.matchAll(/^import [^;\n]+;?$/gm)].map((m) => m[0]);
  const exported = /^export \{\s*EventSourceParserStream,\s*ParseError\s*\};?$/m.exec(text);
  const classes = text.match(/\bclass EventSourceParserStream extends TransformStream\b/g)?.length ?? 0;
  if (exported === null || classes !== 1 || imports.length === 0) {
    throw new Error(
      `${file} does not have the shape the one-shot kit plugin expects: update lazyEventSourceStream`,
    );
  }
  let body = text.replace(exported[0], '');
  for (const line of imports) body = body.replace(line, '');
  return [
    ...imports,
    'let made;',
    'export function EventSourceParserStream(...args) {',
    '  made ??= (() => {',
    body.replace(/^\/\/# sourceMappingURL=.*$/m, ''),
    '    return EventSourceParserStream;',
    '  })();',
    '  return Reflect.construct(made, args, new.target === undefined || new.target === EventSourceParserStream ? made : new.target);',
    '}',
    'export { ParseError };',
    '',
  ].join('\n');
}

/** `./x.js` modules `tools/builtin/index.ts` imports (values only), as absolute `.ts` paths. */
export function builtinToolModules(srcDir: string): string[] {
  const index = join(srcDir, 'tools', 'builtin', 'index.ts');
  const text = readFileSync(index, 'utf8');
  const modules = [...text.matchAll(/^import\s+(?!type\b)[^;]*?from\s+'(\.\/[^']+)\.js';/gm)].map((m) =>
    join(dirname(index), `${m[1]}.ts`),
  );
  const missing = modules.filter((file) => !existsSync(file));
  if (modules.length === 0 || missing.length > 0) {
    throw new Error(
      `cannot read the built-in tool modules from ${index}: ${modules.length === 0 ? 'no imports found' : `missing ${missing.join(', ')}`}`,
    );
  }
  return modules;
}

export function toolModuleId(file: string): string {
  return file.slice(file.lastIndexOf(sep) + 1).replace(/\.ts$/, '');
}

/** models/client.ts with its one `import('ai')` made a call of `runner/ai-sdk.ts`'s loader. */
function clientViaAiSdkPart(client: string, aiSdk: string): string {
  const text = readFileSync(client, 'utf8');
  // The value import, not the types (`typeof import('ai')`).
  const found = text.match(/(?<!typeof )import\('ai'\)/g)?.length ?? 0;
  if (found !== 1) {
    throw new Error(
      `${client} should import the AI SDK in one place (import('ai')), found ${found}: update the one-shot kit plugin`,
    );
  }
  const rewritten = text.replace(/(?<!typeof )import\('ai'\)/, '__acLoadAi()');
  return `import { loadAiSdkPart as __acLoadAi } from ${JSON.stringify(aiSdk)};\n${rewritten}`;
}

export function kitPlugin(opts: KitPluginOptions): Plugin {
  const src = opts.srcDir.endsWith(sep) ? opts.srcDir : `${opts.srcDir}${sep}`;
  const builtinIndex = join(src, 'tools', 'builtin', 'index.ts');
  const toolTable = join(src, 'deploy', 'oneshot', 'runner', 'tool-modules.ts');
  const transport = join(src, 'models', 'transport.ts');
  const client = join(src, 'models', 'client.ts');
  const aiSdk = join(src, 'deploy', 'oneshot', 'runner', 'ai-sdk.ts');
  const aiErrors = join(src, 'deploy', 'oneshot', 'runner', 'ai-errors.ts');
  const modules = builtinToolModules(src);
  const table = `export const TOOL_MODULES = {\n${modules
    .map((file) => `  ${JSON.stringify(toolModuleId(file))}: () => import(${JSON.stringify(file)}),`)
    .join('\n')}\n};\n`;
  return {
    name: 'agentcrate-oneshot-kit',
    setup(build) {
      build.onResolve({ filter: /^@opentelemetry\/api$/ }, () => ({ path: 'otel-api', namespace: NS }));
      build.onResolve({ filter: /^@ai-sdk\/gateway$/ }, () => ({ path: 'gateway', namespace: NS }));
      build.onLoad({ filter: /^otel-api$/, namespace: NS }, () => ({
        contents: OTEL_API_SHIM,
        loader: 'js',
      }));
      build.onLoad({ filter: /^gateway$/, namespace: NS }, () => ({ contents: GATEWAY_SHIM, loader: 'js' }));
      build.onResolve({ filter: BUILTIN_IMPORT }, (args) => {
        // A dynamic import needs the whole namespace, so it keeps Node's own (off the start's path).
        if (args.kind !== 'import-statement') return undefined;
        const name = args.path.replace(/^node:/, '');
        if (builtinModuleText(name) === undefined) return undefined;
        // One copy per importer (a line or two): shared, it would be a chunk of its own to load.
        return { path: `${name}?${args.importer}`, namespace: BUILTINS_NS, sideEffects: false };
      });
      build.onLoad({ filter: /.*/, namespace: BUILTINS_NS }, (args) => ({
        contents: builtinModuleText(args.path.slice(0, args.path.indexOf('?'))),
        loader: 'js',
      }));
      /** Resolved as esbuild would (this plugin steps aside), then marked side-effect free. */
      const resolveSideEffectFree = async (args: OnResolveArgs, namespace?: string) => {
        const resolved = await build.resolve(args.path, {
          kind: args.kind,
          resolveDir: args.resolveDir,
          importer: args.importer,
          pluginData: NS,
        });
        if (resolved.errors.length > 0) return { errors: resolved.errors };
        return { path: resolved.path, sideEffects: false, ...(namespace !== undefined ? { namespace } : {}) };
      };
      build.onResolve({ filter: /^ai$/ }, (args) =>
        args.pluginData === NS || args.importer !== aiErrors
          ? undefined
          : resolveSideEffectFree(args, AI_COPY_NS),
      );
      build.onLoad({ filter: /.*/, namespace: AI_COPY_NS }, (args) => ({
        contents: readFileSync(args.path, 'utf8'),
        loader: 'js',
        resolveDir: dirname(args.path),
      }));

      // Relative imports inside our sources and the YAML libraries: resolved as usual, then
      // marked side-effect free (esbuild drops a module whose exports nobody uses).
      build.onResolve({ filter: /^\./ }, async (args) => {
        if (args.pluginData === NS) return undefined;
        const ours = args.importer.startsWith(src);
        const yaml = /[\\/]node_modules[\\/](js-yaml|yaml)[\\/]/.test(args.importer);
        if (!ours && !yaml) return undefined;
        return resolveSideEffectFree(args);
      });
      build.onResolve({ filter: /^(js-yaml|yaml)$/ }, (args) =>
        args.pluginData === NS ? undefined : resolveSideEffectFree(args),
      );

      build.onLoad({ filter: /\.ts$/ }, (args) => {
        if (args.path === builtinIndex) {
          return { contents: 'export const BUILTIN_TOOLS = [];\n', loader: 'js' };
        }
        if (args.path === toolTable) return { contents: table, loader: 'js', resolveDir: dirname(toolTable) };
        if (args.path === transport) return { contents: TRANSPORT_STUB, loader: 'js' };
        if (args.path === client) return { contents: clientViaAiSdkPart(client, aiSdk), loader: 'ts' };
        return undefined;
      });
      build.onLoad({ filter: /[\\/]eventsource-parser[\\/]dist[\\/]stream\.js$/ }, (args) => ({
        contents: lazyEventSourceStream(readFileSync(args.path, 'utf8'), args.path),
        loader: 'js',
        resolveDir: dirname(args.path),
      }));
      build.onLoad({ filter: /[\\/]zod[\\/]v4[\\/]locales[\\/]index\.js$/ }, (args) => ({
        contents: ZOD_LOCALES_SHIM,
        loader: 'js',
        resolveDir: dirname(args.path),
      }));
    },
  };
}
