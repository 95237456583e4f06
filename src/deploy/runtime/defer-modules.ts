/**
 * Imported before dockerode (docker.ts): two modules it and its docker-modem require when
 * they load, each exporting one function that agentcrate calls rarely or never — dockerode's
 * BuildKit session (`@grpc/grpc-js` and `protobufjs`) and docker-modem's SSH transport
 * (`ssh2`, for an `ssh://` DOCKER_HOST) — are put in the require cache as stand-ins that load
 * the real module on their first call. Loading them eagerly cost every `agentcrate exec`,
 * `deploy` or `build` about half of dockerode's import time (BENCHMARKS.md, one-shot images).
 * A layout these paths do not match (another dockerode) simply loads everything as before.
 */
import { createRequire } from 'node:module';

const DEFERRED: ReadonlyArray<readonly [pkg: string, file: string]> = [
  ['dockerode', 'lib/session.js'],
  ['docker-modem', 'lib/ssh.js'],
];

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
  for (const [pkg, file] of DEFERRED) {
    let path: string;
    try {
      path = fromDockerode.resolve(`${pkg}/${file}`);
    } catch {
      continue;
    }
    if (fromDockerode.cache[path] !== undefined) continue;
    const standIn = function (this: unknown, ...args: unknown[]): unknown {
      // The real module replaces the stand-in in the cache; dockerode keeps calling this one.
      if (fromDockerode.cache[path]?.exports === standIn) delete fromDockerode.cache[path];
      const real = fromDockerode(path) as (...a: unknown[]) => unknown;
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
