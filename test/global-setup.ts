/**
 * Builds dist/ once before the suite when src/ changed since the last build, so tests that
 * spawn the real CLI or server entry run the code under test (CI builds in `npm ci` anyway).
 */
import { execFileSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newest(dir: string): number {
  let latest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    latest = Math.max(latest, entry.isDirectory() ? newest(path) : statSync(path).mtimeMs);
  }
  return latest;
}

export default function setup(): void {
  const root = new URL('..', import.meta.url).pathname;
  const stamp = join(root, 'dist', 'cli', 'main.js');
  if (existsSync(stamp) && statSync(stamp).mtimeMs >= newest(join(root, 'src'))) return;
  execFileSync(process.execPath, [join(root, 'scripts', 'build.mjs')], { cwd: root, stdio: 'inherit' });
}
