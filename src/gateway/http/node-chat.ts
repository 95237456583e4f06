/**
 * The chat route carried by `node:http` directly: the server's fast path for
 * `POST /v1/chat/completions` (and `/chat/completions`). The same route code as under Hono
 * (`chat.ts`), the same request guard, idle bookkeeping and error answers, without a web
 * Request, Response or ReadableStream per request: the body is read from the IncomingMessage,
 * a plain answer written with one `end`, a stream's chunks written as the relay produces them.
 * Every other route, and any chat request this path does not take (another method, a URL in
 * another form), goes to the Hono app.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GuardedRequest } from '../../http/request-guard.js';
import { readBody } from './body.js';
import type { ChatExchange, ChatReply } from './exchange.js';
import { responseWatch } from './hono-chat.js';

export type NodeHandler = (incoming: IncomingMessage, outgoing: ServerResponse) => void;

const CHAT_PATHS: ReadonlySet<string> = new Set(['/v1/chat/completions', '/chat/completions']);

/** The chat path a request URL names (origin form, any query), or undefined. */
export function chatPathOf(url: string | undefined): string | undefined {
  if (url === undefined) return undefined;
  const q = url.indexOf('?');
  const path = q === -1 ? url : url.slice(0, q);
  return CHAT_PATHS.has(path) ? path : undefined;
}

export interface NodeChatOptions {
  /** The Host a request without one asked for (the bound address, as @hono/node-server uses). */
  defaultHost: string;
  /** The request guard's checks (throw the refusal). */
  check: (req: GuardedRequest) => void;
  /** The request id: the client's when sane, else a new one. */
  requestIdOf: (incoming: string | undefined) => string;
  run: (exchange: ChatExchange, requestId: string) => Promise<ChatReply>;
  /** What the Hono app's `onError` answers for a thrown error. */
  errorReply: (error: unknown, requestId: string) => ChatReply;
  enter: () => void;
  leave: () => void;
}

/** A `node:http` handler for chat requests, falling back to `other` for the rest. */
export function nodeChatHandler(options: NodeChatOptions, other: NodeHandler): NodeHandler {
  return (incoming, outgoing) => {
    const path = incoming.method === 'POST' ? chatPathOf(incoming.url) : undefined;
    if (path === undefined) {
      other(incoming, outgoing);
      return;
    }
    const header = (name: string): string | undefined => {
      const value = incoming.headers[name];
      return Array.isArray(value) ? value.join(', ') : value;
    };
    const requestId = options.requestIdOf(header('x-request-id'));
    const exchange: ChatExchange = {
      path,
      header,
      readBody: (limit) => readBody({ incoming }, header('content-length'), limit),
      watch: responseWatch(outgoing),
    };
    options.enter();
    let answer: Promise<ChatReply>;
    try {
      options.check({ method: 'POST', path, header, defaultHost: () => options.defaultHost });
      answer = options.run(exchange, requestId);
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer
      .catch((error: unknown) => options.errorReply(error, requestId))
      .then((reply) => send(reply, outgoing))
      .finally(options.leave);
  };
}

function send(reply: ChatReply, outgoing: ServerResponse): void {
  if (outgoing.destroyed) {
    reply.stream?.cancel();
    return;
  }
  if (reply.stream === undefined) {
    const headers = reply.headers;
    if (reply.body !== null) headers['content-length'] = String(Buffer.byteLength(reply.body));
    outgoing.writeHead(reply.status, headers);
    outgoing.end(reply.body ?? undefined);
    return;
  }
  const stream = reply.stream;
  outgoing.writeHead(reply.status, reply.headers);
  outgoing.once('close', () => stream.cancel());
  stream.attach({
    write: (text) => {
      if (!outgoing.destroyed) outgoing.write(text);
    },
    end: () => {
      if (!outgoing.destroyed) outgoing.end();
    },
  });
  // The head and the first chunk go out now. Node holds a response's writes until the next
  // tick (it corks the socket), and the relay works through every chunk the upstream's last
  // read brought before that tick comes: the client would wait for all of them.
  const socket = outgoing.socket;
  if (socket !== null && socket.writableCorked > 0) socket.uncork();
}
