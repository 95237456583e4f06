import { describe, expect, it } from 'vitest';
import { uuidv7 } from '../../src/server/job-id.js';

const V7 = /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/;

describe('uuidv7 (job ids)', () => {
  it('is an RFC 9562 version-7 UUID carrying the creation millisecond', () => {
    const at = Date.UTC(2026, 10, 25, 12, 0, 0, 123);
    const id = uuidv7(at);
    expect(id).toMatch(V7);
    expect(Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16)).toBe(at);
  });

  it('sorts in creation order, also within one millisecond, and never repeats', () => {
    const ids: string[] = [];
    const start = Date.now();
    for (let i = 0; i < 5000; i++) ids.push(uuidv7(start + Math.floor(i / 1000)));
    expect(new Set(ids).size).toBe(ids.length);
    expect([...ids].sort()).toEqual(ids);
    for (const id of ids) expect(id).toMatch(V7);
  });
});
