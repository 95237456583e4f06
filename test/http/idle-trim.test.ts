import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { IdleTrim, memoryReducingGc, type TrimResult } from '../../src/http/idle-trim.js';

const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));
const MB = 1024 * 1024;

/** An IdleTrim whose memory reading and GC are scripted. */
function scripted(options: { delayMs?: number; busy?: () => boolean; minGrowthBytes?: number } = {}) {
  const state = { rss: 100 * MB, gcs: 0, releases: 0, trims: [] as TrimResult[] };
  const trim = new IdleTrim({
    delayMs: options.delayMs ?? 30,
    ...(options.minGrowthBytes !== undefined ? { minGrowthBytes: options.minGrowthBytes } : {}),
    busy: options.busy ?? (() => false),
    rss: () => state.rss,
    gc: () => {
      state.gcs += 1;
      state.rss -= 20 * MB;
      return true;
    },
    release: () => {
      state.releases += 1;
    },
    onTrim: (r) => state.trims.push(r),
  });
  return { trim, state };
}

const stops: IdleTrim[] = [];
afterEach(() => {
  for (const t of stops.splice(0)) t.stop();
});

/** Scripted timing on a fake clock: a loaded machine cannot stretch a "quiet" gap. */
const wait = (ms: number) => vi.advanceTimersByTimeAsync(ms);

describe('IdleTrim', () => {
  beforeEach(() => {
    vi.useFakeTimers({ toFake: ['setTimeout', 'clearTimeout', 'performance'] });
  });
  afterEach(() => {
    vi.useRealTimers();
  });

  it('trims once after the quiet period, then only after memory grew again', async () => {
    const { trim, state } = scripted();
    stops.push(trim);
    trim.touch();
    await wait(80);
    expect(state.gcs).toBe(1);
    expect(state.releases).toBe(1);
    expect(state.trims[0]).toMatchObject({ rssBefore: 100 * MB, rssAfter: 80 * MB, gc: true });
    // Health probes: activity without growth never trims.
    for (let i = 0; i < 3; i++) {
      trim.touch();
      await wait(50);
    }
    expect(state.gcs).toBe(1);
    // Work that grew memory by more than the threshold: trimmed once more.
    state.rss += 30 * MB;
    trim.touch();
    await wait(80);
    expect(state.gcs).toBe(2);
  });

  it('waits for the quiet period after the last activity, not the first', async () => {
    const { trim, state } = scripted({ delayMs: 60 });
    stops.push(trim);
    for (let i = 0; i < 5; i++) {
      trim.touch();
      await wait(25); // never 60 ms quiet
    }
    expect(state.gcs).toBe(0);
    await wait(120);
    expect(state.gcs).toBe(1);
  });

  it('never trims while a request is open or runs are busy', async () => {
    let busy = true;
    const { trim, state } = scripted({ busy: () => busy });
    stops.push(trim);
    trim.touch();
    await wait(100);
    expect(state.gcs).toBe(0);
    busy = false;
    trim.enter(); // a request in flight
    await wait(100);
    expect(state.gcs).toBe(0);
    trim.leave();
    await wait(100);
    expect(state.gcs).toBe(1);
  });

  it('is off with delayMs 0, and stop() cancels a pending trim', async () => {
    const off = scripted({ delayMs: 0 });
    off.trim.touch();
    await wait(50);
    expect(off.state.gcs).toBe(0);
    const stopped = scripted();
    stopped.trim.touch();
    stopped.trim.stop();
    await wait(80);
    expect(stopped.state.gcs).toBe(0);
  });
});

describe('memoryReducingGc', () => {
  it('collects garbage and shrinks the heap', () => {
    let garbage: unknown[] | undefined = Array.from({ length: 300_000 }, (_, i) => ({ i, s: `item ${i}` }));
    expect(garbage.length).toBe(300_000);
    const before = process.memoryUsage().heapUsed;
    garbage = undefined;
    expect(memoryReducingGc()).toBe(true);
    expect(process.memoryUsage().heapUsed).toBeLessThan(before - 10 * MB);
  });
});
