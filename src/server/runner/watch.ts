/**
 * A job's events for one watcher (SSE): the stored ones after `afterSeq`, then the live ones
 * of a job running here, then one `end` item with the finished job. On a shared store a job
 * that waits or runs in another replica is followed in the store (its events are written at
 * each checkpoint) until it finishes, so a client may hit any replica.
 */
import type { Job, Store } from '../../store/index.js';
import type { ActiveJob, JobStreamListener } from './active-job.js';
import { isFinished } from './types.js';

/** How often a job running in another replica is read again. */
export const REMOTE_WATCH_MS = 250;

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
  if (active === undefined && store.shared && !isFinished(job)) {
    return followInStore(store, job, stored.at(-1)?.seq ?? afterSeq, stored, listener);
  }
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

/** Follows a job another replica runs: its stored events as they come, then its end. */
function followInStore(
  store: Store,
  known: Job,
  afterSeq: number,
  first: Awaited<ReturnType<Store['listEvents']>>,
  listener: JobStreamListener,
): () => void {
  const id = known.id;
  let last = afterSeq;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  for (const event of first) listener({ kind: 'event', event });
  const poll = async (): Promise<void> => {
    try {
      // The job first: events stored before it finished are then all read below.
      const job = await store.getJob(id);
      const events = await store.listEvents(id, last);
      if (stopped) return;
      for (const event of events) {
        listener({ kind: 'event', event });
        last = event.seq;
      }
      if (job === undefined || isFinished(job)) {
        stopped = true;
        // Gone (deleted meanwhile): the stream still ends, with the job as last seen.
        listener({ kind: 'end', job: job ?? known });
        return;
      }
    } catch {
      // The store cannot answer now: the next poll tries again.
    }
    if (!stopped) timer = setTimeout(() => void poll(), REMOTE_WATCH_MS);
  };
  timer = setTimeout(() => void poll(), REMOTE_WATCH_MS);
  return () => {
    stopped = true;
    clearTimeout(timer);
  };
}
