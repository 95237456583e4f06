// The packed CLI's bundle defers dockerode's rarely used modules as a checkout does: bundled
// with the plugin, loading dockerode does not evaluate its BuildKit session (whose gRPC loads
// Node's http2), and the stand-ins still work when used. Run in a fresh process.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { build } from 'esbuild';
import { afterAll, describe, expect, it } from 'vitest';
import { BUNDLE_BANNER, BUNDLE_EXTERNALS } from '../../../src/deploy/bundle.js';
import { deferModulesPlugin } from '../../../src/deploy/runtime/defer-plugin.js';

const ROOT = join(import.meta.dirname, '../../..');
const tmp = mkdtempSync(join(tmpdir(), 'agentcrate-defer-plugin-'));

const ENTRY = `
import Docker from 'dockerode';
import tar from 'tar-fs';
import HttpDuplex from 'docker-modem/lib/http_duplex.js';
import { PassThrough } from 'node:stream';
const has = (name) => process.moduleLoadList.includes('NativeModule ' + name);
new Docker({ socketPath: '/nonexistent.sock' });
const http2AfterDockerode = has('http2');
const answer = new PassThrough();
const duplex = new HttpDuplex(new PassThrough(), answer);
answer.end('hello');
const read = await new Promise((resolve) => duplex.once('data', (c) => resolve(String(c))));
const tarBytes = await new Promise((resolve) => {
  let n = 0;
  const packed = tar.pack(${JSON.stringify(join(ROOT, 'bin'))});
  packed.on('data', (c) => (n += c.length));
  packed.on('end', () => resolve(n));
});
process.stdout.write(JSON.stringify({ http2AfterDockerode, read, tarBytes }));
`;

async function bundle(plugins: import('esbuild').Plugin[], name: string): Promise<Record<string, unknown>> {
  const outfile = join(tmp, `${name}.mjs`);
  await build({
    stdin: { contents: ENTRY, resolveDir: ROOT, sourcefile: 'entry.mjs', loader: 'js' },
    bundle: true,
    platform: 'node',
    format: 'esm',
    outfile,
    banner: { js: BUNDLE_BANNER },
    external: [...BUNDLE_EXTERNALS],
    logLevel: 'error',
    plugins,
  });
  return JSON.parse(execFileSync(process.execPath, [outfile], { encoding: 'utf8' })) as Record<
    string,
    unknown
  >;
}

describe('the packed CLI defers dockerode’s rarely used modules', () => {
  afterAll(() => rmSync(tmp, { recursive: true, force: true }));

  it('with the plugin: gRPC is not evaluated with dockerode; the duplex and tar-fs work', async () => {
    expect(await bundle([deferModulesPlugin()], 'deferred')).toEqual({
      http2AfterDockerode: false,
      read: 'hello',
      tarBytes: expect.any(Number),
    });
  }, 60_000);

  it('without it, dockerode evaluates its BuildKit session at once (what the test above guards against)', async () => {
    expect(await bundle([], 'eager')).toMatchObject({ http2AfterDockerode: true, read: 'hello' });
  }, 60_000);
});
