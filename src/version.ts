/**
 * agentcrate's version, from one source: package.json. Bundles (the container's server, the
 * packed CLI) cannot read package.json at run time, so the bundler defines
 * `__AGENTCRATE_VERSION__` from the same file; unbundled code (`tsc` output, tests) reads it
 * next to `src/` or `dist/`.
 */
import { readFileSync } from 'node:fs';

declare const __AGENTCRATE_VERSION__: string | undefined;

function fromPackageJson(): string {
  const pkg = JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as {
    version?: unknown;
  };
  if (typeof pkg.version !== 'string') throw new Error('package.json has no version');
  return pkg.version;
}

export const VERSION: string =
  typeof __AGENTCRATE_VERSION__ === 'string' ? __AGENTCRATE_VERSION__ : fromPackageJson();
