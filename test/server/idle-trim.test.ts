/** The workflow server gives memory back once quiet after runs (IdleTrim, src/http/idle-trim.ts), and keeps working. */
import { describe, expect, it } from 'vitest';
import type { Logger } from '../../src/server/logger.js';
import { makeApp } from './helpers.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

describe('createApp idle trimming', () => {
  it('trims after runs once quiet, and the store keeps working afterwards', async () => {
    const lines: Array<{ msg: string | undefined; obj: object }> = [];
    const logger: Logger = {
      debug: (obj, msg) => lines.push({ obj, msg }),
      info: () => {},
      warn: () => {},
      error: () => {},
    };
    const app = await makeApp({ idleTrimMs: 100, logger });
    try {
      const run = () =>
        app.app.request('/run', {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ name: 'Ada' }),
        });
      for (let i = 0; i < 5; i++) expect((await run()).status).toBe(200);
      const deadline = Date.now() + 3000;
      while (!lines.some((l) => l.msg === 'idle: memory trimmed') && Date.now() < deadline) await sleep(20);
      const trimmed = lines.find((l) => l.msg === 'idle: memory trimmed');
      expect(trimmed?.obj).toMatchObject({ rssBeforeMb: expect.any(Number), rssAfterMb: expect.any(Number) });
      // After the store released its caches and worker: runs still complete and are stored.
      const after = await run();
      expect(after.status).toBe(200);
      const body = (await after.json()) as { job_id: string; outputs: Record<string, unknown> };
      expect(body.outputs.greeting).toMatch(/hello from greet/);
      expect((await app.store.getJob(body.job_id))?.status).toBe('completed');
    } finally {
      await app.close();
    }
  });
});
