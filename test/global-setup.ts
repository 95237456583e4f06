/**
 * Builds dist/ once before the suite when src/ changed since the last build, so tests that
 * spawn the real CLI or server entry run the code under test (CI builds in `npm ci` anyway).
 */
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';

export default function setup(): void {
  const root = new URL('..', import.meta.url).pathname;
  // scripts/build.mjs compiles only when src/ is newer than dist/.
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
}
