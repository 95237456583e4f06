/**
 * The clocks of one request and of each attempt in it. A request has a total deadline and
 * ends when the client goes away; an attempt has a first-token clock (stopped by the first
 * token of a stream, or the headers of a plain answer) and then an idle clock that every piece
 * of body read resets. Each clock aborts the attempt's signal with the `UpstreamError` that
 * names it, so whichever code is waiting rethrows the right failure.
 */
import type { Timeouts } from '../config/types.js';
import { type Aborted, UpstreamError } from '../upstream/errors.js';

export type { Aborted };

/** The reason a request's signal carries when the client disconnected. */
export class ClientGoneError extends Error {
  constructor() {
    super('the client closed the connection');
    this.name = 'ClientGoneError';
  }
}

/**
 * How a request or an attempt is called off: the reason (an `UpstreamError` naming the clock
 * that ran out, or `ClientGoneError`), listeners, and a web `AbortSignal` made only when code
 * that takes one asks (the AI SDK, a backoff's sleep). A proxied attempt subscribes with a
 * plain callback: no AbortController, EventTarget or listener objects per request.
 */
export interface Cancellation extends Aborted {
  /** A web AbortSignal following this cancellation, made on first read. */
  readonly signal: AbortSignal;
  /** Calls `fn` once when cancelled (at once when already); returns the unsubscribe. */
  onAbort(fn: (reason: unknown) => void): () => void;
}

const nothing = (): void => undefined;

export class Canceller implements Cancellation {
  aborted = false;
  #reason: unknown;
  #controller: AbortController | undefined;
  #listeners: Array<(reason: unknown) => void> | undefined;

  get reason(): unknown {
    return this.#reason;
  }

  get signal(): AbortSignal {
    if (this.#controller === undefined) {
      this.#controller = new AbortController();
      if (this.aborted) this.#controller.abort(this.#reason);
    }
    return this.#controller.signal;
  }

  abort(reason: unknown): void {
    if (this.aborted) return;
    this.aborted = true;
    this.#reason = reason;
    this.#controller?.abort(reason);
    const listeners = this.#listeners;
    this.#listeners = undefined;
    if (listeners !== undefined) for (const fn of listeners) fn(reason);
  }

  onAbort(fn: (reason: unknown) => void): () => void {
    if (this.aborted) {
      fn(this.#reason);
      return nothing;
    }
    this.#listeners ??= [];
    this.#listeners.push(fn);
    return () => {
      const at = this.#listeners?.indexOf(fn) ?? -1;
      if (at !== -1) this.#listeners?.splice(at, 1);
    };
  }
}

export interface RequestClock {
  cancel: Cancellation;
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
  const cancel = new Canceller();
  const started = now();
  const timer = setTimeout(
    () =>
      cancel.abort(
        new UpstreamError('total-timeout', `no complete answer within ${totalMs} ms (total timeout)`),
      ),
    totalMs,
  );
  const unwatch = client?.(() => cancel.abort(new ClientGoneError()));
  return {
    cancel,
    elapsed: () => now() - started,
    stop: () => {
      clearTimeout(timer);
      unwatch?.();
    },
  };
}

export interface AttemptClock {
  cancel: Cancellation;
  /** The first token (or plain answer's headers) arrived: the idle clock takes over. */
  firstToken(): void;
  /** Body arrived: the idle clock starts again. */
  data(): void;
  stop(): void;
}

export function startAttemptClock(request: Cancellation, timeouts: Timeouts, upstream: string): AttemptClock {
  const cancel = new Canceller();
  const unfollow = request.onAbort((reason) => cancel.abort(reason));
  let idle: NodeJS.Timeout | undefined;
  let first: NodeJS.Timeout | undefined = setTimeout(
    () =>
      cancel.abort(
        new UpstreamError(
          'first-token-timeout',
          `upstream '${upstream}' sent no first token within ${timeouts.firstTokenMs} ms`,
        ),
      ),
    timeouts.firstTokenMs,
  );
  return {
    cancel,
    firstToken() {
      if (first === undefined) return;
      clearTimeout(first);
      first = undefined;
      idle = setTimeout(
        () =>
          cancel.abort(
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
      unfollow();
    },
  };
}
