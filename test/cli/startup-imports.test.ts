/**
 * What the CLI loads before any command runs: its static import graph from src/cli/main.ts.
 * node:sqlite must not be in it — Node 22 prints an ExperimentalWarning as the module loads,
 * before the CLI can hide it (src/node-warnings.ts); commands import the store when they run.
 * Nor the workflow loader (YAML, zod) or the server's routes, which every command would pay
 * for at start; and `exec` of a built image loads neither before it runs the container.
 */
import { readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ROOT } from '../support/cli.js';

/** Static (not type-only, not dynamic) imports and re-exports of a TypeScript file. */
function staticImports(file: string): string[] {
  const text = readFileSync(file, 'utf8');
  const out: string[] = [];
  for (const m of text.matchAll(/^\s*(import|export)\s+(type\s)?[^;]*?\sfrom\s+['"]([^'"]+)['"]/gm)) {
    if (m[2] === undefined) out.push(m[3]!);
  }
  for (const m of text.matchAll(/^\s*import\s+['"]([^'"]+)['"]/gm)) out.push(m[1]!);
  return out;
}

/** Each reachable module with the chain that reached it. */
function graph(entry: string): Map<string, string[]> {
  const chains = new Map<string, string[]>([[entry, [entry]]]);
  const queue = [entry];
  while (queue.length > 0) {
    const file = queue.shift()!;
    for (const spec of staticImports(file)) {
      const target = spec.startsWith('.') ? resolve(dirname(file), spec.replace(/\.js$/, '.ts')) : spec;
      if (chains.has(target)) continue;
      chains.set(target, [...chains.get(file)!, target]);
      if (spec.startsWith('.')) queue.push(target);
    }
  }
  return chains;
}

describe('CLI start-up', () => {
  const chains = graph(join(ROOT, 'src/cli/main.ts'));

  it('reads the graph (it reaches the command table and the settings)', () => {
    expect(chains.has(join(ROOT, 'src/cli/commands/index.ts'))).toBe(true);
    expect(chains.has(join(ROOT, 'src/server/settings.ts'))).toBe(true);
  });

  it('does not load node:sqlite before a command runs', () => {
    const chain = chains.get('node:sqlite')?.map((f) => (f.startsWith('/') ? relative(ROOT, f) : f));
    expect(chain, `loaded through ${chain?.join(' → ')}`).toBeUndefined();
  });

  /** The first of `heavy` the graph reaches, with its chain, or undefined. */
  function firstHeavy(from: Map<string, string[]>): string | undefined {
    const heavy = [
      'zod',
      'yaml',
      'js-yaml',
      'hono',
      'esbuild',
      join(ROOT, 'src/config/load.ts'),
      join(ROOT, 'src/server/compat/routes.ts'),
      join(ROOT, 'src/server/openapi.ts'),
    ];
    for (const h of heavy) {
      const chain = from.get(h);
      if (chain !== undefined)
        return chain.map((f) => (f.startsWith('/') ? relative(ROOT, f) : f)).join(' → ');
    }
    return undefined;
  }

  it('loads neither the workflow loader (YAML, zod) nor the server before a command runs', () => {
    expect(firstHeavy(chains)).toBeUndefined();
  });

  it('exec loads neither before it runs a built image (the full path imports them when needed)', () => {
    expect(firstHeavy(graph(join(ROOT, 'src/cli/handlers/exec.ts')))).toBeUndefined();
  });
});
