/**
 * Optional API-key check. Keys and the presented token are compared as SHA-256 digests with
 * `timingSafeEqual`, so neither the key's content nor its length leaks through timing; every
 * configured key is compared (no early exit) for the same reason.
 */
import { createHash, timingSafeEqual } from 'node:crypto';

export { presentedToken } from '../http/presented-token.js';

export type KeyCheck = (token: string | undefined) => boolean;

function digest(value: string): Buffer {
  return createHash('sha256').update(value, 'utf8').digest();
}

export function createKeyCheck(keys: readonly string[]): KeyCheck {
  const digests = keys
    .map((k) => k.trim())
    .filter((k) => k !== '')
    .map(digest);
  return (token) => {
    if (token === undefined || token === '') return false;
    const presented = digest(token);
    let ok = false;
    for (const known of digests) ok = timingSafeEqual(presented, known) || ok;
    return ok;
  };
}
