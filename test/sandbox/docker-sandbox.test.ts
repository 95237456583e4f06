/**
 * Docker mode against a real engine and a real Python image (built from the host's Debian
 * python3 by scripts/docker/build-sandbox-image.sh; nothing is pulled). Each call's container
 * must be hardened as promised and gone afterwards. Skips, saying why, without an engine or
 * the image. No test sends traffic anywhere: network is judged by the interfaces a container has.
 */
import { describe, expect, it } from 'vitest';
import { DockerSandbox, SANDBOX_LABEL } from '../../src/sandbox/docker/docker-sandbox.js';
import type { CodeRequest, SandboxSettings } from '../../src/sandbox/types.js';
import {
  docker,
  dockerSkipReason,
  SANDBOX_TEST_IMAGE,
  sandboxRequest,
  sandboxSettings,
} from '../support/sandbox.js';

const skip = dockerSkipReason();
if (skip) console.warn(`docker sandbox tests skipped: ${skip}`);

const settings = (over: Partial<SandboxSettings> = {}) => sandboxSettings('docker', over);
const request = (code: string, over: Partial<CodeRequest> = {}) => sandboxRequest(code, settings(), over);
const leftovers = () => docker('ps', '-aq', '--filter', `label=${SANDBOX_LABEL}`).trim();

describe.skipIf(skip !== undefined)(`docker sandbox${skip ? ` — skipped: ${skip}` : ''}`, () => {
  const sandbox = new DockerSandbox({ dockerImage: SANDBOX_TEST_IMAGE });

  it('runs the code with inputs and memory, returning result, output and changes', async () => {
    const outcome = await sandbox.run(
      request(
        "print('hi')\nmemory.write('seen', (memory['seen'] or 0) + 1)\nresult = {'sum': sum(inputs['numbers']), 'seen': memory['seen']}",
        { inputs: { numbers: [1, 2, 3] }, memory: { enabled: true, values: { seen: 1 } } },
      ),
    );
    expect(outcome).toMatchObject({
      ok: true,
      mode: 'docker',
      result: { sum: 6, seen: 2 },
      stdout: 'hi\n',
      memory: [{ op: 'set', key: 'seen', value: 2 }],
    });
    expect(leftovers()).toBe('');
  });

  it('runs hardened: nobody, no capabilities, read-only root, noexec /tmp, no host environment', async () => {
    process.env.AGENTCRATE_SANDBOX_PROBE_SECRET = 'host-only';
    try {
      const outcome = await sandbox.run(
        request(
          [
            'import os',
            "caps = [l.split()[1] for l in open('/proc/self/status') if l.startswith('CapEff')][0]",
            'def writable(path):',
            '    try:',
            "        open(path, 'w').write('x')",
            '        return True',
            '    except OSError:',
            '        return False',
            "result = {'uid': os.getuid(), 'caps': caps, 'root_rw': writable('/usr/x'), 'tmp_rw': writable('/tmp/x'),",
            "          'env': sorted(os.environ), 'tmp_opts': [l.split()[3] for l in open('/proc/mounts') if l.split()[1] == '/tmp'][0]}",
          ].join('\n'),
        ),
      );
      expect(outcome.ok, JSON.stringify(outcome.failure)).toBe(true);
      const r = outcome.result as Record<string, unknown>;
      expect(r).toMatchObject({ uid: 65534, caps: '0000000000000000', root_rw: false, tmp_rw: true });
      expect(r.tmp_opts).toMatch(/noexec/);
      expect(r.env).not.toContain('AGENTCRATE_SANDBOX_PROBE_SECRET');
    } finally {
      delete process.env.AGENTCRATE_SANDBOX_PROBE_SECRET;
    }
  });

  it('has no network interface but loopback unless network: true', async () => {
    const interfaces = 'import socket\nresult = sorted(name for _, name in socket.if_nameindex())';
    const closed = await sandbox.run(request(interfaces));
    expect(closed.result).toEqual(['lo']);
    const open = await sandbox.run(request(interfaces, { settings: settings({ network: true }) }));
    expect((open.result as string[]).length).toBeGreaterThan(1);
  });

  it('reports exceptions as the python mode does', async () => {
    const outcome = await sandbox.run(request("x = {}\nresult = x['missing']"));
    expect(outcome.failure).toMatchObject({ code: 'E_CODE', type: 'KeyError', line: 2 });
  });

  it('kills code past its time limit and removes the container', async () => {
    const started = Date.now();
    const outcome = await sandbox.run(
      request('while True:\n    pass', { settings: settings({ timeout: 1 }) }),
    );
    expect(outcome.failure?.code).toBe('E_SANDBOX_TIMEOUT');
    expect(Date.now() - started).toBeLessThan(15_000);
    expect(leftovers()).toBe('');
  }, 30_000);

  it('stops code at its memory limit', async () => {
    const outcome = await sandbox.run(
      request('x = bytearray(300 * 1024 * 1024)\nx[::4096] = b"x" * len(x[::4096])', {
        settings: settings({ resources: { memory: 64 * 1024 * 1024 } }),
      }),
    );
    expect(outcome.failure?.code).toBe('E_SANDBOX_MEMORY');
  }, 30_000);

  it('caps processes and threads', async () => {
    const outcome = await sandbox.run(
      request(
        'import threading, time\nts = [threading.Thread(target=time.sleep, args=(2,)) for _ in range(200)]\nfor t in ts:\n    t.start()',
      ),
    );
    expect(outcome.failure).toMatchObject({ code: 'E_CODE', type: 'RuntimeError' });
    expect(outcome.failure?.message).toContain("can't start new thread");
  }, 30_000);

  it('says what to do when the image is missing', async () => {
    // A registry on a refused loopback port: the pull fails without leaving the machine.
    const missing = new DockerSandbox({ dockerImage: '127.0.0.1:1/agentcrate-sandbox-absent:none' });
    await expect(missing.run(request('result = 1'))).rejects.toMatchObject({
      code: 'E_SANDBOX_UNAVAILABLE',
      message: expect.stringContaining('AGENTCRATE_SANDBOX_IMAGE'),
    });
  }, 60_000);
});

describe('docker sandbox without an engine', () => {
  it('fails with E_SANDBOX_UNAVAILABLE naming the fix', async () => {
    const sandbox = new DockerSandbox({ env: { DOCKER_HOST: 'unix:///nonexistent/docker.sock' } });
    await expect(sandbox.run(request('result = 1'))).rejects.toMatchObject({
      code: 'E_SANDBOX_UNAVAILABLE',
      message: expect.stringContaining('docker mode needs a container engine'),
    });
  });
});
