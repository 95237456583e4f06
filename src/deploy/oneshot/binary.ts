/**
 * `agentcrate build --binary PATH`: the workflow as one executable file (a Node single-executable
 * application) that runs with no Node installed. It is this Node's own binary with a blob
 * injected: a small bootstrap, the runner's files (the same kit files an image would carry)
 * and the embedded workflow as assets. The bootstrap hands the workflow over and loads the
 * runner's ES modules from the assets through module hooks (`sea:/…` URLs), so code splitting
 * and lazy loading work as they do from files.
 */
import { spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  mkdirSync,
  mkdtempSync,
  readFileSync,
  rmSync,
  statSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join, resolve } from 'node:path';
import type { Workflow } from '../../config/types.js';
import { AgentcrateError } from '../../errors.js';
import type { LlmOverride } from '../../models/types.js';
import { loadKit } from './kit/build.js';
import { KIT_ENTRY } from './kit/manifest.js';
import { workflowParts } from './parts.js';
import { EMBEDDED_FILE } from './runner/embedded.js';
import { runnerAssets, stageRunner } from './stage.js';

/** Node's fuse string for single-executable applications (the same in every Node version). */
const SEA_FUSE = 'NODE_SEA_FUSE_fce680ab2cc467b6e072b8b5df1996b2';

/** The executable's first script (CommonJS, as Node requires of a SEA's main). */
const BOOTSTRAP = `'use strict';
const { registerHooks } = require('node:module');
const sea = require('node:sea');
const PREFIX = 'sea:/';
registerHooks({
  resolve(specifier, context, next) {
    if (specifier.startsWith(PREFIX)) return { url: specifier, shortCircuit: true };
    const parent = context.parentURL;
    if (parent !== undefined && parent.startsWith(PREFIX) && (specifier.startsWith('./') || specifier.startsWith('../'))) {
      return { url: new URL(specifier, parent).href, shortCircuit: true };
    }
    return next(specifier, context);
  },
  load(url, context, next) {
    if (url.startsWith(PREFIX)) {
      return { format: 'module', source: sea.getAsset(url.slice(PREFIX.length), 'utf8'), shortCircuit: true };
    }
    return next(url, context);
  },
});
globalThis[Symbol.for('agentcrate.oneshot.embedded')] = JSON.parse(sea.getAsset(${JSON.stringify(EMBEDDED_FILE)}, 'utf8'));
import(PREFIX + ${JSON.stringify(KIT_ENTRY)}).catch((error) => {
  process.stderr.write('the runner did not load: ' + (error && error.message) + '\\n');
  process.exitCode = 1;
});
`;

export interface BinaryOptions {
  workflow: Workflow;
  override?: LlmOverride;
  exampleInput: Record<string, unknown>;
  /** Where the executable goes. */
  output: string;
  onProgress?: (message: string) => void;
}

export interface BuiltBinary {
  path: string;
  bytes: number;
  runnerBytes: number;
  nodeVersion: string;
  providers: string[];
  toolModules: string[];
  elapsedMs: number;
}

export async function buildBinary(opts: BinaryOptions): Promise<BuiltBinary> {
  const started = performance.now();
  const { registerHooks } = (await import('node:module')) as { registerHooks?: unknown };
  if (typeof registerHooks !== 'function') {
    throw new AgentcrateError(
      'E_USAGE',
      `a single executable is built from the Node running agentcrate, and Node ${process.version} lacks the module hooks its runner loads with: use Node 22.15 or newer (or 24)`,
    );
  }
  const override = opts.override ?? {};
  const kit = await loadKit(opts.onProgress);
  const parts = workflowParts(opts.workflow, kit.manifest, override, 'binary');
  const staged = stageRunner(kit, {
    workflow: opts.workflow,
    parts,
    override,
    exampleInput: opts.exampleInput,
  });
  const output = resolve(opts.output);
  const work = mkdtempSync(join(tmpdir(), 'agentcrate-sea-'));
  try {
    const assets: Record<string, string> = {};
    for (const [name, bytes] of runnerAssets(kit, staged)) {
      const file = join(work, 'assets', name);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, bytes);
      assets[name] = file;
    }
    writeFileSync(join(work, 'bootstrap.cjs'), BOOTSTRAP);
    const blob = join(work, 'sea.blob');
    writeFileSync(
      join(work, 'sea-config.json'),
      JSON.stringify({
        main: join(work, 'bootstrap.cjs'),
        output: blob,
        disableExperimentalSEAWarning: true,
        assets,
      }),
    );
    opts.onProgress?.(
      `packing ${Object.keys(assets).length} runner files (${staged.bytes} bytes) for Node ${process.version}`,
    );
    const prep = spawnSync(process.execPath, ['--experimental-sea-config', join(work, 'sea-config.json')], {
      cwd: work,
      encoding: 'utf8',
    });
    if (prep.status !== 0) {
      throw new AgentcrateError(
        'E_INTERNAL',
        `node --experimental-sea-config failed: ${(prep.stderr || prep.stdout).trim()}`,
      );
    }
    mkdirSync(dirname(output), { recursive: true });
    rmSync(output, { force: true });
    copyFileSync(process.execPath, output);
    chmodSync(output, 0o755);
    opts.onProgress?.(`injecting into ${output}`);
    const { inject } = await import('postject');
    await quietly(() => inject(output, 'NODE_SEA_BLOB', readFileSync(blob), { sentinelFuse: SEA_FUSE }));
    // The runner loads every part it carries and runs the example input, dry: a broken
    // executable fails here, not at its first use.
    const check = spawnSync(output, ['--warm'], { encoding: 'utf8', env: { PATH: '' }, timeout: 60_000 });
    if (check.status !== 0) {
      rmSync(output, { force: true });
      throw new AgentcrateError(
        'E_INTERNAL',
        `the single executable did not start (exit ${check.status}): ${(check.stderr || check.stdout).trim().slice(0, 2000)}`,
      );
    }
  } finally {
    rmSync(work, { recursive: true, force: true });
  }
  return {
    path: output,
    bytes: statSync(output).size,
    runnerBytes: staged.bytes,
    nodeVersion: process.version,
    providers: parts.providers,
    toolModules: parts.toolModules,
    elapsedMs: Math.round(performance.now() - started),
  };
}

/**
 * postject's ELF writer prints "warning: Can't find string offset for section name '.note…'"
 * for every note section of Node's binary (harmless, Node's docs say so) on stdout, which
 * `build --json` keeps for its result: those lines are dropped while it runs.
 */
async function quietly<T>(fn: () => Promise<T>): Promise<T> {
  const noise = /^warning: Can't find string offset for section name '[^']*'\n?$/;
  const streams = [process.stdout, process.stderr] as const;
  const originals = streams.map((s) => s.write);
  for (const stream of streams) {
    const original = stream.write;
    stream.write = ((chunk: unknown, ...rest: unknown[]) =>
      typeof chunk === 'string' && noise.test(chunk)
        ? true
        : (original as (...args: unknown[]) => boolean).call(stream, chunk, ...rest)) as typeof stream.write;
  }
  try {
    return await fn();
  } finally {
    streams.forEach((stream, i) => {
      stream.write = originals[i] as typeof stream.write;
    });
  }
}
