import { describe, expect, it } from 'vitest';
import { hashedTraceId, isTraceId, traceIdForJob } from '../../src/telemetry/trace-id.js';

describe('traceIdForJob', () => {
  it('uses a UUID job id as the trace id (its 32 hex digits, lower case)', () => {
    expect(traceIdForJob('0196A0B2-7C3D-7E4F-8A1B-2C3D4E5F6A7B')).toBe('0196a0b27c3d7e4f8a1b2c3d4e5f6a7b');
  });

  it('hashes any other id to a valid, stable trace id', () => {
    const id = traceIdForJob('run-local-1');
    expect(isTraceId(id)).toBe(true);
    expect(id).toBe(traceIdForJob('run-local-1'));
    expect(id).not.toBe(traceIdForJob('run-local-2'));
    // The nil UUID would be the all-zero (invalid) trace id: hashed instead.
    expect(traceIdForJob('00000000-0000-0000-0000-000000000000')).toBe(
      hashedTraceId('00000000-0000-0000-0000-000000000000'),
    );
  });
});
