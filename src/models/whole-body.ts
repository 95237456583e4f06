/**
 * The body of a model answer that arrived whole, as the web `ReadableStream` the AI SDK
 * providers read it through, without building one for every model call.
 *
 * A provider reads an answer with `body.getReader()`, `read()` until done, `cancel()` and
 * `releaseLock()` (provider-utils' `readResponseWithSizeLimit`). A real stream costs a
 * controller, a queue, a reader and several promises for what is one chunk. Here a reader
 * answers from the one buffer: the chunk, then done. Anything else a stream offers
 * (`pipeThrough`, `pipeTo`, `tee`, async iteration, a BYOB reader) is answered by a real
 * stream made at that moment over what is left of the body, so what a stream promises still
 * holds: one reader at a time, a read body gives nothing more, a locked stream refuses.
 */

import type { ReadableStreamReadResult, StreamPipeOptions } from 'node:stream/web';

const Stream: typeof ReadableStream = globalThis.ReadableStream;
const done = <T>(): ReadableStreamReadResult<T> => ({ done: true, value: undefined });

export class WholeBody {
  #bytes: Uint8Array<ArrayBuffer> | undefined;
  #reader: WholeBodyReader | undefined;
  #real: ReadableStream<Uint8Array> | undefined;
  /** Read from or cancelled: what a Response calls its body being used. */
  disturbed = false;

  constructor(bytes: Uint8Array<ArrayBuffer>) {
    // As a Response over bytes: an empty body is a stream that ends at once.
    this.#bytes = bytes.byteLength > 0 ? bytes : undefined;
  }

  get locked(): boolean {
    return this.#real !== undefined ? this.#real.locked : this.#reader !== undefined;
  }

  getReader(options?: { mode?: 'byob' }): ReadableStreamDefaultReader<Uint8Array> {
    if (this.#real !== undefined || options?.mode !== undefined) {
      return this.real().getReader(options as never) as ReadableStreamDefaultReader<Uint8Array>;
    }
    if (this.#reader !== undefined) throw new TypeError('ReadableStream is locked');
    this.#reader = new WholeBodyReader(this);
    return this.#reader as unknown as ReadableStreamDefaultReader<Uint8Array>;
  }

  cancel(reason?: unknown): Promise<void> {
    if (this.#real !== undefined) return this.#real.cancel(reason);
    if (this.#reader !== undefined) return Promise.reject(new TypeError('ReadableStream is locked'));
    this.take();
    return Promise.resolve();
  }

  /** The rest of the body (once), marking it used. */
  take(): Uint8Array<ArrayBuffer> | undefined {
    this.disturbed = true;
    const bytes = this.#bytes;
    this.#bytes = undefined;
    return bytes;
  }

  release(reader: WholeBodyReader): void {
    if (this.#reader === reader) this.#reader = undefined;
  }

  /** A real stream over what is left of the body; this object answers through it from now on. */
  real(): ReadableStream<Uint8Array> {
    if (this.#real === undefined) {
      if (this.#reader !== undefined) throw new TypeError('ReadableStream is locked');
      this.#real = new Stream<Uint8Array>({
        pull: (controller) => {
          const bytes = this.take();
          if (bytes !== undefined) controller.enqueue(bytes);
          controller.close();
        },
        cancel: () => {
          this.take();
        },
      });
    }
    return this.#real;
  }

  pipeThrough<T>(
    transform: ReadableWritablePair<T, Uint8Array>,
    options?: StreamPipeOptions,
  ): ReadableStream<T> {
    return this.real().pipeThrough(transform, options);
  }

  pipeTo(destination: WritableStream<Uint8Array>, options?: StreamPipeOptions): Promise<void> {
    return this.real().pipeTo(destination, options);
  }

  tee(): [ReadableStream<Uint8Array>, ReadableStream<Uint8Array>] {
    return this.real().tee();
  }

  values(options?: { preventCancel?: boolean }): AsyncIterableIterator<Uint8Array> {
    return (this.real() as unknown as { values(o?: unknown): AsyncIterableIterator<Uint8Array> }).values(
      options,
    );
  }

  [Symbol.asyncIterator](options?: { preventCancel?: boolean }): AsyncIterableIterator<Uint8Array> {
    return this.values(options);
  }

  get [Symbol.toStringTag](): string {
    return 'ReadableStream';
  }
}

/** A default reader of a WholeBody: the one chunk, then done. */
class WholeBodyReader {
  #body: WholeBody | undefined;
  #closed: PromiseWithResolvers<undefined> | undefined;
  /** The body is read (its one chunk handed out) or cancelled: the stream is closed. */
  #ended = false;

  constructor(body: WholeBody) {
    this.#body = body;
  }

  #end(): void {
    this.#ended = true;
    this.#closed?.resolve(undefined);
  }

  read(): Promise<ReadableStreamReadResult<Uint8Array>> {
    const body = this.#body;
    if (body === undefined) return Promise.reject(new TypeError('the reader was released'));
    const bytes = body.take();
    this.#end();
    return Promise.resolve(bytes === undefined ? done() : { done: false, value: bytes });
  }

  cancel(_reason?: unknown): Promise<void> {
    const body = this.#body;
    if (body === undefined) return Promise.reject(new TypeError('the reader was released'));
    body.take();
    this.#end();
    return Promise.resolve();
  }

  releaseLock(): void {
    if (this.#body === undefined) return;
    this.#body.release(this);
    this.#body = undefined;
    if (!this.#ended) {
      // As a real reader: released before the stream closed, `closed` rejects.
      this.#closed ??= Promise.withResolvers();
      this.#closed.promise.catch(() => {});
      this.#closed.reject(new TypeError('the reader was released'));
    }
  }

  get closed(): Promise<undefined> {
    this.#closed ??= Promise.withResolvers();
    if (this.#ended) this.#closed.resolve(undefined);
    return this.#closed.promise;
  }

  get [Symbol.toStringTag](): string {
    return 'ReadableStreamDefaultReader';
  }
}

// `body instanceof ReadableStream` (and the reader's) holds, as for any Response body.
Object.setPrototypeOf(WholeBody.prototype, Stream.prototype);
Object.setPrototypeOf(WholeBodyReader.prototype, globalThis.ReadableStreamDefaultReader.prototype);
