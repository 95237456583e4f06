/**
 * The packed package as a user gets it: `npm pack`, installed into an empty folder,
 * then run with the checkout out of sight (a private mount namespace lays an empty tmpfs over
 * it) on the lowest Node that `engines` claims: validate, run --dry-run, deploy --generate, and a
 * real deploy to Docker from the package's own prebuilt server bundle.
 */
import { execFileSync, spawn, spawnSync } from 'node:child_process';
import {
  chmodSync,
  copyFileSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  readdirSync,
  readFileSync,
  rmSync,
  writeFileSync,
} from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { freePort } from '../deploy/ports.js';
import { ROOT } from '../support/cli.js';
import { announceSkip, dockerSkipReason, TEST_BASE_IMAGE, tryDocker } from '../support/docker.js';
import { lowestNode } from '../support/lowest-node.js';

const node = lowestNode();
const npmVersion = spawnSync('npm', ['--version'], { encoding: 'utf8' });
const skip = node.skip ?? (npmVersion.status === 0 ? undefined : 'npm is not on PATH');
const dockerSkip = skip ?? dockerSkipReason();
const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
  version: string;
  engines: { node: string };
};
const NAME = `ac-tarball-${process.pid}-${Date.now().toString(36)}`;
const ONESHOT_BASE = 'agentcrate-oneshot-base:24';

/** Every package directory in node_modules (scoped ones as @scope/name). */
function installedPackages(app: string): string[] {
  const top = join(app, 'node_modules');
  return readdirSync(top)
    .filter((n) => !n.startsWith('.'))
    .flatMap((n) => (n.startsWith('@') ? readdirSync(join(top, n)).map((m) => `${n}/${m}`) : [n]));
}

/** agentcrate and what its `dependencies` need, transitively (npm hoists them all here). */
function dependencyClosure(app: string): string[] {
  const seen = new Set<string>();
  const visit = (name: string) => {
    if (seen.has(name)) return;
    seen.add(name);
    const manifest = JSON.parse(readFileSync(join(app, 'node_modules', name, 'package.json'), 'utf8')) as {
      dependencies?: Record<string, string>;
    };
    for (const dep of Object.keys(manifest.dependencies ?? {})) visit(dep);
  };
  visit('agentcrate');
  return [...seen];
}

/** `sh -c` with the checkout ($1) covered by an empty tmpfs in a private mount namespace. */
const HIDE = ['unshare', '-m', '--propagation', 'private', 'sh', '-c'];

/** Whether this process may make a mount namespace (root, or a permissive sandbox). */
function canHideCheckout(): boolean {
  const probe = spawnSync(
    HIDE[0]!,
    [...HIDE.slice(1), 'mount -t tmpfs hidden "$1" && ls -A "$1"', 'sh', ROOT],
    {
      encoding: 'utf8',
    },
  );
  return probe.status === 0 && probe.stdout.trim() === '';
}

