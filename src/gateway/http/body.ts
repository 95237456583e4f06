/**
 * The request body as text, refusing more than `limit` bytes: straight from Node's
 * IncomingMessage (the server's fast path, and under @hono/node-server: building a web Request
 * stream per call costs more than the rest of a proxied request), or from a web Request
 * (`app.request()`).
 */
import type { IncomingMessage } from 'node:http';

export class BodyTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`the request body is over the limit of ${limit} bytes`);
    this.name = 'BodyTooLargeError';
    this.limit = limit;
  }
}

const decoder = new TextDecoder();

export async function readBody(
  source: { incoming: IncomingMessage } | { request: Request },
  declared: string | undefined,
  limit: number,
): Promise<string> {
  if (declared !== undefined && Number(declared) > limit) throw new BodyTooLargeError(limit);
  const chunks: Uint8Array[] = [];
  let size = 0;
  const add = (chunk: Uint8Array): void => {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk);
  };
  if ('incoming' in source) {
    const incoming = source.incoming;
    // Events, not `for await`: an async iterator per request costs more than a small body.
    await new Promise<void>((resolve, reject) => {
      const fail = (error: unknown): void => {
        incoming.off('data', onData);
        incoming.resume();
        reject(error);
      };
      const onData = (chunk: Buffer): void => {
        try {
          add(chunk);
        } catch (error) {
          fail(error);
        }
      };
      incoming.on('data', onData);
      incoming.once('end', resolve);
      incoming.once('error', fail);
    });
  } else {
    const reader = source.request.body?.getReader();
    if (reader !== undefined) {
      for (;;) {
        const { done, value } = await reader.read();
        if (done) break;
        add(value);
      }
    }
  }
  if (chunks.length === 0) return '';
  return decoder.decode(chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, size));
}
