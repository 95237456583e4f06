/**
 * One model request through undici's `dispatch`, its answer read by our own handler.
 *
 * undici's `request()` wraps every call in an async resource and hands the body over as a
 * Node `Readable`, which the transport then read back through stream events into one buffer.
 * A model call needs neither: this handler gathers the chunks itself (a whole answer) or
 * feeds them to a web stream under backpressure (an event stream), and settles with fetch's
 * errors, as the transport promises the providers:
 * - a failure before the answer's head: `TypeError('fetch failed', { cause })`;
 * - a failure while its body arrives: `TypeError('terminated', { cause })`;
 * - the caller's signal aborting at any point: the signal's reason, the connection dropped;
 * - more than `limit` bytes (declared, or counted as they arrive after decompression):
 *   `ModelAnswerTooLargeError`, the connection dropped.
 */
import type { Dispatcher } from 'undici';
import { AgentcrateError } from '../errors.js';
import { followAbort } from './call-signal.js';

export class ModelAnswerTooLargeError extends AgentcrateError {
  constructor(limit: number, url: string) {
    super(
      'E_MODEL',
      `the model's answer from ${new URL(url).origin} is larger than ${limit} bytes; refused (raise AGENTCRATE_MAX_MODEL_ANSWER_BYTES if such answers are expected)`,
      { details: { maxAnswerBytes: limit } },
    );
  }
}

