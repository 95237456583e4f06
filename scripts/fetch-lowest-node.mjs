// Fetches the lowest Node that package.json `engines` claims (e.g. 22.13.0 of "^22.13.0 || >=24")
// into node_modules/.cache/agentcrate/node-v<version>/, so the tests run the CLI on it too: a
// claim CI does not run is not made. The binary comes from the npm registry's
// node-<platform>-<arch> package (what the `node` package installs), with no install script.
// Idempotent; prints the binary's path. `--where` fetches nothing and prints
// {"version", "bin", "present"} as JSON (what the tests read).
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));

/** The lowest version a semver range made of `^x.y.z`, `>=x.y.z` alternatives admits. */
function lowestClaimedNode(range) {
  const versions = range
    .split('||')
    .map((part) => /(\d+)\.(\d+)(?:\.(\d+))?/.exec(part))
    .filter(Boolean)
    .map((m) => [Number(m[1]), Number(m[2]), Number(m[3] ?? 0)]);
  if (versions.length === 0) throw new Error(`engines.node '${range}' names no version`);
  versions.sort((a, b) => a[0] - b[0] || a[1] - b[1] || a[2] - b[2]);
  return versions[0].join('.');
}

function lowestNodePath() {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'));
  const version = lowestClaimedNode(pkg.engines.node);
  return { version, bin: join(root, 'node_modules/.cache/agentcrate', `node-v${version}`, 'bin/node') };
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const { version, bin } = lowestNodePath();
  if (process.argv.includes('--where')) {
    console.log(JSON.stringify({ version, bin, present: existsSync(bin) }));
    process.exit(0);
  }
  if (!existsSync(bin)) {
    const dir = join(bin, '..', '..');
    mkdirSync(join(dir, '..'), { recursive: true });
    const tmp = mkdtempSync(`${dir}.tmp-`);
    try {
      const spec = `node-${process.platform}-${process.arch}@${version}`;
      const file = execFileSync('npm', ['pack', spec, '--silent', '--pack-destination', tmp], {
        encoding: 'utf8',
      }).trim();
      execFileSync('tar', ['xzf', join(tmp, file), '-C', tmp]);
      rmSync(dir, { recursive: true, force: true });
      renameSync(join(tmp, 'package'), dir);
    } finally {
      rmSync(tmp, { recursive: true, force: true });
    }
  }
  const reported = execFileSync(bin, ['--version'], { encoding: 'utf8' }).trim();
  if (reported !== `v${version}`) throw new Error(`${bin} reports ${reported}, expected v${version}`);
  console.log(bin);
}
