/**
 * `agentcrate deploy --push/--platform` against a real Docker engine and a fake registry that
 * speaks just enough of the Distribution API v2 for `docker push` (the daemon treats
 * 127.0.0.0/8 registries as plain http). Parsing and credential lookup are tested without
 * an engine. Skipped, saying why, when the engine, the base image or the built CLI is missing.
 */
import { createHash, randomUUID } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parsePlatforms, planPlatforms } from '../../src/deploy/platform.js';
import { parsePushTarget, pushTags, redact, registryCredentials } from '../../src/deploy/push.js';
import { AgentcrateError } from '../../src/errors.js';
import { CLEAN_ENV, ROOT, runCli } from '../support/cli.js';
import { announceSkip, dockerSkipReason, tryDocker } from '../support/docker.js';
import { FIXTURES_DIR, TEST_BASE_IMAGE } from './helpers.js';
import { freePort } from './ports.js';

// ---------------------------------------------------------------- fake registry

interface Manifest {
  body: Buffer;
  contentType: string;
  digest: string;
}

interface FakeRegistry {
  url: string;
  host: string;
  blobs: Map<string, Buffer>;
  /** `name:ref` → manifest, for tags and digests. */
  manifests: Map<string, Manifest>;
  /** Authorization headers seen (to check credentials were forwarded). */
  authorizations: string[];
  close(): Promise<void>;
}

const sha256 = (b: Buffer) => `sha256:${createHash('sha256').update(b).digest('hex')}`;

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => resolve(Buffer.concat(chunks)));
    req.on('error', reject);
  });
}

/**
 * `mode: 'open'` accepts anyone; `basic` wants these credentials; `deny` answers 401 to all.
 */
