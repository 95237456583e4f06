/**
 * `POST /run` carried by `node:http` directly: the server's fast path for its hot route. The
 * same route code as under Hono (routes/run.ts), behind the same request id, idle bookkeeping,
 * request guard, API-key check and error answers as the Hono app's middleware, without Hono's
 * context, the adapter's web Request and Response, or the middleware chain's promises per
 * request: the body is read from the IncomingMessage and the answer written with one `end`.
 *
 * Only a request this path reads exactly as the Hono app would takes it: `POST /run` in
 * origin form without a query, with a Host header and no header sent twice (repeats are
 * joined differently by Node and by fetch's Headers, and the guard reads Host, Origin and
 * the content type). Everything else goes to the Hono app unchanged.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GuardedRequest } from '../http/request-guard.js';
import { readBody } from './body.js';
import type { RunReply, RunRequest } from './routes/run.js';

export type NodeHandler = (incoming: IncomingMessage, outgoing: ServerResponse) => void;

export interface NodeRunOptions {
  /** The request guard's checks (throw the refusal). */
  check: (req: GuardedRequest) => void;
  /** An answer to a request without a valid API key, or undefined when it may go on. */
  refuse: (header: (name: string) => string | undefined) => Response | undefined;
  /** The request id: the client's when sane, else a new one. */
  requestIdOf: (incoming: string | undefined) => string;
  /** Counts the request (the server's metrics). */
  count: () => void;
  run: (req: RunRequest) => Promise<RunReply>;
  /** What the Hono app's `onError` answers for a thrown error. */
  errorResponse: (error: unknown, requestId: string) => Response;
  enter: () => void;
  leave: () => void;
}

const NO_DEFAULT_HOST = (): string => {
  throw new Error('a request on the fast path has a Host header');
};

/**
 * The request's headers as one lower-cased record, or undefined when a name is repeated (the
 * request then goes to the Hono app, which reads repeats as fetch does).
 */
function headerRecord(raw: readonly string[]): Record<string, string> | undefined {
  const out: Record<string, string> = Object.create(null);
  for (let i = 0; i < raw.length; i += 2) {
    const name = (raw[i] as string).toLowerCase();
    if (out[name] !== undefined) return undefined;
    out[name] = raw[i + 1] as string;
  }
  return out;
}

/** A `node:http` handler for `POST /run`, falling back to `other` for the rest. */
export function nodeRunHandler(options: NodeRunOptions, other: NodeHandler): NodeHandler {
  return (incoming, outgoing) => {
    const headers =
      incoming.method === 'POST' && incoming.url === '/run' ? headerRecord(incoming.rawHeaders) : undefined;
    if (headers === undefined || headers.host === undefined) {
      other(incoming, outgoing);
      return;
    }
    const header = (name: string): string | undefined => headers[name];
    const requestId = options.requestIdOf(headers['x-request-id']);
    options.count();
    options.enter();
    let answer: Promise<Answer>;
    try {
      options.check({ method: 'POST', path: '/run', header, defaultHost: NO_DEFAULT_HOST });
      const refusal = options.refuse(header);
      answer =
        refusal !== undefined
          ? Promise.resolve({ response: refusal })
          : options
              .run({
                header,
                query: () => undefined,
                readBody: (limit) => readBody({ header, incoming }, limit),
              })
              .then((reply) => ({ reply }));
    } catch (error) {
      answer = Promise.reject(error);
    }
    answer
      .finally(options.leave)
      .catch((error: unknown) => ({ response: options.errorResponse(error, requestId) }))
      .then((a) => send(a, requestId, outgoing))
      .catch((error: unknown) => {
        // Writing the answer failed (the socket is gone): nothing is left to tell the client.
        if (!outgoing.destroyed) outgoing.destroy(error as Error);
      });
  };
}

type Answer = { reply: RunReply } | { response: Response };

async function send(answer: Answer, requestId: string, outgoing: ServerResponse): Promise<void> {
  if (outgoing.destroyed) return;
  if ('response' in answer) {
    // An error or a refusal, answered as the Hono app answers it.
    const response = answer.response;
    const text = await response.text();
    const headers: Record<string, string> = { 'X-Request-Id': requestId };
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    headers['content-length'] = String(Buffer.byteLength(text));
    if (outgoing.destroyed) return;
    outgoing.writeHead(response.status, headers);
    outgoing.end(text);
    return;
  }
  const { reply } = answer;
  const text = JSON.stringify(reply.body);
  outgoing.writeHead(reply.status, {
    'X-Request-Id': requestId,
    ...reply.headers,
    'content-type': 'application/json',
    'content-length': String(Buffer.byteLength(text)),
  });
  outgoing.end(text);
}
