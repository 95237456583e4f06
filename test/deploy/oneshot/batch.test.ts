// The one-shot runner's `--batch` loop: order, isolation of results, real concurrency, and
// results written in as few writes as they become ready (a container's stdout is a pipe that
// Node writes to synchronously).
import { describe, expect, it } from 'vitest';
import { runBatch } from '../../../src/deploy/oneshot/runner/batch.js';
import type { OneshotResult } from '../../../src/deploy/oneshot/runner/result.js';

async function* linesOf(list: string[]): AsyncIterable<string> {
  for (const l of list) yield l;
}

const ok = (outputs: Record<string, unknown>): OneshotResult => ({
  status: 'success',
  outputs,
  error: null,
  usage: { input_tokens: 0, output_tokens: 0 },
  duration_ms: 0,
});

const failure = (error: unknown): OneshotResult => ({
  status: 'failed',
  outputs: null,
  error: { code: 'E_RUN', message: (error as Error).message },
  usage: { input_tokens: 0, output_tokens: 0 },
  duration_ms: 0,
});

const inputs = (n: number) => Array.from({ length: n }, (_, i) => JSON.stringify({ n: i }));

describe('runBatch', () => {
  it('keeps input order when runs finish out of order, and each result is its own input', async () => {
    const writes: string[][] = [];
    const summary = await runBatch(linesOf(inputs(200)), {
      concurrency: 16,
      // Later inputs finish first: a result written at its finishing time would be out of order.
      run: async (input) => {
        const n = input.n as number;
        await new Promise((r) => setTimeout(r, (200 - n) % 7));
        return ok({ echoed: n });
      },
      failure,
      write: (lines) => {
        writes.push(lines);
      },
    });
    const lines = writes.flat().map((l) => JSON.parse(l));
    expect(summary).toEqual({ total: 200, succeeded: 200, failed: 0, badInput: 0 });
    expect(lines.map((l) => l.index)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(lines.map((l) => l.outputs.echoed)).toEqual(Array.from({ length: 200 }, (_, i) => i));
  });

  it('runs up to the concurrency at once, and no more', async () => {
    let inFlight = 0;
    let most = 0;
    await runBatch(linesOf(inputs(1000)), {
      concurrency: 64,
      run: async () => {
        inFlight++;
        most = Math.max(most, inFlight);
        await new Promise((r) => setImmediate(r));
        inFlight--;
        return ok({});
      },
      failure,
      write: () => undefined,
    });
    expect(most).toBe(64);
  });

  it('writes the results that become ready together in one write, not a write per line', async () => {
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const writes: string[][] = [];
    const batch = runBatch(linesOf(inputs(100)), {
      concurrency: 100,
      run: async (input) => {
        await gate;
        return ok({ n: input.n });
      },
      failure,
      write: (lines) => {
        writes.push(lines);
      },
    });
    // Let the reader start all 100 runs, then let them all finish in the same turn.
    await new Promise((r) => setTimeout(r, 20));
    release();
    await batch;
    expect(writes.flat()).toHaveLength(100);
    expect(writes.length).toBe(1);
  });

  it('a bad line and a failing run are result lines in their places; the batch goes on', async () => {
    const writes: string[][] = [];
    const list = [...inputs(3), 'not json', '', ...inputs(3).map((l) => l.replace('{', '{"boom":true,'))];
    const summary = await runBatch(linesOf(list), {
      concurrency: 4,
      run: async (input) => {
        if (input.boom === true) throw new Error(`run ${input.n} failed`);
        return ok({ n: input.n });
      },
      failure,
      write: (lines) => {
        writes.push(lines);
      },
    });
    const lines = writes.flat().map((l) => JSON.parse(l));
    expect(summary.total).toBe(7);
    expect(summary.succeeded).toBe(3);
    expect(summary.failed).toBe(4);
    expect(lines.map((l) => [l.index, l.line, l.status])).toEqual([
      [0, 1, 'success'],
      [1, 2, 'success'],
      [2, 3, 'success'],
      [3, 4, 'failed'],
      [4, 6, 'failed'],
      [5, 7, 'failed'],
      [6, 8, 'failed'],
    ]);
    expect(lines[4].error.message).toBe('run 0 failed');
    expect(lines[6].error.message).toBe('run 2 failed');
  });

  it('a write that fails ends the batch with its error instead of hanging', async () => {
    const batch = runBatch(linesOf(inputs(500)), {
      concurrency: 8,
      window: 16,
      run: async () => ok({}),
      failure,
      write: () => {
        throw new Error('EPIPE');
      },
    });
    await expect(batch).rejects.toThrow('EPIPE');
  });
});
