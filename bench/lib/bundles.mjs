// agentcrate's processes are measured as their containers run them: bundled by the project's
// own bundlers (from dist/), once per benchmark run and before any clock starts, in a child
// process so the measuring process loads neither esbuild nor the bundlers.
import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import { NODE, ROOT } from './paths.mjs';

/**
 * `module` (relative to the repository) exports `fn({ outFile, ...options })`. `requires` is
 * the built file whose absence means dist/ is not built. Returns `ensure()`, the bundle's
 * path (bundling at the first call), and `available()`, the systems' availability answer.
 */
export function bundleOnce({ what, outFile, module, fn, options = {}, requires = module }) {
  let done = false;
  const ensure = () => {
    if (done) return outFile;
    const r = spawnSync(
      NODE,
      [
        '--input-type=module',
        '-e',
        `const m = await import(${JSON.stringify(new URL(`../../${module}`, import.meta.url).href)});
         await m[${JSON.stringify(fn)}]({ ...${JSON.stringify(options)}, outFile: ${JSON.stringify(outFile)} });`,
      ],
      { cwd: ROOT, encoding: 'utf8' },
    );
    if (r.status !== 0) throw new Error(`bundling ${what} failed: ${r.stderr}`);
    done = true;
    return outFile;
  };
  const available = () => {
    if (!existsSync(join(ROOT, requires)))
      return { ok: false, why: `${requires} is missing (run \`npm run build\`)` };
    try {
      ensure();
      return { ok: true };
    } catch (error) {
      return { ok: false, why: error.message.split('\n')[0] };
    }
  };
  return { ensure, available };
}
