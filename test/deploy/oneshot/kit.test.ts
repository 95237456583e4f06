/**
 * What a one-shot image carries, read from the runner kit's manifest (esbuild's metafile): the
 * files chosen for a workflow hold the code of the parts it names and none of the others.
 * The kit is the real one (bundled from src/ by esbuild, or the cached copy).
 */
import { existsSync, readFileSync } from 'node:fs';
import { beforeAll, describe, expect, it } from 'vitest';
import type { Workflow } from '../../../src/config/types.js';
import { type Kit, loadKit } from '../../../src/deploy/oneshot/kit/build.js';
import { inputsOf, packageOf, selectKitFiles } from '../../../src/deploy/oneshot/kit/manifest.js';
import { workflowParts } from '../../../src/deploy/oneshot/parts.js';
import { probeWorkflow as workflow } from './probe-workflow.js';

let kit: Kit;

beforeAll(async () => {
  kit = await loadKit();
}, 120_000);

/** The modules an image of this workflow carries, and the packages they come from. */
function contents(wf: Workflow): {
  modules: Set<string>;
  packages: Set<string>;
  bytes: number;
  entryPoints: Set<string>;
} {
  const parts = workflowParts(wf, kit.manifest, {}, 'image');
  const files = selectKitFiles(kit.manifest, parts);
  const modules = inputsOf(kit.manifest, files);
  const packages = new Set([...modules].map(packageOf).filter((p): p is string => p !== undefined));
  const bytes = files.reduce((sum, f) => sum + (kit.manifest.files[f]?.bytes ?? 0), 0);
  const entryPoints = new Set(
    files.map((f) => kit.manifest.files[f]?.entryPoint).filter((e): e is string => e !== undefined),
  );
  return { modules, packages, bytes, entryPoints };
}

/** The chunk of the whole AI SDK (its package's entry module). */
const AI_SDK_ENTRY = 'node_modules/ai/dist/index.mjs';
const AI_ERRORS_ENTRY = 'src/deploy/oneshot/runner/ai-errors.ts';

const OTHER_PROVIDERS = [
  '@ai-sdk/google',
  '@ai-sdk/openai',
  '@ai-sdk/anthropic',
  '@ai-sdk/amazon-bedrock',
  '@ai-sdk/openai-compatible',
];
/** Packages of the server, the store, tracing and the CLI: never in a one-shot runner. */
const NEVER_PACKAGES = [
  /^@opentelemetry\//,
  /^hono$/,
  /^@hono\//,
  /^pino/,
  /^dockerode$/,
  /^undici$/,
  /^commander$/,
  /^citty$/,
];
const NEVER_ROOMS = [
  'src/server/',
  'src/store/',
  'src/telemetry/',
  'src/cli/',
  'src/gateway/',
  'src/studio/',
  'src/http/',
];

describe('the runner kit: an image carries only what its workflow uses', () => {
  it('an ollama-only echo workflow: no other provider SDK, no server, store, OpenTelemetry, tools or sandbox', () => {
    const { modules, packages, entryPoints } = contents(workflow('provider: ollama, model: llama3'));
    expect([...packages]).toContain('ollama-ai-provider-v2');
    // Without tools, the AI SDK's errors only, not the whole SDK.
    expect([...packages]).toContain('ai');
    expect(entryPoints).toContain(AI_ERRORS_ENTRY);
    expect(entryPoints).not.toContain(AI_SDK_ENTRY);
    for (const pkg of OTHER_PROVIDERS) expect([...packages], pkg).not.toContain(pkg);
    for (const pattern of NEVER_PACKAGES) {
      expect(
        [...packages].filter((p) => pattern.test(p)),
        String(pattern),
      ).toEqual([]);
    }
    for (const room of NEVER_ROOMS) {
      expect(
        [...modules].filter((m) => m.startsWith(room)),
        room,
      ).toEqual([]);
    }
    // The built-in index is in as the kit plugin's empty list (each tool module is its own chunk).
    expect([...modules].filter((m) => m.startsWith('src/tools/builtin/'))).toEqual([
      'src/tools/builtin/index.ts',
    ]);
    expect([...modules].filter((m) => m.startsWith('src/sandbox/'))).toEqual([]);
    // The engine and the runner are there (the check reads real contents).
    expect(modules).toContain('src/engine/execute.ts');
    expect(modules).toContain('src/deploy/oneshot/runner/main.ts');
  });

  it('another provider and a tool: that provider, that tool module and the whole AI SDK, nothing of the ollama one', () => {
    const { modules, packages, entryPoints } = contents(
      workflow('provider: openai, model: gpt-4o-mini', ['file_read']),
    );
    expect([...packages]).toContain('@ai-sdk/openai');
    // Tools run through the AI SDK's generateText: the whole SDK.
    expect(entryPoints).toContain(AI_SDK_ENTRY);
    expect([...packages]).not.toContain('ollama-ai-provider-v2');
    expect([...packages]).not.toContain('@ai-sdk/google');
    expect(modules).toContain('src/tools/builtin/file-tools.ts');
    // No other tool module (the index is the plugin's empty list).
    expect(
      [...modules].filter((m) => m.startsWith('src/tools/builtin/') && !m.endsWith('/file-tools.ts')),
    ).toEqual(['src/tools/builtin/index.ts']);
  });

  it('every provider of the model registry has its package in the kit', async () => {
    const { PROVIDERS } = await import('../../../src/models/providers.js');
    const { PROVIDER_PACKAGES } = await import('../../../src/deploy/oneshot/kit/manifest.js');
    expect(Object.keys(PROVIDER_PACKAGES).sort()).toEqual([...PROVIDERS.keys()].sort());
    const entryPackages = new Set(
      Object.values(kit.manifest.files)
        .map((f) => (f.entryPoint !== undefined ? packageOf(f.entryPoint) : undefined))
        .filter((p) => p !== undefined),
    );
    for (const pkg of new Set(Object.values(PROVIDER_PACKAGES)))
      expect([...entryPackages], pkg).toContain(pkg);
  });

  it('the cached kit is keyed on its builders too, so a change to the bundler plugin alone rebuilds it', () => {
    const pointerFile = new URL('../../../node_modules/.cache/agentcrate/oneshot-kit.json', import.meta.url);
    expect(existsSync(pointerFile)).toBe(true);
    const pointer = JSON.parse(readFileSync(pointerFile, 'utf8')) as {
      inputs: Array<[string, number, number]>;
    };
    const paths = pointer.inputs.map(([path]) => path.replaceAll('\\', '/'));
    for (const builder of ['plugin', 'build', 'builtins', 'manifest'])
      expect(
        paths.some((p) => new RegExp(`/oneshot/kit/${builder}\\.(ts|js)$`).test(p)),
        builder,
      ).toBe(true);
  });
});
