/**
 * Opaque keyset-pagination cursors: the sort key of the last row of a page, so the next
 * page starts strictly after it and rows inserted meanwhile never shift or repeat a page.
 * Base64url JSON keeps them URL-safe and lets any implementation (SQLite, Postgres) share them.
 */
import { AgentcrateError } from '../errors.js';

export interface CursorKey {
  /** The primary sort value (createdAt / startMs). */
  t: number;
  /** The tie-breaker (id / traceId). */
  id: string;
}

export function encodeCursor(key: CursorKey): string {
  return Buffer.from(JSON.stringify([key.t, key.id]), 'utf8').toString('base64url');
}

export function decodeCursor(cursor: string, what: string): CursorKey {
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    parsed = undefined;
  }
  if (
    Array.isArray(parsed) &&
    parsed.length === 2 &&
    typeof parsed[0] === 'number' &&
    Number.isFinite(parsed[0]) &&
    typeof parsed[1] === 'string'
  ) {
    return { t: parsed[0], id: parsed[1] };
  }
  throw new AgentcrateError(
    'E_INVALID_INPUT',
    `Invalid ${what} cursor "${cursor.slice(0, 64)}": pass the nextCursor of the previous page unchanged, or omit it to start from the first page.`,
  );
}

/** Validates a page size so a bad `limit` fails loudly instead of returning nothing. */
export function checkLimit(limit: number, max: number, what: string): number {
  if (!Number.isInteger(limit) || limit < 1 || limit > max) {
    throw new AgentcrateError(
      'E_INVALID_INPUT',
      `Invalid ${what} limit ${String(limit)}: use a whole number from 1 to ${max}.`,
    );
  }
  return limit;
}
