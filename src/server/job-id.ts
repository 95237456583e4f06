/**
 * Job ids are UUID version 7 (RFC 9562): a millisecond timestamp, then random bits. They sort
 * by creation time, so new job and event rows land at the end of the store's indexes instead of
 * at random pages, and the id doubles as the run's trace id (telemetry/trace-id.ts).
 */
import { randomFillSync } from 'node:crypto';

const pool = Buffer.alloc(4096);
let offset = pool.length;
let lastMs = -1;
let counter = 0;

function random(bytes: number): Buffer {
  if (offset + bytes > pool.length) {
    randomFillSync(pool);
    offset = 0;
  }
  const out = pool.subarray(offset, offset + bytes);
  offset += bytes;
  return out;
}

export function uuidv7(now: number = Date.now()): string {
  const rand = random(10);
  // Within one millisecond the 12-bit rand_a field counts up from a random start (RFC 9562
  // method 1), so ids made in the same millisecond still sort in creation order.
  if (now === lastMs && counter < 0xfff) counter += 1;
  else {
    lastMs = now;
    counter = ((rand[0] ?? 0) << 4) & 0x7ff;
  }
  const ms = now.toString(16).padStart(12, '0').slice(-12);
  const a = (0x7000 | counter).toString(16);
  const b = ((((rand[2] ?? 0) & 0x3f) | 0x80) << 8) | (rand[3] ?? 0);
  const tail = rand.toString('hex', 4, 10);
  return `${ms.slice(0, 8)}-${ms.slice(8)}-${a}-${b.toString(16)}-${tail}`;
}
