/**
 * The real llama.cpp server of `../shared/tools/llama-server` (random-weight model: word salad,
 * real wire format) on a free loopback port, for tests that need a real inference server.
 * `startLlamaServer()` resolves to the server, or to a reason to skip when it cannot start here.
 */
import { execFile } from 'node:child_process';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { arch } from 'node:os';
import { fileURLToPath } from 'node:url';

export interface LlamaServer {
  /** Base URL ending in /v1. */
  url: string;
  /** The model name it answers to. */
  model: string;
  stop(): void;
}

const START = fileURLToPath(new URL('../../../shared/tools/llama-server/start.sh', import.meta.url));

async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number };
      server.close(() => resolve(port));
    });
  });
}

export async function startLlamaServer(
  env: Record<string, string> = {},
): Promise<LlamaServer | { skip: string }> {
  if (!existsSync(START)) return { skip: `no llama.cpp server at ${START} (a clone without ../shared)` };
  if (arch() !== 'x64')
    return { skip: `the llama.cpp build in ../shared is x86-64 only (this is ${arch()})` };
  const port = await freePort();
  const alias = 'local';
  return new Promise((resolve) => {
    execFile(
      'bash',
      [START, String(port)],
      { env: { ...process.env, ALIAS: alias, ...env }, timeout: 90_000 },
      (error, stdout, stderr) => {
        const pid = Number(stdout.trim().split('\n').at(-1));
        if (error !== null || !Number.isInteger(pid) || pid <= 0) {
          resolve({
            skip: `llama-server did not start: ${(stderr || String(error)).trim().split('\n').slice(-3).join(' | ')}`,
          });
          return;
        }
        resolve({
          url: `http://127.0.0.1:${port}/v1`,
          model: alias,
          stop: () => {
            try {
              process.kill(pid, 'SIGTERM');
            } catch {
              // already gone
            }
          },
        });
      },
    );
  });
}