async function startRegistry(
  mode: { kind: 'open' } | { kind: 'basic'; user: string; password: string } | { kind: 'deny' },
): Promise<FakeRegistry> {
  const blobs = new Map<string, Buffer>();
  const manifests = new Map<string, Manifest>();
  const uploads = new Map<string, Buffer[]>();
  const authorizations: string[] = [];
  const expected =
    mode.kind === 'basic' ? `Basic ${Buffer.from(`${mode.user}:${mode.password}`).toString('base64')}` : '';

  const handle = async (req: IncomingMessage, res: ServerResponse): Promise<void> => {
    const url = new URL(req.url ?? '/', 'http://registry');
    const path = url.pathname;
    const method = req.method ?? 'GET';
    const body = await readBody(req);
    if (req.headers.authorization) authorizations.push(req.headers.authorization);
    res.setHeader('Docker-Distribution-API-Version', 'registry/2.0');
    const send = (status: number, headers: Record<string, string> = {}, payload?: Buffer | string) => {
      res.writeHead(status, headers);
      res.end(method === 'HEAD' ? undefined : payload);
    };
    const denied = mode.kind === 'deny' || (mode.kind === 'basic' && req.headers.authorization !== expected);
    if (denied) {
      send(
        401,
        { 'WWW-Authenticate': 'Basic realm="fake-registry"', 'Content-Type': 'application/json' },
        JSON.stringify({ errors: [{ code: 'UNAUTHORIZED', message: 'authentication required' }] }),
      );
      return;
    }
    if (path === '/v2/' || path === '/v2') return send(200, { 'Content-Type': 'application/json' }, '{}');

    let m = /^\/v2\/(.+)\/blobs\/uploads\/?$/.exec(path);
    if (m && method === 'POST') {
      const uuid = randomUUID();
      uploads.set(uuid, []);
      return send(202, {
        Location: `/v2/${m[1]}/blobs/uploads/${uuid}`,
        'Docker-Upload-UUID': uuid,
        Range: '0-0',
        'Content-Length': '0',
      });
    }
    m = /^\/v2\/(.+)\/blobs\/uploads\/([^/]+)$/.exec(path);
    if (m) {
      const [, name, uuid] = m as unknown as [string, string, string];
      const parts = uploads.get(uuid);
      if (parts === undefined) return send(404, {}, 'unknown upload');
      if (body.length > 0) parts.push(body);
      const size = parts.reduce((n, p) => n + p.length, 0);
      if (method === 'PATCH') {
        return send(202, {
          Location: `/v2/${name}/blobs/uploads/${uuid}`,
          'Docker-Upload-UUID': uuid,
          Range: `0-${Math.max(0, size - 1)}`,
          'Content-Length': '0',
        });
      }
      if (method === 'PUT') {
        const digest = url.searchParams.get('digest') ?? '';
        const blob = Buffer.concat(parts);
        if (sha256(blob) !== digest) return send(400, {}, `digest mismatch: ${digest}`);
        uploads.delete(uuid);
        blobs.set(digest, blob);
        return send(201, {
          Location: `/v2/${name}/blobs/${digest}`,
          'Docker-Content-Digest': digest,
          'Content-Length': '0',
        });
      }
    }
    m = /^\/v2\/(.+)\/blobs\/(sha256:[0-9a-f]{64})$/.exec(path);
    if (m && (method === 'HEAD' || method === 'GET')) {
      const blob = blobs.get(m[2] as string);
      if (blob === undefined) return send(404, { 'Content-Length': '0' });
      return send(
        200,
        {
          'Content-Length': String(blob.length),
          'Docker-Content-Digest': m[2] as string,
          'Content-Type': 'application/octet-stream',
        },
        blob,
      );
    }
    m = /^\/v2\/(.+)\/manifests\/([^/]+)$/.exec(path);
    if (m) {
      const [, name, ref] = m as unknown as [string, string, string];
      if (method === 'PUT') {
        const digest = sha256(body);
        const entry = {
          body,
          contentType: String(req.headers['content-type'] ?? ''),
          digest,
        };
        manifests.set(`${name}:${ref}`, entry);
        manifests.set(`${name}:${digest}`, entry);
        return send(201, {
          Location: `/v2/${name}/manifests/${digest}`,
          'Docker-Content-Digest': digest,
          'Content-Length': '0',
        });
      }
      const found = manifests.get(`${name}:${ref}`);
      if (found === undefined) return send(404, { 'Content-Type': 'application/json' }, '{"errors":[]}');
      return send(
        200,
        {
          'Content-Type': found.contentType,
          'Content-Length': String(found.body.length),
          'Docker-Content-Digest': found.digest,
        },
        found.body,
      );
    }
    send(404, {}, 'not found');
  };

  const server: Server = createServer((req, res) => {
    handle(req, res).catch((err: unknown) => {
      res.writeHead(500);
      res.end(String(err));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    host: `127.0.0.1:${port}`,
    blobs,
    manifests,
    authorizations,
    close: () =>
      new Promise((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------- no engine needed

describe('--push and --platform parsing', () => {
  it('splits REGISTRY/REPO the way Docker does and refuses tags and bad names', () => {
    expect(parsePushTarget('127.0.0.1:5000/acme/echo')).toEqual({
      registry: '127.0.0.1:5000',
      path: 'acme/echo',
      repository: '127.0.0.1:5000/acme/echo',
    });
    expect(parsePushTarget('ghcr.io/acme/echo').registry).toBe('ghcr.io');
    expect(parsePushTarget('acme/echo')).toMatchObject({ registry: 'docker.io', repository: 'acme/echo' });
    expect(() => parsePushTarget('ghcr.io/acme/echo:v1')).toThrow(/has a tag/);
    expect(() => parsePushTarget('ghcr.io/Acme/echo')).toThrow(/'Acme' is not a valid repository name/);
    expect(() => parsePushTarget('https://ghcr.io/acme')).toThrow(/not a repository/);
    expect(pushTags('0123456789abcdef')).toEqual(['0123456789ab', 'latest']);
  });

  it('reads credentials from the environment or the Docker config, and redacts the password', () => {
    const dir = mkdtempSync(join(tmpdir(), 'agentcrate-dockercfg-'));
    try {
      writeFileSync(
        join(dir, 'config.json'),
        JSON.stringify({
          auths: {
            'https://ghcr.io': { auth: Buffer.from('octo:s3cr:et').toString('base64') },
            '127.0.0.1:5000': { username: 'u', password: 'p' },
          },
        }),
      );
      const env = { DOCKER_CONFIG: dir };
      expect(registryCredentials('ghcr.io', { env })).toEqual({
        username: 'octo',
        password: 's3cr:et',
        serveraddress: 'ghcr.io',
      });
      expect(registryCredentials('127.0.0.1:5000', { env })?.username).toBe('u');
      expect(registryCredentials('quay.io', { env })).toBeUndefined();
      const explicit = registryCredentials('ghcr.io', {
        env: { ...env, AGENTCRATE_REGISTRY_USER: 'bot', AGENTCRATE_REGISTRY_PASSWORD: 'pw' },
      });
      expect(explicit).toEqual({ username: 'bot', password: 'pw', serveraddress: 'ghcr.io' });
      expect(() => registryCredentials('ghcr.io', { env: { AGENTCRATE_REGISTRY_USER: 'bot' } })).toThrow(
        /AGENTCRATE_REGISTRY_PASSWORD is not/,
      );
      expect(redact('denied for s3cr:et', { password: 's3cr:et', serveraddress: 'x' })).toBe(
        'denied for [REDACTED]',
      );
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('validates platforms and requires --push and buildx for several', async () => {
    expect(parsePlatforms('linux/amd64, linux/arm64,linux/amd64')).toEqual(['linux/amd64', 'linux/arm64']);
    expect(() => parsePlatforms('amd64')).toThrow(/OS\/ARCH/);
    expect(await planPlatforms(['linux/amd64'], { push: false })).toEqual({
      kind: 'engine',
      platform: 'linux/amd64',
    });
    await expect(planPlatforms(['linux/amd64', 'linux/arm64'], { push: false })).rejects.toThrow(
      /cannot be loaded into the local engine: add --push/,
    );
    const noBuildx = planPlatforms(['linux/amd64', 'linux/arm64'], {
      push: true,
      buildxAvailable: async () => false,
    });
    await expect(noBuildx).rejects.toBeInstanceOf(AgentcrateError);
    await expect(noBuildx).rejects.toThrow(/multi-platform builds need docker buildx/);
    expect(
      await planPlatforms(['linux/amd64', 'linux/arm64'], { push: true, buildxAvailable: async () => true }),
    ).toEqual({ kind: 'buildx', platforms: ['linux/amd64', 'linux/arm64'] });
  });
});

// ---------------------------------------------------------------- real engine

const ECHO_FIXTURE = existsSync(join(FIXTURES_DIR, 'echo.yaml'))
  ? join(FIXTURES_DIR, 'echo.yaml')
  : join(ROOT, 'examples/research-brief.yaml');

function whySkip(): string | undefined {
  if (!existsSync(ECHO_FIXTURE)) return `no workflow to deploy (${ECHO_FIXTURE})`;
  if (!existsSync(join(ROOT, 'dist/cli/main.js'))) return 'the CLI is not built (node scripts/build.mjs)';
  return dockerSkipReason();
}

const skip = whySkip();
const skipNote = announceSkip('agentcrate deploy --push/--platform in a real Docker engine', skip);
const hasBuildx = skip === undefined && tryDocker('buildx', 'version') !== undefined;
const id = `${process.pid}-${Date.now().toString(36)}`;
const PUSHED = `ac-push-${id}`;
const DENIED = `ac-push-denied-${id}`;
const PLATFORM = `ac-platform-${id}`;
const MULTI = `ac-multi-${id}`;
const ALL_NAMES = [PUSHED, DENIED, PLATFORM, MULTI];
const PASSWORD = 'registry-pass-Zq81x';

describe.skipIf(skip !== undefined)(
  `agentcrate deploy --push/--platform in a real Docker engine${skipNote}`,
  () => {
    let tmp = '';
    let envFile = '';
    const registries: FakeRegistry[] = [];

    const deployArgs = async (name: string, out: string, extra: string[]) => [
      'deploy',
      ECHO_FIXTURE,
      '--name',
      name,
      '--base-image',
      TEST_BASE_IMAGE,
      '--network',
      'host',
      '--port',
      String(await freePort()),
      '--env-file',
      envFile,
      '--output',
      out,
      ...extra,
    ];

    beforeAll(() => {
      tmp = mkdtempSync(join(tmpdir(), 'agentcrate-push-'));
      envFile = join(tmp, 'dry-run.env');
      writeFileSync(envFile, 'AGENTCRATE_DRY_RUN=1\n');
    });

    afterAll(async () => {
      for (const name of ALL_NAMES) {
        tryDocker('rm', '-f', '-v', name);
        tryDocker('image', 'rm', '-f', `${name}:latest`);
        tryDocker('volume', 'rm', '-f', `${name}-data`);
      }
      // The tags made for pushing point at our registries' ports; nothing else has those.
      const refs = (tryDocker('images', '--format', '{{.Repository}}:{{.Tag}}') ?? '').split('\n');
      for (const ref of refs) {
        if (registries.some((r) => ref.startsWith(`${r.host}/`))) tryDocker('image', 'rm', '-f', ref);
      }
      for (const r of registries) await r.close();
      if (tmp !== '') rmSync(tmp, { recursive: true, force: true });
    }, 60_000);

    it('builds, pushes :<hash12> and :latest with the Docker config credentials, then runs', async () => {
      const registry = await startRegistry({ kind: 'basic', user: 'pusher', password: PASSWORD });
      registries.push(registry);
      const dockerConfig = join(tmp, 'docker-config');
      mkdirSync(dockerConfig);
      writeFileSync(
        join(dockerConfig, 'config.json'),
        JSON.stringify({
          auths: { [registry.host]: { auth: Buffer.from(`pusher:${PASSWORD}`).toString('base64') } },
        }),
      );
      const out = join(tmp, PUSHED);
      const repo = `${registry.host}/acme/echo`;
      const cli = await runCli(await deployArgs(PUSHED, out, ['--push', repo]), {
        env: { ...CLEAN_ENV, DOCKER_CONFIG: dockerConfig },
      });
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.stdout).toContain(`${PUSHED} is running and healthy`);

      const hash =
        tryDocker(
          'image',
          'inspect',
          '--format',
          '{{index .Config.Labels "io.agentcrate.hash"}}',
          `${PUSHED}:latest`,
        )?.trim() ?? '';
      expect(hash).toMatch(/^[0-9a-f]{64}$/);
      const tag = hash.slice(0, 12);
      for (const ref of [`${repo}:${tag}`, `${repo}:latest`]) expect(cli.stdout).toContain(ref);
      expect(cli.stderr).toMatch(/push .*pushed .*acme\/echo:latest/);

      // Both tags name the same manifest, and every blob it references arrived intact.
      const byTag = registry.manifests.get(`acme/echo:${tag}`);
      const latest = registry.manifests.get('acme/echo:latest');
      expect(byTag, [...registry.manifests.keys()].join(', ')).toBeDefined();
      expect(latest?.digest).toBe(byTag?.digest);
      const manifest = JSON.parse((byTag as Manifest).body.toString('utf8')) as {
        config: { digest: string; size: number };
        layers: Array<{ digest: string; size: number }>;
      };
      const referenced = [manifest.config, ...manifest.layers];
      expect(manifest.layers.length).toBeGreaterThan(0);
      for (const d of referenced) {
        const blob = registry.blobs.get(d.digest);
        expect(blob, d.digest).toBeDefined();
        expect(sha256(blob as Buffer)).toBe(d.digest);
        expect(blob?.length).toBe(d.size);
      }
      const config = JSON.parse((registry.blobs.get(manifest.config.digest) as Buffer).toString('utf8')) as {
        config: { Labels: Record<string, string> };
      };
      expect(config.config.Labels['io.agentcrate.hash']).toBe(hash);
      // The daemon authenticated with what the Docker config held; the CLI never printed it.
      expect(registry.authorizations.length).toBeGreaterThan(0);
      expect(`${cli.stdout}${cli.stderr}`).not.toContain(PASSWORD);
      expect(tryDocker('inspect', '--format', '{{.State.Running}}', PUSHED)?.trim()).toBe('true');
    }, 120_000);

    it('a registry that refuses the credentials fails the deploy clearly, without the password', async () => {
      const registry = await startRegistry({ kind: 'deny' });
      registries.push(registry);
      const out = join(tmp, DENIED);
      const cli = await runCli(await deployArgs(DENIED, out, ['--push', `${registry.host}/acme/echo`]), {
        env: { ...CLEAN_ENV, AGENTCRATE_REGISTRY_USER: 'pusher', AGENTCRATE_REGISTRY_PASSWORD: PASSWORD },
      });
      expect(cli.code).not.toBe(0);
      expect(cli.stderr).toContain(`pushing ${registry.host}/acme/echo:`);
      expect(cli.stderr).toMatch(/refused the credentials of pusher/);
      expect(`${cli.stdout}${cli.stderr}`).not.toContain(PASSWORD);
      expect(registry.manifests.size).toBe(0);
      // The push gates the run: nothing was started.
      expect(tryDocker('container', 'inspect', DENIED)).toBeUndefined();
    }, 120_000);

    it('--platform with one platform goes through the engine build and runs', async () => {
      const arch = tryDocker('version', '--format', '{{.Server.Arch}}')?.trim() ?? 'amd64';
      const platform = `linux/${arch}`;
      const cli = await runCli(await deployArgs(PLATFORM, join(tmp, PLATFORM), ['--platform', platform]), {
        env: CLEAN_ENV,
      });
      expect(cli.code, cli.stderr).toBe(0);
      expect(cli.stdout).toContain(`${PLATFORM} is running and healthy`);
      expect(cli.stdout).toContain(`Platform ${platform}`);
      expect(
        tryDocker('image', 'inspect', '--format', '{{.Os}}/{{.Architecture}}', `${PLATFORM}:latest`)?.trim(),
      ).toBe(platform);
    }, 120_000);

    it.skipIf(hasBuildx)(
      'several platforms without buildx: the clear error, nothing written',
      async () => {
        const out = join(tmp, MULTI);
        const cli = await runCli(
          await deployArgs(MULTI, out, [
            '--platform',
            'linux/amd64,linux/arm64',
            '--push',
            '127.0.0.1:1/acme/echo',
          ]),
          { env: CLEAN_ENV },
        );
        expect(cli.code).not.toBe(0);
        expect(cli.stderr).toContain(
          'multi-platform builds need docker buildx (install docker-buildx-plugin',
        );
        expect(existsSync(out)).toBe(false);
      },
      60_000,
    );

    it('several platforms without --push: the clear error, nothing written', async () => {
      const out = join(tmp, `${MULTI}-nopush`);
      const cli = await runCli(await deployArgs(MULTI, out, ['--platform', 'linux/amd64,linux/arm64']), {
        env: CLEAN_ENV,
      });
      expect(cli.code).not.toBe(0);
      expect(cli.stderr).toContain('cannot be loaded into the local engine: add --push');
      expect(existsSync(out)).toBe(false);
    }, 60_000);
  },
);
