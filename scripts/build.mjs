// Compiles src/ to dist/ with tsc (kept per-file so the CLI can load commands lazily).
// Type errors fail the typecheck step in CI, not the build: dist/ is emitted regardless.
import { spawnSync } from 'node:child_process';
import { rmSync, utimesSync } from 'node:fs';

import { createRequire } from 'node:module';

const require = createRequire(import.meta.url);
let tsc;
try {
  tsc = require.resolve('typescript/bin/tsc');
} catch {
  // Installed as a dependency without devDependencies: dist/ ships prebuilt.
  process.exit(0);
}
const root = new URL('..', import.meta.url);
// Only `--clean` empties dist/ first: tests running in parallel may be executing from it.
if (process.argv.includes('--clean')) rmSync(new URL('dist', root), { recursive: true, force: true });
const result = spawnSync(process.execPath, [tsc, '-p', 'tsconfig.build.json'], {
  stdio: 'inherit',
  cwd: root,
});
const now = new Date();
try {
  utimesSync(new URL('dist/cli/main.js', root), now, now);
} catch {
  console.error('build: dist/cli/main.js was not emitted');
  process.exit(1);
}
if (result.status !== 0) console.error('build: emitted with type errors (run npm run typecheck)');
