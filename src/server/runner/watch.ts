/**
 * A job's events for one watcher (SSE): the stored ones after `afterSeq`, then the live ones
 * of a job running here, then one `end` item with the finished job.
 */
import type { Store } from '../../store/index.js';
import type { ActiveJob, JobStreamListener } from './active-job.js';

/** Undefined for an unknown job, else an unsubscribe function. */
export async function watchJob(
  store: Store,
  activeJob: (id: string) => ActiveJob | undefined,
  id: string,
  afterSeq: number,
  listener: JobStreamListener,
): Promise<(() => void) | undefined> {
  const job = await store.getJob(id);
  if (job === undefined) return undefined;
  const stored = await store.listEvents(id, afterSeq);
  // Everything below runs without yielding, so no live event can slip between replay and subscription.
  const active = activeJob(id);
  if (active === undefined) {
    for (const event of stored) listener({ kind: 'event', event });
    const latest = (await store.getJob(id)) ?? job;
    listener({ kind: 'end', job: latest });
    return () => undefined;
  }
  let last = afterSeq;
  for (const event of stored) {
    if (event.seq >= active.firstSeq) break;
    listener({ kind: 'event', event });
    last = event.seq;
  }
  for (const event of active.events) {
    if (event.seq > last) listener({ kind: 'event', event });
  }
  active.subscribers.add(listener);
  return () => active.subscribers.delete(listener);
}
