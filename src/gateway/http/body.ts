/**
 * The request body as text, refusing more than `limit` bytes. Under @hono/node-server it is
 * read straight from Node's IncomingMessage (building a web Request stream per call costs
 * more than the rest of a proxied request); elsewhere (`app.request()`) from the web request.
 */
import type { IncomingMessage } from 'node:http';
import type { Context } from 'hono';

export class BodyTooLargeError extends Error {
  readonly limit: number;
  constructor(limit: number) {
    super(`the request body is over the limit of ${limit} bytes`);
    this.name = 'BodyTooLargeError';
    this.limit = limit;
  }
}

const decoder = new TextDecoder();

export async function readBody(c: Context, limit: number): Promise<string> {
  const declared = c.req.header('content-length');
  if (declared !== undefined && Number(declared) > limit) throw new BodyTooLargeError(limit);
  const incoming = (c.env as { incoming?: IncomingMessage } | undefined)?.incoming;
  const chunks: Uint8Array[] = [];
  let size = 0;
  const add = (chunk: Uint8Array): void => {
    size += chunk.length;
    if (size > limit) throw new BodyTooLargeError(limit);
    chunks.push(chunk);
  };
  if (incoming !== undefined && typeof incoming.on === 'function') {
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
    const reader = c.req.raw.body?.getReader();
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
