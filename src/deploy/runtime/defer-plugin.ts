/**
 * The packed CLI's bundle (scripts/build-package.mjs) with the stand-ins `defer-modules.ts`
 * gives a checkout: each module of `deferred-modules.ts` is bundled twice over — a stand-in
 * under its own path, which dockerode requires as it loads, and the real module under the
 * same path with a `?real` suffix, which esbuild evaluates only when the stand-in first
 * requires it (a bundled CommonJS module runs on its first `require`).
 */
import { dirname, sep } from 'node:path';
import type { Plugin } from 'esbuild';
import { DEFERRED_MODULES } from './deferred-modules.js';

const REAL = '?real';

/** `/node_modules/<pkg>/<file>` at the end of a path, with the OS's separator. */
function ending(pkg: string, file: string): string {
  return [`${sep}node_modules`, ...pkg.split('/'), ...(file === '' ? ['index.js'] : file.split('/'))].join(
    sep,
  );
}

export function deferModulesPlugin(): Plugin {
  return {
    name: 'agentcrate-defer-modules',
    setup(build) {
      build.onResolve({ filter: /\?real$/ }, (args) => ({
        path: args.path.slice(0, -REAL.length),
        suffix: REAL,
      }));
      build.onLoad({ filter: /\.js$/ }, (args) => {
        if (args.suffix === REAL) return undefined;
        const deferred = DEFERRED_MODULES.find((m) => args.path.endsWith(ending(m.pkg, m.file)));
        if (deferred === undefined) return undefined;
        const real = JSON.stringify(`${args.path}${REAL}`);
        const contents =
          deferred.exports === 'object'
            ? `module.exports = new Proxy({}, { get: (_, name) => require(${real})[name] });\n`
            : `module.exports = function (...args) {\n  const real = require(${real});\n  return new.target !== undefined ? Reflect.construct(real, args) : real.apply(this, args);\n};\n`;
        return { contents, loader: 'js', resolveDir: dirname(args.path) };
      });
    },
  };
}