describe.skipIf(skip !== undefined)(`the packed package${announceSkip('the packed package', skip)}`, () => {
  let tmp = '';
  let app = '';
  let installLog = '';
  let hidden = false;

  function agentcrate(args: string[], env: Record<string, string> = {}) {
    const bin = join(app, 'node_modules/.bin/agentcrate');
    const fullEnv = {
      // The copied lowest Node first; /usr/bin's node (if any) is older and never chosen by a
      // healthy install of Node 22.13+.
      PATH: `${join(tmp, 'node/bin')}:/usr/local/bin:/usr/bin:/bin`,
      HOME: tmp,
      NO_COLOR: '1',
      ...(process.env.DOCKER_HOST ? { DOCKER_HOST: process.env.DOCKER_HOST } : {}),
      ...env,
    };
    const command = hidden
      ? [...HIDE, 'mount -t tmpfs hidden "$1" && shift && exec "$@"', 'sh', ROOT, bin, ...args]
      : [bin, ...args];
    const r = spawnSync(command[0]!, command.slice(1), {
      cwd: app,
      env: fullEnv,
      encoding: 'utf8',
      timeout: 180_000,
    });
    return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
  }

  beforeAll(() => {
    tmp = mkdtempSync(join(tmpdir(), 'agentcrate-tarball-'));
    // npm runs `prepack` with the first `node` on PATH: the one running these tests.
    const env = { ...process.env, PATH: `${dirname(process.execPath)}:${process.env.PATH ?? ''}` };
    execFileSync('npm', ['pack', '--pack-destination', tmp], { cwd: ROOT, env, stdio: 'ignore' });
    app = join(tmp, 'app');
    mkdirSync(app);
    writeFileSync(join(app, 'package.json'), '{ "name": "app", "private": true }\n');
    const install = spawnSync(
      'npm',
      ['install', '--prefer-offline', '--no-audit', '--no-fund', join(tmp, `agentcrate-${pkg.version}.tgz`)],
      { cwd: app, env, encoding: 'utf8' },
    );
    installLog = `${install.stdout}${install.stderr}`;
    if (install.status !== 0) throw new Error(`npm install of the tarball failed:\n${installLog}`);
    // A copy, because the cached binary lives inside the checkout that is hidden.
    mkdirSync(join(tmp, 'node/bin'), { recursive: true });
    copyFileSync(node.bin, join(tmp, 'node/bin/node'));
    chmodSync(join(tmp, 'node/bin/node'), 0o755);
    hidden = canHideCheckout();
    if (!hidden)
      console.warn('the packed package: cannot make a mount namespace here, so the checkout stays visible');
  }, 300_000);

  afterAll(() => {
    if (tmp) rmSync(tmp, { recursive: true, force: true });
  });

  it('installs with only what it cannot bundle, and no install scripts to approve', () => {
    expect(installLog).not.toMatch(/install-scripts|allowScripts/);
    const installed = join(app, 'node_modules/agentcrate');
    expect(installedPackages(app).sort()).toEqual(dependencyClosure(app).sort());
    for (const file of [
      'LICENSE',
      'README.md',
      'lib/cli/main.mjs',
      'lib/server/server.mjs',
      'lib/THIRD-PARTY-LICENSES.txt',
      'lib/cli/web/app.js',
      'lib/cli/web/app.css',
      'examples/research-brief.yaml',
      'scripts/docker/build-base-image.sh',
      'schema/workflow.schema.json',
    ]) {
      expect(existsSync(join(installed, file)), file).toBe(true);
    }
    expect(existsSync(join(installed, 'src'))).toBe(false);
    expect(existsSync(join(installed, 'dist'))).toBe(false);
    // What a registry page and `npm repo` show: the licence and where the source lives.
    const manifest = JSON.parse(readFileSync(join(installed, 'package.json'), 'utf8')) as {
      license?: string;
      repository?: { url?: string };
      engines?: { node?: string };
    };
    expect(manifest.license).toBe('MIT');
    expect(manifest.repository?.url).toMatch(/^git\+https:\/\/.+\.git$/);
    expect(manifest.engines?.node).toBe(pkg.engines.node);
    expect(readFileSync(join(installed, 'LICENSE'), 'utf8')).toMatch(/MIT License/);
  });

  it('runs on the lowest claimed Node with the checkout out of sight', () => {
    const version = agentcrate(['--version']);
    expect(version.code, version.stderr).toBe(0);
    expect(version.stdout.trim()).toBe(pkg.version);
    const which = spawnSync('sh', ['-c', 'node --version'], {
      env: { PATH: `${join(tmp, 'node/bin')}:/usr/bin:/bin` },
      encoding: 'utf8',
    });
    expect(which.stdout.trim()).toBe(`v${node.version}`);
  });

  it('serves the studio page from the package (its bundle beside the CLI chunks)', async () => {
    const bin = join(app, 'node_modules/.bin/agentcrate');
    const args = [
      'studio',
      'node_modules/agentcrate/examples',
      '--port',
      '0',
      '--store',
      join(tmp, 'studio.db'),
    ];
    const command = hidden
      ? [...HIDE, 'mount -t tmpfs hidden "$1" && shift && exec "$@"', 'sh', ROOT, bin, ...args]
      : [bin, ...args];
    const child = spawn(command[0]!, command.slice(1), {
      cwd: app,
      env: { PATH: `${join(tmp, 'node/bin')}:/usr/local/bin:/usr/bin:/bin`, HOME: tmp, NO_COLOR: '1' },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    try {
      let stderr = '';
      const url = await new Promise<string>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`no studio URL in time:\n${stderr}`)), 60_000);
        child.stderr.on('data', (chunk: Buffer) => {
          stderr += chunk.toString();
          const m = /(http:\/\/127\.0\.0\.1:\d+)\/\?token=([\w-]+)/.exec(stderr);
          if (m) {
            clearTimeout(timer);
            resolve(`${m[1]}|${m[2]}`);
          }
        });
        child.once('exit', (code) => reject(new Error(`studio exited with ${code}:\n${stderr}`)));
      });
      const [base, token] = url.split('|') as [string, string];
      const auth = { authorization: `Bearer ${token}` };
      const js = await fetch(`${base}/assets/app.js`, { headers: auth });
      expect(js.status).toBe(200);
      expect((await js.text()).length).toBeGreaterThan(100_000);
      const list = (await (await fetch(`${base}/api/workflows`, { headers: auth })).json()) as {
        workflows: Array<{ name: string; valid: boolean }>;
      };
      expect(list.workflows).toContainEqual(
        expect.objectContaining({ name: 'research-brief.yaml', valid: true }),
      );
      expect((await fetch(`${base}/api/workflows`)).status).toBe(401);
    } finally {
      child.kill('SIGTERM');
      await new Promise((r) => child.once('exit', r));
    }
  }, 90_000);

  it('validate and run --dry-run the example it ships', () => {
    const example = 'node_modules/agentcrate/examples/research-brief.yaml';
    const valid = agentcrate(['validate', example]);
    expect(valid.code, valid.stderr).toBe(0);
    expect(valid.stderr).toMatch(/is valid: 'research_brief'/);
    const run = agentcrate(['run', example, '--dry-run', '--json', '-i', 'topic=AI']);
    expect(run.code, run.stderr).toBe(0);
    expect(JSON.parse(run.stdout)).toMatchObject({ status: 'success', outputs: { topic: 'AI' } });
    expect(`${valid.stderr}${run.stderr}`).not.toMatch(/ExperimentalWarning/);
  });

  it('deploy --with-gateway --generate writes the stack with the prebuilt gateway bundle', () => {
    const out = join(app, 'stack');
    const r = agentcrate([
      'deploy',
      'node_modules/agentcrate/examples/research-brief.yaml',
      '--with-gateway',
      '--generate',
      '--output',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    for (const f of ['docker-compose.yml', 'gateway.yaml', 'interactive-test.mjs', 'gateway/Dockerfile'])
      expect(existsSync(join(out, f)), f).toBe(true);
    const bundle = readFileSync(join(out, 'gateway', 'gateway.cjs'), 'utf8');
    expect(bundle).toContain('agentcrate gateway serving');
    expect(bundle).not.toContain(ROOT);
  });

  it('deploy --generate writes the artifacts and the prebuilt server bundle, nothing else', () => {
    const out = join(app, 'generated');
    const r = agentcrate([
      'deploy',
      'node_modules/agentcrate/examples/research-brief.yaml',
      '--generate',
      '--output',
      out,
    ]);
    expect(r.code, r.stderr).toBe(0);
    const files = readdirSync(out).sort();
    expect(files).toEqual([
      '.dockerignore',
      '.env.example',
      'Dockerfile',
      'Makefile',
      'README.md',
      'chunks',
      'data',
      'docker-compose.prod.yml',
      'docker-compose.yml',
      'server.mjs',
      'workflow.yaml',
    ]);
    const bundle = readFileSync(join(out, 'server.mjs'), 'utf8');
    expect(bundle).toContain(pkg.version);
    expect(bundle).not.toContain(ROOT);
    expect(readdirSync(join(out, 'chunks')).length).toBeGreaterThan(0);
  });

  describe.skipIf(dockerSkip !== undefined)(
    `a real deploy from the package${announceSkip('a real deploy from the packed package', dockerSkip)}`,
    () => {
      afterAll(() => {
        tryDocker('rm', '-f', '-v', NAME);
        tryDocker('image', 'rm', '-f', `${NAME}:latest`);
        tryDocker('volume', 'rm', '-f', `${NAME}-data`);
      });

      it('builds, runs and serves the example, then ps and rm manage it', async () => {
        writeFileSync(join(app, '.env'), 'AGENTCRATE_DRY_RUN=1\n');
        const port = await freePort();
        const r = agentcrate([
          'deploy',
          'node_modules/agentcrate/examples/research-brief.yaml',
          '--name',
          NAME,
          '--base-image',
          TEST_BASE_IMAGE,
          '--port',
          String(port),
          '--output',
          join(app, 'deploy'),
        ]);
        expect(r.code, r.stderr).toBe(0);
        expect(r.stdout).toContain(`${NAME} is running and healthy`);
        const res = await fetch(`http://127.0.0.1:${port}/run`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ topic: 'tides' }),
        });
        expect(res.status).toBe(200);
        expect(await res.json()).toMatchObject({ status: 'success', outputs: { topic: 'tides' } });
        const ps = agentcrate(['ps']);
        expect(ps.stdout).toMatch(new RegExp(`${NAME}\\s+research_brief\\s+running`));
        const rm = agentcrate(['rm', NAME, '--volumes']);
        expect(rm.code, rm.stderr).toBe(0);
        expect(tryDocker('container', 'inspect', NAME)).toBeUndefined();
      }, 240_000);

      it.skipIf(tryDocker('image', 'inspect', ONESHOT_BASE) === undefined)(
        `build and exec a one-shot image from the package's prebuilt runner kit${announceSkip(
          'a one-shot image from the packed package',
          tryDocker('image', 'inspect', ONESHOT_BASE) === undefined
            ? `the one-shot base ${ONESHOT_BASE} is missing (scripts/docker/build-oneshot-base.sh builds it)`
            : undefined,
        )}`,
        () => {
          const tag = `${NAME}-oneshot:1`;
          try {
            const flow = 'node_modules/agentcrate/examples/research-brief.yaml';
            const built = agentcrate(['build', flow, '-t', tag, '--json', '--output', join(app, 'build')]);
            expect(built.code, built.stderr).toBe(0);
            expect(JSON.parse(built.stdout)).toMatchObject({
              image: tag,
              built: true,
              providers: ['google'],
            });
            const run = agentcrate(['exec', flow, '{"topic": "tides"}', '--dry-run', '-t', tag]);
            expect(run.code, run.stderr).toBe(0);
            expect(JSON.parse(run.stdout)).toMatchObject({ status: 'success', outputs: { topic: 'tides' } });
          } finally {
            tryDocker('image', 'rm', tag);
          }
        },
        240_000,
      );
    },
  );
});
