/**
 * The generated compose file as a user meets it: `agentcrate deploy --generate`, then
 * `docker-compose up` (Debian's Compose v1; Compose v2 too where `docker compose` exists) in a
 * real engine — before and after `cp .env.example .env` — with the image built FROM the local
 * base image. The job store volume has the name `agentcrate deploy` and `make run` use.
 */
import { execFileSync, spawnSync } from 'node:child_process';
import { appendFileSync, copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLEAN_ENV, ROOT, runCli } from '../support/cli.js';
import { announceSkip, dockerSkipReason, TEST_BASE_IMAGE, tryDocker } from '../support/docker.js';
import { freePort } from './ports.js';

const composeV1 = spawnSync('docker-compose', ['version'], { stdio: 'ignore' }).status === 0;
const composeV2 = spawnSync('docker', ['compose', 'version'], { stdio: 'ignore' }).status === 0;
const skip =
  dockerSkipReason() ??
  (composeV1 || composeV2 ? undefined : 'neither docker-compose (v1) nor docker compose (v2) is installed');
const id = `${process.pid}-${Date.now().toString(36)}`;

async function healthy(url: string, timeoutMs: number): Promise<boolean> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const ok = await fetch(url, { signal: AbortSignal.timeout(1000) }).then(
      (r) => r.status === 200,
      () => false,
    );
    if (ok) return true;
    await new Promise((r) => setTimeout(r, 250));
  }
  return false;
}

const flavours = [
  { label: 'docker-compose (v1)', available: composeV1, command: ['docker-compose'] },
  { label: 'docker compose (v2)', available: composeV2, command: ['docker', 'compose'] },
];

describe.skipIf(skip !== undefined)(
  `the generated compose file${announceSkip('the generated compose file', skip)}`,
  () => {
    for (const flavour of flavours) {
      describe.skipIf(!flavour.available)(
        `${flavour.label}${flavour.available ? '' : announceSkip(`compose with ${flavour.label}`, 'not installed')}`,
        () => {
          const name = `ac-compose-${flavour.command.length}-${id}`;
          let dir = '';
          let port = 0;
          const compose = (...args: string[]) =>
            execFileSync(flavour.command[0]!, [...flavour.command.slice(1), ...args], {
              cwd: dir,
              encoding: 'utf8',
              stdio: ['ignore', 'pipe', 'pipe'],
              env: { ...process.env, COMPOSE_PROJECT_NAME: name },
            });

          beforeAll(async () => {
            dir = join(mkdtempSync(join(tmpdir(), 'agentcrate-compose-')), 'deploy');
            port = await freePort();
            const generated = await runCli(
              [
                'deploy',
                join(ROOT, 'examples/research-brief.yaml'),
                '--generate',
                '--output',
                dir,
                '--name',
                name,
                '--port',
                String(port),
                '--base-image',
                TEST_BASE_IMAGE,
              ],
              { env: CLEAN_ENV },
            );
            expect(generated.code, generated.stderr).toBe(0);
          }, 60_000);

          afterAll(() => {
            if (dir && existsSync(dir)) {
              spawnSync(flavour.command[0]!, [...flavour.command.slice(1), 'down', '-v', '--rmi', 'local'], {
                cwd: dir,
                stdio: 'ignore',
                env: { ...process.env, COMPOSE_PROJECT_NAME: name },
              });
              rmSync(join(dir, '..'), { recursive: true, force: true });
            }
            tryDocker('rm', '-f', '-v', name);
            tryDocker('volume', 'rm', '-f', `${name}-data`);
            tryDocker('image', 'rm', '-f', `${name}:latest`);
          });

          it('is valid without .env (no mandatory env file) and has no obsolete version key', () => {
            expect(existsSync(join(dir, '.env'))).toBe(false);
            expect(compose('config')).toContain(name);
            for (const file of ['docker-compose.yml', 'docker-compose.prod.yml']) {
              expect(readFileSync(join(dir, file), 'utf8')).not.toMatch(/^version:/m);
            }
            expect(compose('-f', 'docker-compose.prod.yml', 'config')).toMatch(/read_only: true/);
          });

          it('up after cp .env.example .env: builds, becomes healthy, keeps jobs in the named volume', async () => {
            copyFileSync(join(dir, '.env.example'), join(dir, '.env'));
            compose('up', '-d', '--build');
            expect(await healthy(`http://127.0.0.1:${port}/health`, 60_000)).toBe(true);
            // The same volume name as agentcrate deploy and make run: no project prefix.
            expect(tryDocker('volume', 'inspect', `${name}-data`)).toBeDefined();
            // The copied example leaves the credential empty: runs are refused, naming it.
            const refused = await fetch(`http://127.0.0.1:${port}/run`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ topic: 'tides' }),
            });
            expect(await refused.text()).toMatch(/GOOGLE_API_KEY/);
          }, 120_000);

          it('a variable set in .env reaches the container', async () => {
            appendFileSync(join(dir, '.env'), 'AGENTCRATE_DRY_RUN=1\n');
            compose('up', '-d');
            expect(await healthy(`http://127.0.0.1:${port}/health`, 60_000)).toBe(true);
            const res = await fetch(`http://127.0.0.1:${port}/run`, {
              method: 'POST',
              headers: { 'content-type': 'application/json' },
              body: JSON.stringify({ topic: 'tides' }),
            });
            expect(res.status).toBe(200);
            expect(await res.json()).toMatchObject({ status: 'success', outputs: { topic: 'tides' } });
          }, 120_000);
        },
      );
    }
  },
);
