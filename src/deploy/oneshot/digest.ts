import { createHash } from 'node:crypto';

/** sha256 (hex) over parts kept apart by a separator, so ('ab','c') and ('a','bc') differ. */
export function contentDigest(parts: readonly string[]): string {
  const hash = createHash('sha256');
  for (const part of parts) hash.update(part).update('\0');
  return hash.digest('hex');
}
