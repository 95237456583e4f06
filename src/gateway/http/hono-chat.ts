/**
 * The chat route carried by Hono: the exchange read from Hono's context (under
 * @hono/node-server the body and the client's departure come from Node's own objects), the
 * reply turned into a web Response (a stream into a ReadableStream).
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Context } from 'hono';
import type { ClientWatch } from '../routing/attempt.js';
import { readBody } from './body.js';
import type { ChatExchange, ChatReply } from './exchange.js';

const encoder = new TextEncoder();

export function honoExchange(c: Context): ChatExchange {
  const env = c.env as { incoming?: IncomingMessage; outgoing?: ServerResponse } | undefined;
  const incoming = env?.incoming;
  return {
    path: c.req.path,
    header: (name) => c.req.header(name),
    readBody: (limit) =>
      readBody(
        incoming !== undefined && typeof incoming.on === 'function' ? { incoming } : { request: c.req.raw },
        c.req.header('content-length'),
        limit,
      ),
    watch: clientWatch(c, env?.outgoing),
  };
}

export function replyResponse(reply: ChatReply): Response {
  if (reply.stream === undefined) {
    // A Buffer is a Uint8Array, which Response takes; @types/node's BodyInit omits Buffer.
    return new Response(reply.body as string | null, { status: reply.status, headers: reply.headers });
  }
  const stream = reply.stream;
  const readable = new ReadableStream<Uint8Array>({
    start: (controller) =>
      stream.attach({
        write: (text) => controller.enqueue(encoder.encode(text)),
        end: () => controller.close(),
      }),
    cancel: () => stream.cancel(),
  });
  return new Response(readable, { status: reply.status, headers: reply.headers });
}

/** Watches for the client disconnecting before the answer is complete. */
function clientWatch(c: Context, outgoing: ServerResponse | undefined): ClientWatch {
  if (outgoing !== undefined && typeof outgoing.once === 'function') return responseWatch(outgoing);
  const signal = c.req.raw.signal;
  return (gone) => {
    if (signal.aborted) gone();
    else signal.addEventListener('abort', gone, { once: true });
    return () => signal.removeEventListener('abort', gone);
  };
}

/** A Node response's `close` before it finished: the client left. */
export function responseWatch(outgoing: ServerResponse): ClientWatch {
  return (gone) => {
    const onClose = (): void => {
      if (!outgoing.writableFinished) gone();
    };
    outgoing.once('close', onClose);
    return () => outgoing.off('close', onClose);
  };
}
