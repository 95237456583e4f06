/**
 * The clocks of one request and of each attempt in it. A request has a total deadline and
 * ends when the client goes away; an attempt has a first-token clock (stopped by the first
 * token of a stream, or the headers of a plain answer) and then an idle clock that every piece
 * of body read resets. Each clock aborts the attempt's signal with the `UpstreamError` that
 * names it, so whichever code is waiting rethrows the right failure.
 */
import type { Timeouts } from '../config/types.js';
import { UpstreamError } from '../upstream/errors.js';

/** The reason a request's signal carries when the client disconnected. */
export class ClientGoneError extends Error {
  constructor() {
    super('the client closed the connection');
    this.name = 'ClientGoneError';
  }
}

export interface RequestClock {
  signal: AbortSignal;
  /** Milliseconds since the request started. */
  elapsed(): number;
  stop(): void;
}

/**
 * `onClientGone` subscribes to the client's departure and returns the unsubscribe; a Node
 * response's `close` event is taken directly, so no extra AbortController is made per request.
 */
export type ClientWatch = (gone: () => void) => () => void;

export function startRequestClock(
  client: ClientWatch | undefined,
  totalMs: number,
  now: () => number,
): RequestClock {
  const controller = new AbortController();
  const started = now();
  const timer = setTimeout(
    () =>
      controller.abort(
        new UpstreamError('total-timeout', `no complete answer within ${totalMs} ms (total timeout)`),
      ),
    totalMs,
  );
  const unwatch = client?.(() => controller.abort(new ClientGoneError()));
  return {
    signal: controller.signal,
    elapsed: () => now() - started,
    stop: () => {
      clearTimeout(timer);
      unwatch?.();
    },
  };
}

export interface AttemptClock {
  signal: AbortSignal;
  /** The first token (or plain answer's headers) arrived: the idle clock takes over. */
  firstToken(): void;
  /** Body arrived: the idle clock starts again. */
  data(): void;
  stop(): void;
}

export function startAttemptClock(request: AbortSignal, timeouts: Timeouts, upstream: string): AttemptClock {
  const controller = new AbortController();
  const onAbort = (): void => controller.abort(request.reason);
  if (request.aborted) onAbort();
  else request.addEventListener('abort', onAbort, { once: true });
  let idle: NodeJS.Timeout | undefined;
  let first: NodeJS.Timeout | undefined = setTimeout(
    () =>
      controller.abort(
        new UpstreamError(
          'first-token-timeout',
          `upstream '${upstream}' sent no first token within ${timeouts.firstTokenMs} ms`,
        ),
      ),
    timeouts.firstTokenMs,
  );
  return {
    signal: controller.signal,
    firstToken() {
      if (first === undefined) return;
      clearTimeout(first);
      first = undefined;
      idle = setTimeout(
        () =>
          controller.abort(
            new UpstreamError('stall', `upstream '${upstream}' went quiet for ${timeouts.idleMs} ms`),
          ),
        timeouts.idleMs,
      );
    },
    data() {
      idle?.refresh();
    },
    stop() {
      clearTimeout(first);
      clearTimeout(idle);
      first = undefined;
      idle = undefined;
      request.removeEventListener('abort', onAbort);
    },
  };
}
