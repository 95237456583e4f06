import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { expect } from 'vitest';
import { AgentcrateError } from '../../src/errors.js';
import type { ToolContext } from '../../src/tools/types.js';

export function makeCtx(overrides: Partial<ToolContext> = {}): ToolContext {
  const cwd = overrides.cwd ?? process.cwd();
  return {
    runId: 'test-run',
    cwd,
    allowedPaths: [cwd],
    env: {},
    config: {},
    network: {},
    signal: new AbortController().signal,
    ...overrides,
  };
}

export async function tempDir(
  prefix = 'agentcrate-tools-',
): Promise<{ dir: string; cleanup: () => Promise<void> }> {
  const dir = await realpath(await mkdtemp(path.join(tmpdir(), prefix)));
  return { dir, cleanup: () => rm(dir, { recursive: true, force: true }) };
}

/** The AgentcrateError a tool call rejects with (the test fails if it resolves or throws anything else). */
export async function rejection(call: Promise<unknown>): Promise<AgentcrateError> {
  const error = await call.then(
    () => undefined,
    (e: unknown) => e,
  );
  expect(error).toBeInstanceOf(AgentcrateError);
  return error as AgentcrateError;
}

/** An allowed root and a folder outside it (both real, fresh), and one cleanup for both. */
export async function insideAndOutside(): Promise<{
  root: string;
  outside: string;
  cleanup: () => Promise<void>;
}> {
  const a = await tempDir();
  const b = await tempDir();
  return {
    root: a.dir,
    outside: b.dir,
    cleanup: async () => {
      await a.cleanup();
      await b.cleanup();
    },
  };
}

export interface Recorded {
  method: string;
  url: string;
  headers: IncomingMessage['headers'];
  body: string;
}

/** A real HTTP server on 127.0.0.1 (port 0) recording every request it answers. */
export async function loopbackServer(
  handler: (req: Recorded, res: ServerResponse) => void,
): Promise<{ url: string; requests: Recorded[]; close: () => Promise<void> }> {
  const requests: Recorded[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const recorded = {
        method: req.method ?? '',
        url: req.url ?? '',
        headers: req.headers,
        body: Buffer.concat(chunks).toString('utf8'),
      };
      requests.push(recorded);
      handler(recorded, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    requests,
    close: () =>
      new Promise<void>((resolve) => {
        server.closeAllConnections();
        server.close(() => resolve());
      }),
  };
}
