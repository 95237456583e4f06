/**
 * A job's events as server-sent events: what a watch replays from the store, then live ones,
 * then one `end` event with the finished job. Shared by the API's `/jobs/{id}/events` and
 * every other server that streams a job (the studio).
 */
import type { Context } from 'hono';
import { streamSSE } from 'hono/streaming';
import { jobStatusView } from '../job-view.js';
import type { JobStreamItem, JobStreamListener } from '../runner/index.js';

const SSE_PING_MS = 15_000;

/** Subscribes `listener`; resolves to an unsubscribe function, or undefined for an unknown job. */
export type JobWatch = (listener: JobStreamListener) => Promise<(() => void) | undefined>;

export function streamJobEvents(c: Context, watch: JobWatch): Response {
  const response = streamSSE(c, async (stream) => {
    const queue: JobStreamItem[] = [];
    let wake: (() => void) | undefined;
    let closed = false;
    const unsubscribe = await watch((item) => {
      queue.push(item);
      wake?.();
    });
    if (unsubscribe === undefined) return;
    stream.onAbort(() => {
      closed = true;
      wake?.();
    });
    const ping = setInterval(() => {
      void stream.write(': ping\n\n').catch(() => undefined);
    }, SSE_PING_MS);
    ping.unref();
    try {
      while (!closed) {
        const item = queue.shift();
        if (item === undefined) {
          await new Promise<void>((resolve) => {
            wake = resolve;
          });
          wake = undefined;
          continue;
        }
        if (item.kind === 'event') {
          await stream.writeSSE({
            id: String(item.event.seq),
            event: item.event.event.type,
            data: JSON.stringify(item.event.event),
          });
        } else {
          await stream.writeSSE({ event: 'end', data: JSON.stringify(jobStatusView(item.job)) });
          break;
        }
      }
    } finally {
      clearInterval(ping);
      unsubscribe();
    }
  });
  // streamSSE forces `Connection: keep-alive`, which made the server keep a socket whose client
  // asked to close it (HTTP/1.1's default is keep-alive anyway); let the request decide.
  response.headers.delete('connection');
  return response;
}
