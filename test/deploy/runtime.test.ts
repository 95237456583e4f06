import { describe, expect, it } from 'vitest';
import { parseDockerHost, resolveEndpoint } from '../../src/deploy/runtime/detect.js';
import { DockerRuntime } from '../../src/deploy/runtime/docker.js';
import { demuxLogLines } from '../../src/deploy/runtime/log-stream.js';
import { AgentcrateError } from '../../src/errors.js';

async function caught(p: Promise<unknown>): Promise<AgentcrateError> {
  try {
    await p;
  } catch (err) {
    if (err instanceof AgentcrateError) return err;
    throw err;
  }
  throw new Error('expected a failure');
}

describe('runtime detection', () => {
  it('a DOCKER_HOST socket that does not exist gives a clear E_RUNTIME saying what to install or start', async () => {
    const runtime = new DockerRuntime({ env: { DOCKER_HOST: 'unix:///nonexistent.sock' } });
    const err = await caught(runtime.detect());
    expect(err.code).toBe('E_RUNTIME');
    expect(err.message).toContain('unix:///nonexistent.sock (from DOCKER_HOST)');
    expect(err.message).toContain('apt-get install docker.io');
    expect(err.message).toMatch(/systemctl start docker|dockerd &/);
  });

  it('a TCP daemon that does not answer says to start it', async () => {
    const runtime = new DockerRuntime({ env: { DOCKER_HOST: 'tcp://127.0.0.1:1' } });
    const err = await caught(runtime.detect());
    expect(err.code).toBe('E_RUNTIME');
    expect(err.message).toMatch(/does not answer \(ECONNREFUSED\): start it/);
  });

  it('no socket anywhere lists where it looked', () => {
    expect(() => resolveEndpoint({ XDG_RUNTIME_DIR: '/run/user/1000' }, () => false)).toThrow(
      /no container runtime found \(looked for \/var\/run\/docker\.sock, \/run\/user\/1000\/podman\/podman\.sock, \/run\/podman\/podman\.sock\): install Docker/,
    );
  });

  it('prefers DOCKER_HOST, then Docker, then rootless and rootful Podman', () => {
    const only = (path: string) => (p: string) => p === path;
    const env = { XDG_RUNTIME_DIR: '/run/user/1000' };
    expect(resolveEndpoint({ ...env, DOCKER_HOST: 'unix:///x.sock' }, () => true).socketPath).toBe('/x.sock');
    expect(resolveEndpoint(env, () => true)).toMatchObject({
      kind: 'docker',
      socketPath: '/var/run/docker.sock',
    });
    expect(resolveEndpoint(env, only('/run/user/1000/podman/podman.sock'))).toMatchObject({ kind: 'podman' });
    expect(resolveEndpoint(env, only('/run/podman/podman.sock'))).toMatchObject({
      kind: 'podman',
      endpoint: 'unix:///run/podman/podman.sock',
    });
  });

  it('parses tcp DOCKER_HOST values and rejects what it cannot use', () => {
    expect(parseDockerHost('tcp://10.0.0.5:2375')).toMatchObject({
      host: '10.0.0.5',
      port: 2375,
      protocol: 'http',
    });
    expect(parseDockerHost('tcp://docker')).toMatchObject({ host: 'docker', port: 2375 });
    expect(() => parseDockerHost('ssh://me@host')).toThrow(/DOCKER_HOST="ssh:\/\/me@host" is not understood/);
  });
});

describe('demuxLogLines', () => {
  const frame = (type: number, text: string) => {
    const payload = Buffer.from(text);
    const header = Buffer.alloc(8);
    header[0] = type;
    header.writeUInt32BE(payload.length, 4);
    return Buffer.concat([header, payload]);
  };

  it('splits multiplexed frames into lines per stream, across chunk boundaries', async () => {
    const all = Buffer.concat([frame(1, 'hello\nwor'), frame(2, 'oops\n'), frame(1, 'ld\nlast')]);
    const chunks = [all.subarray(0, 5), all.subarray(5, 19), all.subarray(19)];
    const lines = [];
    for await (const l of demuxLogLines(chunks, false)) lines.push(l);
    expect(lines).toEqual([
      { stream: 'stdout', line: 'hello' },
      { stream: 'stderr', line: 'oops' },
      { stream: 'stdout', line: 'world' },
      { stream: 'stdout', line: 'last' },
    ]);
  });

  it('passes a TTY stream through as stdout lines', async () => {
    const lines = [];
    for await (const l of demuxLogLines([Buffer.from('a\r\nb')], true)) lines.push(l.line);
    expect(lines).toEqual(['a', 'b']);
  });
});
