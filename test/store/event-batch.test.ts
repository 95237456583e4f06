import { describe, expect, it } from 'vitest';
import { decodeBatch, encodeBatch } from '../../src/store/event-batch.js';
import type { StoredEvent, StoreEvent } from '../../src/store/types.js';

const runId = 'run-"1"\\a';

/** Encoded, then decoded as the store reads a batch back: each event and its members' order. */
function roundTrip(events: StoreEvent[]): {
  runId: string | null;
  data: string;
  back: StoredEvent['event'][];
} {
  const { runId: taken, data } = encodeBatch(events);
  const out: StoredEvent[] = [];
  decodeBatch(out, 'job', 1, taken, data, 0, Number.MAX_SAFE_INTEGER);
  return { runId: taken, data, back: out.map((e) => e.event) };
}

const keysOf = (events: unknown[]) => events.map((e) => Object.keys(e as object));

describe('event batches', () => {
  it('takes the runId out of events that open with type then runId, and gives it back in its place', () => {
    const events = [
      { type: 'node-start', runId, at: 1, nodeId: 'a', step: 1, iteration: 1 },
      { type: 'model-call', runId, at: 2, nodeId: 'a', ok: true, error: undefined, costUsd: 0.5 },
      { type: 'n\\"ode-end', runId, at: 3, writes: { runId, nested: { type: 'x', runId } } },
    ] as unknown as StoreEvent[];
    const { runId: taken, data, back } = roundTrip(events);
    expect(taken).toBe(runId);
    // Once in the row, not once per event; nested members named runId stay as they are.
    expect(JSON.parse(data)).toEqual([
      { type: 'node-start', at: 1, nodeId: 'a', step: 1, iteration: 1 },
      { type: 'model-call', at: 2, nodeId: 'a', ok: true, costUsd: 0.5 },
      { type: 'n\\"ode-end', at: 3, writes: { runId, nested: { type: 'x', runId } } },
    ]);
    expect(back).toEqual(JSON.parse(JSON.stringify(events)));
    expect(keysOf(back)).toEqual(keysOf(JSON.parse(JSON.stringify(events))));
    // The events given are left as they were.
    expect(events[0]).toEqual({ type: 'node-start', runId, at: 1, nodeId: 'a', step: 1, iteration: 1 });
  });

  it('keeps each event whole when one does not open with type then the same runId', () => {
    const batches = [
      [
        { type: 'a', runId, at: 1 },
        { runId, type: 'b', at: 2 },
      ],
      [
        { type: 'a', runId, at: 1 },
        { type: 'b', at: 2, runId },
      ],
      [
        { type: 'a', runId, at: 1 },
        { type: 'b', runId: 'other', at: 2 },
      ],
      [
        { type: 'a', runId, at: 1 },
        { type: 'b', at: 2 },
      ],
      [{ at: 1, type: 'a', runId }],
    ] as unknown as StoreEvent[][];
    for (const events of batches) {
      const { runId: taken, back } = roundTrip(events);
      expect(taken).toBeNull();
      expect(back).toEqual(events);
      expect(keysOf(back)).toEqual(keysOf(events));
    }
  });
});
