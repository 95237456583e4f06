/**
 * A model answer that arrived whole, as the `Response` the transport hands the AI SDK
 * providers, without building a fetch Response for it unless something asks for one.
 *
 * The providers read an answer's status, its headers, and its body as a web stream
 * (`response.body.getReader()`, one chunk, then done). A fetch Response would first copy the
 * bytes and every header again and put the bytes behind a byte stream, on every model call.
 * Here `headers` are the transport's and `body` reads the one buffer (whole-body.ts).
 * Anything else (`text()`, `json()`, `clone()`, …) is answered by a real Response made at
 * that moment over the same body (a real stream of it, if it was handed out), so what a
 * Response promises still holds: a body is read once, a read body cannot be read again.
 */
import { WholeBody } from './whole-body.js';

/** The Response this process has now (under @hono/node-server, its lightweight one). */
const ResponseClass: typeof Response = globalThis.Response;

export class BufferedAnswer {
  readonly status: number;
  readonly statusText: string;
  readonly headers: Headers;
  // What a Response made by the transport says: not from a fetch, so no URL and no redirect.
  readonly redirected = false;
  readonly type: Response['type'] = 'default';
  readonly url = '';
  readonly #bytes: Uint8Array<ArrayBuffer>;
  #body: WholeBody | undefined;
  #real: Response | undefined;

  constructor(bytes: Uint8Array<ArrayBuffer>, status: number, statusText: string, headers: Headers) {
    // What the Response constructor refuses (the transport turns it into fetch's network error).
    if (!Number.isInteger(status) || status < 200 || status > 599) {
      throw new RangeError(`invalid status ${status}: a response's status is in 200–599`);
    }
    this.#bytes = bytes;
    this.status = status;
    this.statusText = statusText;
    this.headers = headers;
  }

  get ok(): boolean {
    return this.status >= 200 && this.status < 300;
  }

  get body(): ReadableStream<Uint8Array> {
    // Once handed out, the same body, whatever reads it (it turns into a real stream if a Response needs one).
    if (this.#body !== undefined) return this.#body as unknown as ReadableStream<Uint8Array>;
    if (this.#real !== undefined) return this.#real.body as ReadableStream<Uint8Array>;
    this.#body = new WholeBody(this.#bytes);
    return this.#body as unknown as ReadableStream<Uint8Array>;
  }

  get bodyUsed(): boolean {
    if (this.#real !== undefined) return this.#real.bodyUsed;
    return this.#body?.disturbed ?? false;
  }

  /** A real Response over the same body; refused, as by fetch, once the body was read or taken. */
  #response(): Response {
    if (this.#real === undefined) {
      const body = this.#body;
      if (body !== undefined && (body.disturbed || body.locked)) {
        throw new TypeError('Body is unusable: Body has already been read');
      }
      this.#real = new ResponseClass(body !== undefined ? body.real() : this.#bytes, {
        status: this.status,
        statusText: this.statusText,
        headers: this.headers,
      });
    }
    return this.#real;
  }

  async #read<T>(how: (response: Response) => Promise<T>): Promise<T> {
    return how(this.#response());
  }

  arrayBuffer(): Promise<ArrayBuffer> {
    return this.#read((r) => r.arrayBuffer());
  }
  blob(): Promise<Blob> {
    return this.#read((r) => r.blob());
  }
  bytes(): Promise<Uint8Array<ArrayBuffer>> {
    return this.#read((r) => r.bytes() as Promise<Uint8Array<ArrayBuffer>>);
  }
  formData(): Promise<FormData> {
    return this.#read((r) => r.formData());
  }
  json(): Promise<unknown> {
    return this.#read((r) => r.json());
  }
  text(): Promise<string> {
    return this.#read((r) => r.text());
  }
  clone(): Response {
    return this.#response().clone();
  }
}

// `answer instanceof Response` holds, as for any Response.
Object.setPrototypeOf(BufferedAnswer.prototype, ResponseClass.prototype);
