/**
 * Real servers on loopback for socket tests: `startServer` with the real model client pointed
 * at one mock model, each on its own store file, all closed after each test. Call it at the
 * top level of a test file; it registers the hooks.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import type { Workflow } from '../../src/config/types.js';
import { type RunningServer, type ServeOptions, startServer } from '../../src/server/index.js';
import { type MockLlm, startMockLlm } from './mock-llm.js';

export interface Served {
  /** The mock model (started before the first test). */
  mock(): MockLlm;
  serve(options?: Partial<ServeOptions>): Promise<RunningServer>;
}

export function servedWorkflow(workflow: Workflow): Served {
  let dir = '';
  let mock: MockLlm | undefined;
  let counter = 0;
  const servers: RunningServer[] = [];
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), 'agentcrate-served-'));
    mock = await startMockLlm();
  });
  afterAll(async () => {
    await mock?.close();
    rmSync(dir, { recursive: true, force: true });
  });
  afterEach(async () => {
    for (const s of servers.splice(0)) await s.close(0);
    mock?.reset();
  });
  return {
    mock: () => mock!,
    async serve(options = {}) {
      const server = await startServer({
        workflow,
        port: 0,
        host: '127.0.0.1',
        storePath: join(dir, `store-${++counter}.db`),
        env: { OPENAI_API_KEY: 'test' },
        override: { provider: 'openai', baseURL: mock!.url, model: 'mock-1' },
        ...options,
      });
      servers.push(server);
      return server;
    },
  };
}
