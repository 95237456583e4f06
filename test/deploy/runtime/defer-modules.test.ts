// dockerode's heavy, rarely used parts (the BuildKit session's gRPC, the SSH transport, the
// hijacked attach's readable-stream, tar-fs) are not
// loaded with the Docker runtime, and still work when called. Run in a fresh process: the
// require cache is per process.
import { execFileSync } from 'node:child_process';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = join(import.meta.dirname, '../../..');

function inFreshProcess(script: string): Record<string, unknown> {
  const out = execFileSync(process.execPath, ['--input-type=module', '-e', script], {
    cwd: ROOT,
    encoding: 'utf8',
  });
  return JSON.parse(out) as Record<string, unknown>;
}

const LOADED = `
const loaded = (name) => Object.keys(require.cache).some((f) => f.includes('/node_modules/' + name + '/'));
`;

describe('the Docker runtime loads dockerode without its heavy parts', () => {
  it('leaves @grpc/grpc-js, protobufjs and ssh2 unloaded until called, then loads the real one', () => {
    const result = inFreshProcess(`
      import { createRequire } from 'node:module';
      const require = createRequire(${JSON.stringify(join(ROOT, 'package.json'))});
      ${LOADED}
      const { DockerRuntime } = await import('./dist/deploy/runtime/docker.js');
      const { deferredFiles } = await import('./dist/deploy/runtime/defer-modules.js');
      new DockerRuntime();
      const before = {
        grpc: loaded('@grpc/grpc-js'),
        protobuf: loaded('protobufjs'),
        ssh2: loaded('ssh2'),
        readableStream: loaded('readable-stream'),
        tarStream: loaded('tar-stream'),
      };
      // docker-modem's SSH transport through dockerode's own modem: the stand-in loads ssh2.
      const fromDockerode = createRequire(require.resolve('dockerode'));
      const ssh = fromDockerode(fromDockerode.resolve('docker-modem/lib/ssh.js'));
      const agent = ssh({ host: '127.0.0.1' });
      // The hijacked attach's duplex, constructed through the stand-in: the real class.
      const HttpDuplex = fromDockerode(fromDockerode.resolve('docker-modem/lib/http_duplex.js'));
      const { PassThrough } = require('node:stream');
      const answer = new PassThrough();
      const duplex = new HttpDuplex(new PassThrough(), answer);
      answer.end('hello');
      const read = await new Promise((resolve) => duplex.once('data', (c) => resolve(String(c))));
      // tar-fs through dockerode's own require: the real pack, a tar stream of a directory.
      const tar = fromDockerode('tar-fs');
      const packed = tar.pack(${JSON.stringify(join(ROOT, 'bin'))});
      const tarBytes = await new Promise((resolve) => {
        let n = 0;
        packed.on('data', (c) => (n += c.length));
        packed.on('end', () => resolve(n));
      });
      process.stdout.write(JSON.stringify({
        before,
        deferred: deferredFiles.map((f) => f.split('node_modules/').pop()),
        agentIsHttpAgent: typeof agent.createConnection === 'function',
        ssh2After: loaded('ssh2'),
        duplexReads: read,
        readableStreamAfter: loaded('readable-stream'),
        tarBytes,
        tarStreamAfter: loaded('tar-stream'),
      }));
    `);
    expect(result.deferred).toEqual([
      'dockerode/lib/session.js',
      'docker-modem/lib/ssh.js',
      'docker-modem/lib/http_duplex.js',
      'tar-fs/index.js',
    ]);
    expect(result.before).toEqual({
      grpc: false,
      protobuf: false,
      ssh2: false,
      readableStream: false,
      tarStream: false,
    });
    expect(result.agentIsHttpAgent).toBe(true);
    expect(result.ssh2After).toBe(true);
    expect(result.duplexReads).toBe('hello');
    expect(result.readableStreamAfter).toBe(true);
    expect(result.tarBytes).toBeGreaterThan(1024);
    expect(result.tarStreamAfter).toBe(true);
  });

  it('without the stand-ins, dockerode loads them all (what the test above guards against)', () => {
    const result = inFreshProcess(`
      import { createRequire } from 'node:module';
      const require = createRequire(${JSON.stringify(join(ROOT, 'package.json'))});
      ${LOADED}
      await import('dockerode');
      process.stdout.write(JSON.stringify({
        grpc: loaded('@grpc/grpc-js'),
        ssh2: loaded('ssh2'),
        readableStream: loaded('readable-stream'),
        tarStream: loaded('tar-stream'),
      }));
    `);
    expect(result).toEqual({ grpc: true, ssh2: true, readableStream: true, tarStream: true });
  });
});
