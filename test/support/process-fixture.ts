/**
 * For test files that start agentcrate as child processes on one workflow: a temp folder with
 * the workflow file, the mock model (300 ms per answer, so runs are caught mid-way) and every
 * child started, killed with -9 and removed after the file.
 */
import type { ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll } from 'vitest';
import { type MockLlm, startMockLlm } from './mock-llm.js';
import { type ServeProcess, spawnServeOnMock } from './serve-process.js';

export interface ProcessFixture {
  /** Set in beforeAll. */
  dir: string;
  mock: MockLlm;
  children: ChildProcess[];
  /** `serve <the workflow> --store <store>` on the mock model. */
  serve(store: string): ServeProcess;
}

export function processFixture(prefix: string, file: string, yaml: string): ProcessFixture {
  const fx = {
    children: [] as ChildProcess[],
    serve: (store: string) =>
      spawnServeOnMock(join(fx.dir, file), store, fx.mock.url, { track: fx.children }),
  } as ProcessFixture;
  beforeAll(async () => {
    fx.dir = mkdtempSync(join(tmpdir(), prefix));
    writeFileSync(join(fx.dir, file), yaml);
    fx.mock = await startMockLlm({ latencyMs: 300 });
  });
  afterAll(async () => {
    for (const child of fx.children) child.kill('SIGKILL');
    await fx.mock?.close();
    if (fx.dir) rmSync(fx.dir, { recursive: true, force: true });
  });
  return fx;
}
