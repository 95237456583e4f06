/** Deletes finished jobs older than the TTL, now and then every `everyMs`. */
import type { Store } from '../../store/index.js';
import type { Logger } from '../logger.js';

export function startRetention(
  store: Store,
  logger: Logger,
  ttlSeconds: number,
  options: { everyMs?: number; now?: () => number } = {},
): () => void {
  const ttlMs = ttlSeconds * 1000;
  if (!(ttlMs > 0)) return () => undefined;
  const now = options.now ?? Date.now;
  const sweep = (): void => {
    store
      .deleteFinishedBefore(now() - ttlMs)
      .then((n) => {
        if (n > 0) logger.info({ deleted: n }, 'deleted expired jobs');
      })
      .catch((error: unknown) =>
        logger.warn({ err: (error as Error).message }, 'job retention cleanup failed'),
      );
  };
  sweep();
  const timer = setInterval(sweep, options.everyMs ?? Math.min(ttlMs, 60_000));
  timer.unref();
  return () => clearInterval(timer);
}
