/**
 * The model client's call timeouts behind one timer (src/models/call-deadlines.ts): each call
 * times out once its own time is up, an ended call never does, and nothing holds the process
 * while no call is in flight.
 */
import { describe, expect, it } from 'vitest';
import { CallDeadlines } from '../../src/models/call-deadlines.js';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));
/** Waits (up to 5 s, for a loaded machine) until `done` holds. */
async function until(done: () => boolean): Promise<void> {
  for (let i = 0; i < 500 && !done(); i++) await sleep(10);
}
const timeouts = () => process.getActiveResourcesInfo().filter((r) => r === 'Timeout').length;

describe('CallDeadlines', () => {
  it('times each call out after its own time, in the order they started, and never an ended one', async () => {
    const deadlines = new CallDeadlines(40);
    const fired: string[] = [];
    const started = performance.now();
    const at: Record<string, number> = {};
    const a = deadlines.start(() => fired.push('a'));
    await sleep(15);
    const b = deadlines.start(() => {
      fired.push('b');
      at.b = performance.now() - started;
    });
    deadlines.start(() => {
      fired.push('c');
      at.c = performance.now() - started;
    });
    deadlines.end(a); // the first to fall due ends early: the timer wakes for it, then waits on
    await until(() => fired.length === 2);
    expect(fired).toEqual(['b', 'c']);
    expect(at.b).toBeGreaterThanOrEqual(54);
    deadlines.end(b); // already timed out: nothing left to end
    expect(fired).toEqual(['b', 'c']);
  });

  it('holds no timer that keeps the process up while no call is in flight', async () => {
    const before = timeouts();
    const deadlines = new CallDeadlines(60_000);
    const one = deadlines.start(() => {
      throw new Error('must not time out');
    });
    expect(timeouts()).toBe(before + 1);
    deadlines.end(one);
    expect(timeouts()).toBe(before); // unreferenced: listed only while a call is in flight
    const two = deadlines.start(() => {
      throw new Error('must not time out');
    });
    expect(timeouts()).toBe(before + 1);
    deadlines.end(two);
    await sleep(5);
    expect(timeouts()).toBe(before);
  });

  it('times out a call started after a quiet spell', async () => {
    const deadlines = new CallDeadlines(10);
    deadlines.end(deadlines.start(() => {}));
    await sleep(30);
    let fired = false;
    deadlines.start(() => {
      fired = true;
    });
    await until(() => fired);
    expect(fired).toBe(true);
  });
});
