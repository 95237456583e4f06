// Compiles src/ to dist/ with tsc (kept per-file so the CLI can load commands lazily).
// Type errors fail the typecheck step in CI, not the build: dist/ is emitted regardless.
// Skipped when dist/ is newer than every file of src/, unless `--clean` (which empties it first)
// or `--force`.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, rmSync, statSync, utimesSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { buildStudio } from './build-studio.mjs';

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  // Installed as a dependency without devDependencies: nothing to compile.
  process.exit(0);
}
const root = fileURLToPath(new URL('..', import.meta.url));
const stamp = join(root, 'dist/cli/main.js');
const clean = process.argv.includes('--clean');

function newest(dir) {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

if (!clean && !process.argv.includes('--force') && existsSync(stamp)) {
  if (statSync(stamp).mtimeMs >= newest(join(root, 'src'))) process.exit(0);
}
// Only `--clean` empties dist/ first: tests running in parallel may be executing from it.
if (clean) rmSync(join(root, 'dist'), { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
  cwd: root,
});
const now = new Date();
try {
  utimesSync(stamp, now, now);
} catch {
  console.error('build: dist/cli/main.js was not emitted');
  process.exit(1);
}
if (result.status !== 0) console.error('build: emitted with type errors (run npm run typecheck)');
try {
  await buildStudio(root, { quiet: true });
} catch (error) {
  console.error(`build: the studio page did not bundle: ${error.message}`);
  process.exit(1);
}
