/**
 * Reads a request body as text, refusing more than `limit` bytes (413).
 *
 * Under @hono/node-server the body is read straight from Node's IncomingMessage. Going
 * through `c.req.raw` instead (Hono's body-limit middleware, `c.req.text()`) makes the adapter
 * build a real fetch `Request` with a web ReadableStream over the socket for every call, a
 * cost out of all proportion to a body of a few dozen bytes (BENCHMARKS.md, Numbers behind
 * settings in the code). Anywhere else (`app.request()` in tests, other runtimes) the web
 * request is read, with the same limit.
 *
 * Same result as `Request.text()`: UTF-8 with replacement characters, a leading BOM dropped.
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';
import { AgentcrateError } from '../errors.js';

const decoder = new TextDecoder();

export function readBodyText(c: Context, limit: number): Promise<string> {
  return readBody(
    {
      header: (name) => c.req.header(name),
      incoming: (c.env as { incoming?: IncomingMessage } | undefined)?.incoming,
      web: () => c.req.raw.body,
    },
    limit,
  );
}

/** Where a body is read from: Node's request when there is one, else the web request's stream. */
export interface BodySource {
  header(name: string): string | undefined;
  incoming?: IncomingMessage | undefined;
  web?: () => ReadableStream<Uint8Array> | null;
}

export async function readBody(source: BodySource, limit: number): Promise<string> {
  const tooLarge = () =>
    new AgentcrateError(
      'E_PAYLOAD_TOO_LARGE',
      `request body is over the limit of ${limit} bytes; send smaller inputs`,
      { details: { limitBytes: limit } },
    );
  // A declared length over the limit is refused before a byte is read.
  const declared = source.header('content-length');
  if (
    declared !== undefined &&
    source.header('transfer-encoding') === undefined &&
    Number(declared) > limit
  ) {
    throw tooLarge();
  }
  const incoming = source.incoming;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const add = (chunk: Uint8Array) => {
    size += chunk.length;
    if (size > limit) throw tooLarge();
    chunks.push(chunk);
  };
  if (incoming !== undefined && typeof incoming.on === 'function') {
    if (incoming.complete && !incoming.readableDidRead) {
      // The whole body has arrived (the usual case for a small one): it is all in the stream's
      // buffer, so it is taken in one synchronous read rather than through an async iterator,
      // which costs promises and stream listeners per request.
      const chunk: Buffer | null = incoming.read();
      if (chunk !== null) add(chunk);
    } else {
      await readArriving(incoming, add);
    }
  } else {
    const reader = source.web?.()?.getReader();
    if (reader !== undefined) {
      try {
        for (;;) {
          const { done, value } = await reader.read();
          if (done) break;
          add(value);
        }
      } finally {
        reader.releaseLock();
      }
    }
  }
  if (chunks.length === 0) return '';
  return decoder.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
}

/**
 * A body still arriving (the usual case under @hono/node-server, whose handler runs as soon as
 * the headers are parsed) read through the stream's events: one promise per request, where an
 * async iterator costs a promise per chunk and a finished-stream watcher. A chunk `add` refuses
 * ends the read there; the rest of the body is left to flow away unread, as Node's server
 * drains what a handler did not read.
 */
function readArriving(incoming: IncomingMessage, add: (chunk: Buffer) => void): Promise<void> {
  return new Promise((resolve, reject) => {
    let settled = false;
    const settle = (error?: unknown): void => {
      if (settled) return;
      settled = true;
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
      if (error === undefined) resolve();
      else reject(error);
    };
    const onData = (chunk: Buffer): void => {
      try {
        add(chunk);
      } catch (error) {
        settle(error);
      }
    };
    const onEnd = (): void => settle();
    const onError = (error: Error): void => settle(error);
    // Closed before its end (the client went away): the iterator's premature-close error.
    const onClose = (): void =>
      settle(Object.assign(new Error('Premature close'), { code: 'ERR_STREAM_PREMATURE_CLOSE' }));
    incoming.on('data', onData);
    incoming.on('end', onEnd);
    incoming.on('error', onError);
    incoming.on('close', onClose);
  });
}
