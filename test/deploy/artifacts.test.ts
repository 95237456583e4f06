import { execFileSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdtempSync, readFileSync, rmSync, statSync, utimesSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { contentHash, generateArtifacts, renderArtifacts } from '../../src/deploy/artifacts.js';
import { dockerfileQuote } from '../../src/deploy/dockerfile.js';
import { announceSkip } from '../support/docker.js';
import {
  echoOptions,
  FIXTURES_DIR,
  FIXTURES_PRESENT,
  FIXTURES_SKIP,
  loadFixture,
  loadSource,
  TEST_BASE_IMAGE,
} from './helpers.js';

const tmp = mkdtempSync(join(tmpdir(), 'agentcrate-artifacts-'));
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

const MINIMAL = `schema_version: "1.0"
flow: {name: minimal}
state:
  fields:
    topic: {type: str, required: true}
    out: {type: str, default: ""}
nodes:
  - {id: n, prompt: "{topic}", outputs: [out], output_schema: {type: str}}
edges:
  - {from: START, to: n}
  - {from: n, to: END}
`;

// Without ../shared the fixture-based suites below are skipped (and say so); nothing is loaded.
const echo = FIXTURES_PRESENT ? loadFixture('echo.yaml') : loadSource(MINIMAL);
const typed = FIXTURES_PRESENT ? loadFixture('type_enforcement.yaml') : loadSource(MINIMAL);

const variants = {
  echo: echoOptions(echo, join(tmp, 'echo')),
  // No env vars, no traces, custom base image and port, explicit --name.
  'type-enforcement': echoOptions(typed, join(tmp, 'typed'), {
    port: 9100,
    traces: false,
    envVars: [],
    baseImage: TEST_BASE_IMAGE,
    name: 'typed-demo',
    timeoutSeconds: 5,
    exampleInput: { topic: 'solar power' },
  }),
};

describe.skipIf(!FIXTURES_PRESENT)(`generated artifacts (file snapshots)${FIXTURES_SKIP}`, () => {
  for (const [label, opts] of Object.entries(variants)) {
    const rendered = renderArtifacts(opts);
    for (const file of rendered.files) {
      if (file.path === 'workflow.yaml' || file.path === 'data/.gitkeep') continue;
      it(`${label}: ${file.path}`, async () => {
        await expect(file.content).toMatchFileSnapshot(`__snapshots__/${label}/${file.path}.snap`);
      });
    }
  }
});

describe.skipIf(!FIXTURES_PRESENT)(`generateArtifacts${FIXTURES_SKIP}`, () => {
  it('writes every file, bakes the exact workflow source and an empty data/ dir', () => {
    const out = join(tmp, 'write');
    const result = generateArtifacts(echoOptions(echo, out));
    expect(result.files.map((f) => f.slice(out.length + 1)).sort()).toEqual(
      [
        '.dockerignore',
        '.env.example',
        'Dockerfile',
        'Makefile',
        'README.md',
        'data/.gitkeep',
        'docker-compose.prod.yml',
        'docker-compose.yml',
        'workflow.yaml',
      ].sort(),
    );
    expect(readFileSync(join(out, 'workflow.yaml'), 'utf8')).toBe(echo.source);
    expect(readFileSync(join(out, 'data/.gitkeep'), 'utf8')).toBe('');
    expect(result).toMatchObject({
      imageName: 'echo:latest',
      containerName: 'echo',
      volumeName: 'echo-data',
    });
  });

  // Its speed goal (≤ 20 ms) is measured by bench/deploy.mjs, not here: no test depends on the
  // machine's speed.
  it('is deterministic, and regenerating unchanged artifacts rewrites nothing', () => {
    const opts = echoOptions(typed, join(tmp, 'same'));
    const first = renderArtifacts(opts);
    expect(renderArtifacts(opts)).toEqual(first);
    const written = generateArtifacts(opts);
    const mtimes = () => written.files.map((f) => statSync(f).mtimeMs);
    const before = mtimes();
    // Old enough that a rewrite, however fast, would show in the modification times.
    for (const f of written.files) utimesSync(f, new Date(1_000_000), new Date(1_000_000));
    const stamped = mtimes();
    expect(stamped).not.toEqual(before);
    generateArtifacts(opts);
    expect(mtimes()).toEqual(stamped);
  });

  it('the content hash covers the workflow source and the bundle', () => {
    const a = contentHash(echo.source, 'x');
    expect(a).toMatch(/^[0-9a-f]{64}$/);
    expect(contentHash(`${echo.source}#`, 'x')).not.toBe(a);
    expect(contentHash(echo.source, 'y')).not.toBe(a);
    expect(renderArtifacts(echoOptions(echo, tmp, { bundleSha256: 'y' })).contentHash).toBe(
      contentHash(echo.source, 'y'),
    );
  });

  it('.env.example lists names and never values; optional ones commented out', () => {
    const env = renderArtifacts(variants.echo).files.find((f) => f.path === '.env.example')?.content ?? '';
    expect(env).toMatch(/^GOOGLE_API_KEY=$/m);
    expect(env).toMatch(/^# AGENTCRATE_API_KEYS=$/m);
    for (const line of env.split('\n')) {
      if (!line.startsWith('#') && line.includes('=')) expect(line).toMatch(/^[A-Z_]+=$/);
    }
  });

  it('rejects a bad port and timeout with usage errors', () => {
    expect(() => renderArtifacts(echoOptions(echo, tmp, { port: 70000 }))).toThrow(/invalid --port 70000/);
    expect(() => renderArtifacts(echoOptions(echo, tmp, { timeoutSeconds: 0 }))).toThrow(/invalid --timeout/);
  });

  it('escapes label values so quotes, $ and newlines in a description cannot break the Dockerfile', () => {
    expect(dockerfileQuote('a "b" $HOME \\ x\n  y')).toBe('"a \\"b\\" \\$HOME \\\\ x y"');
    const source = echo.source.replace(
      'description: Minimal echo workflow - the simplest possible example',
      'description: "say \\"hi\\" for $5\\nthen stop"',
    );
    const wf = loadSource(source);
    const dockerfile = renderArtifacts(echoOptions(wf, tmp)).files[0]?.content ?? '';
    expect(dockerfile).toContain('org.opencontainers.image.description="say \\"hi\\" for \\$5 then stop"');
  });
});

const composeBin = ['/usr/bin/docker-compose', '/usr/local/bin/docker-compose'].find((p) => existsSync(p));

describe.skipIf(composeBin === undefined || !FIXTURES_PRESENT)(
  `docker-compose config (v1) accepts both compose files${announceSkip(
    'docker-compose config (v1)',
    composeBin === undefined
      ? 'docker-compose is not installed (apt-get install docker-compose)'
      : FIXTURES_PRESENT
        ? undefined
        : `the shared fixtures are absent at ${FIXTURES_DIR}`,
  )}`,
  () => {
    for (const [label, opts] of Object.entries(variants)) {
      it(`${label}: docker-compose.yml and docker-compose.prod.yml`, () => {
        const dir = join(tmp, `compose-${label}`);
        generateArtifacts({ ...opts, outDir: dir });
        // The README's first step: cp .env.example .env.
        copyFileSync(join(dir, '.env.example'), join(dir, '.env'));
        for (const file of ['docker-compose.yml', 'docker-compose.prod.yml']) {
          const out = execFileSync(composeBin as string, ['-f', file, 'config'], {
            cwd: dir,
            encoding: 'utf8',
          });
          expect(out).toContain('unless-stopped');
          if (file.includes('prod')) expect(out).toMatch(/read_only: true[\s\S]*no-new-privileges/);
        }
      });
    }
  },
);
