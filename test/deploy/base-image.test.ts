/**
 * `deploy` where the engine cannot get the base image (no registry access): the error says how
 * to get one without a registry — the local base script and --base-image. The unreachable
 * registry is on loopback (refused before anything leaves the machine).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { CLEAN_ENV, ROOT, runCli } from '../support/cli.js';
import { announceSkip, tryDocker } from '../support/docker.js';

const skip =
  tryDocker('version', '--format', '{{.Server.Version}}') === undefined
    ? 'no Docker engine answers (scripts/docker/ensure-docker.sh starts one)'
    : undefined;
const dir = mkdtempSync(join(tmpdir(), 'agentcrate-base-image-'));
const name = `ac-base-image-${process.pid}`;

afterAll(() => {
  tryDocker('rm', '-f', '-v', name);
  tryDocker('image', 'rm', '-f', `${name}:latest`);
  rmSync(dir, { recursive: true, force: true });
});

describe.skipIf(skip !== undefined)(
  `deploy without the base image${announceSkip('deploy without the base image', skip)}`,
  () => {
    it('names the base image it could not get and suggests the local base script and --base-image (exit 1)', async () => {
      const env = join(dir, 'env');
      writeFileSync(env, 'GOOGLE_API_KEY=test-key-not-used\n');
      const unreachable = '127.0.0.1:1/agentcrate-no-such-base:24';
      const r = await runCli(
        [
          'deploy',
          join(ROOT, 'examples/research-brief.yaml'),
          '--output',
          join(dir, 'out'),
          '--name',
          name,
          '--base-image',
          unreachable,
          '--env-file',
          env,
          '--port',
          '1',
        ],
        { env: CLEAN_ENV },
      );
      expect(r.code, r.stderr).toBe(1);
      expect(r.stderr).toContain(`the engine cannot get the base image ${unreachable}`);
      expect(r.stderr).toMatch(/bash \S*scripts\/docker\/build-base-image\.sh agentcrate-base:24/);
      expect(r.stderr).toMatch(/--base-image agentcrate-base:24/);
      expect(r.stderr).not.toMatch(/\n\s+at /); // no stack trace
      expect(tryDocker('container', 'inspect', name)).toBeUndefined();
    }, 120_000);
  },
);
