/**
 * Imported before dockerode (docker.ts): the modules of `deferred-modules.ts` are put in the
 * require cache as stand-ins that load the real module on first use. Loading them eagerly
 * cost every `agentcrate exec`, `deploy` or `build` most of dockerode's import time
 * (BENCHMARKS.md, one-shot images). A layout these paths do not match (another dockerode)
 * simply loads everything as before.
 */
import { createRequire } from 'node:module';
import { DEFERRED_MODULES } from './deferred-modules.js';

/** The resolved files of the deferred modules (for the tests). */
export const deferredFiles: string[] = [];

function defer(): void {
  const fromHere = createRequire(import.meta.url);
  let dockerode: string;
  try {
    dockerode = fromHere.resolve('dockerode');
  } catch {
    return;
  }
  // docker-modem is dockerode's dependency: resolved from dockerode, wherever npm put it.
  const fromDockerode = createRequire(dockerode);
  for (const { pkg, file, exports: kind } of DEFERRED_MODULES) {
    let path: string;
    try {
      path = fromDockerode.resolve(file === '' ? pkg : `${pkg}/${file}`);
    } catch {
      continue;
    }
    if (fromDockerode.cache[path] !== undefined) continue;
    // The real module replaces the stand-in in the cache; dockerode keeps using this one.
    const load = (): unknown => {
      if (fromDockerode.cache[path]?.exports === standIn) delete fromDockerode.cache[path];
      return fromDockerode(path);
    };
    const standIn =
      kind === 'object'
        ? new Proxy({}, { get: (_, name) => (load() as Record<string | symbol, unknown>)[name] })
        : function (this: unknown, ...args: unknown[]): unknown {
            const real = load() as (...a: unknown[]) => unknown;
            // `new HttpDuplex(…)`: an object returned by a constructor is what `new` gives.
            if (new.target !== undefined) return Reflect.construct(real, args) as unknown;
            return real.apply(this, args);
          };
    fromDockerode.cache[path] = {
      id: path,
      filename: path,
      loaded: true,
      exports: standIn,
      children: [],
      paths: [],
    } as unknown as NodeJS.Module;
    deferredFiles.push(path);
  }
}

defer();