export function networkError(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

function terminated(cause: unknown): TypeError {
  return new TypeError('terminated', { cause });
}

export type AnswerHead = Record<string, string | string[] | undefined>;

export interface Answer {
  statusCode: number;
  statusText: string;
  headers: AnswerHead;
  /** The whole body, a stream of it as it arrives, or null (HEAD, 204, 304…). */
  body: Buffer | ReadableStream<Uint8Array> | null;
  /** A redirect, its body not read: the caller asks again through the redirect handler. */
  redirected: boolean;
}

export interface AnswerOptions {
  limit: number;
  href: string;
  signal: AbortSignal | undefined;
  /** Whether the answer has no body to read (HEAD, or a status without one). */
  bodiless: (statusCode: number) => boolean;
  /** Whether the answer is read as it arrives, from its content type. */
  streams: (contentType: string) => boolean;
  redirects: (statusCode: number, headers: AnswerHead) => boolean;
}

type Controller = Dispatcher.DispatchController;

/** The request dispatched; settles once the answer is whole (or its stream is ready). */
export function readAnswer(
  dispatcher: Dispatcher,
  request: Dispatcher.DispatchOptions,
  options: AnswerOptions,
): Promise<Answer> {
  return new Promise<Answer>((resolve, reject) => {
    const handler = new AnswerHandler(options, resolve, reject);
    if (!handler.listen()) return;
    dispatcher.dispatch(request, handler);
  });
}

class AnswerHandler implements Dispatcher.DispatchHandler {
  readonly #options: AnswerOptions;
  readonly #resolve: (answer: Answer) => void;
  readonly #reject: (error: unknown) => void;
  #controller: Controller | undefined;
  /** Whether the promise has settled (a stream may still be flowing). */
  #settled = false;
  /** Whether the exchange is over: nothing more is read or reported. */
  #done = false;
  #started = false;
  #mode: 'whole' | 'stream' | 'drop' = 'whole';
  #chunks: Buffer[] = [];
  #size = 0;
  #head: Omit<Answer, 'body' | 'redirected'> | undefined;
  #stream: ReadableStreamDefaultController<Uint8Array> | undefined;
  #unfollow: (() => void) | undefined;

  constructor(options: AnswerOptions, resolve: (answer: Answer) => void, reject: (error: unknown) => void) {
    this.#options = options;
    this.#resolve = resolve;
    this.#reject = reject;
  }

  /** Follows the caller's signal; false (and rejected) when it has already aborted. */
  listen(): boolean {
    const signal = this.#options.signal;
    if (signal === undefined) return true;
    if (signal.aborted) {
      this.#finish(signal.reason);
      return false;
    }
    this.#unfollow = followAbort(signal, this.#onAbort);
    return true;
  }

  readonly #onAbort = (reason: unknown): void => {
    // Settled at once; the connection is dropped now, or as soon as the request starts.
    this.#finish(reason);
    this.#controller?.abort(reason as Error);
  };

  /** Ends the exchange: the promise rejected (or the stream errored) with `error`, or done. */
  #finish(error?: unknown): void {
    if (this.#done) return;
    this.#done = true;
    this.#unfollow?.();
    this.#chunks = [];
    if (error === undefined) return;
    if (!this.#settled) {
      this.#settled = true;
      this.#reject(error);
    } else if (this.#stream !== undefined) {
      this.#stream.error(error);
    }
  }

  #settle(body: Answer['body'], redirected = false): void {
    this.#settled = true;
    const head = this.#head!;
    this.#resolve({
      statusCode: head.statusCode,
      statusText: head.statusText,
      headers: head.headers,
      body,
      redirected,
    });
  }

  onRequestStart(controller: Controller): void {
    this.#controller = controller;
    if (this.#done) controller.abort(this.#options.signal?.reason);
  }

  onResponseStart(
    controller: Controller,
    statusCode: number,
    headers: AnswerHead,
    statusText?: string,
  ): void {
    // An informational answer (100 Continue, 103): the real one follows.
    if (this.#done || statusCode < 200) return;
    this.#started = true;
    const options = this.#options;
    this.#head = { statusCode, statusText: statusText ?? '', headers };
    if (options.redirects(statusCode, headers)) {
      this.#settle(null, true);
      this.#finish();
      controller.abort(new Error('redirected'));
      return;
    }
    const declared = Number(headers['content-length'] ?? 0);
    if (declared > options.limit) {
      this.#fail(controller, new ModelAnswerTooLargeError(options.limit, options.href));
      return;
    }
    if (options.bodiless(statusCode)) {
      // Its bytes (none, or a body a HEAD answer should not have had) are read and dropped.
      this.#mode = 'drop';
      this.#settle(null);
      return;
    }
    const type = headers['content-type'];
    if (options.streams(typeof type === 'string' ? type : (type?.join(', ') ?? ''))) {
      this.#mode = 'stream';
      this.#settle(
        new ReadableStream<Uint8Array>({
          start: (c) => {
            this.#stream = c;
          },
          pull: () => controller.resume(),
          cancel: (reason) => {
            this.#finish();
            controller.abort(reason);
          },
        }),
      );
      controller.pause();
    }
  }

  onResponseData(controller: Controller, chunk: Buffer): void {
    // undici hands over empty chunks when a paused parser resumes: nothing to pass on.
    if (this.#mode === 'drop' || chunk.length === 0) return;
    // Given up on (aborted, too large): held, so a decoder does not inflate the rest for no one.
    if (this.#done) {
      controller.pause();
      return;
    }
    this.#size += chunk.length;
    if (this.#size > this.#options.limit) {
      this.#fail(controller, new ModelAnswerTooLargeError(this.#options.limit, this.#options.href));
      return;
    }
    if (this.#mode === 'whole') {
      this.#chunks.push(chunk);
      return;
    }
    const stream = this.#stream!;
    stream.enqueue(chunk);
    if ((stream.desiredSize ?? 0) <= 0) controller.pause();
  }

  onResponseEnd(): void {
    if (this.#done) return;
    if (this.#mode === 'whole') {
      const chunks = this.#chunks;
      this.#settle(chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, this.#size));
    } else if (this.#mode === 'stream') {
      this.#stream!.close();
    }
    this.#finish();
  }

  onResponseError(_controller: Controller | null, error: Error): void {
    if (this.#done) return;
    const signal = this.#options.signal;
    this.#finish(signal?.aborted ? signal.reason : this.#started ? terminated(error) : networkError(error));
  }

  #fail(controller: Controller, error: unknown): void {
    this.#finish(error);
    controller.abort(error as Error);
  }
}
