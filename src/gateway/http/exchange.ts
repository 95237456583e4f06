/**
 * The chat route's request and answer, apart from the HTTP layer that carries them. The route
 * (`chat.ts`) reads a `ChatExchange` and returns a `ChatReply`; two carriers exist: Hono's
 * Request/Response (`app.request()`, every route of the app) and `node:http` directly (the
 * server's fast path for chat, `node-chat.ts`), so a proxied request builds no web objects.
 */
import type { ClientWatch } from '../routing/attempt.js';

export interface ChatExchange {
  /** The path without the query. */
  path: string;
  header(name: string): string | undefined;
  /** The body as text; throws `BodyTooLargeError` past `limit` bytes. */
  readBody(limit: number): Promise<string>;
  /** Subscribes to the client leaving before the answer is complete. */
  watch: ClientWatch;
}

/** Where a stream's text goes once the carrier has sent the response head. */
export interface StreamOut {
  write(text: string): void;
  end(): void;
}

export type ChatReply =
  | { status: number; headers: Record<string, string>; body: string | Buffer | null; stream?: undefined }
  | {
      status: 200;
      headers: Record<string, string>;
      body?: undefined;
      /** Connects the stream to the carrier: text written before this call is sent first. */
      stream: StreamAttach;
    };

export interface StreamAttach {
  attach(out: StreamOut): void;
  /** The client went away: further text is dropped. */
  cancel(): void;
}

/**
 * The stream side the relay writes to: text is held until the carrier attaches (the response
 * head goes out with the first chunk), then passed straight through.
 */
export class StreamBuffer implements StreamAttach {
  started = false;
  #out: StreamOut | undefined;
  #held: string[] = [];
  #ended = false;
  #open = true;
  readonly #onStart: () => void;

  constructor(onStart: () => void) {
    this.#onStart = onStart;
  }

  write(text: string): void {
    if (!this.started) {
      this.started = true;
      this.#onStart();
    }
    if (!this.#open) return;
    if (this.#out !== undefined) this.#out.write(text);
    else this.#held.push(text);
  }

  end(): void {
    if (!this.#open) return;
    this.#open = false;
    if (this.#out !== undefined) this.#out.end();
    else this.#ended = true;
  }

  attach(out: StreamOut): void {
    this.#out = out;
    for (const text of this.#held) out.write(text);
    this.#held = [];
    if (this.#ended) out.end();
  }

  cancel(): void {
    this.#open = false;
    this.#held = [];
  }
}
