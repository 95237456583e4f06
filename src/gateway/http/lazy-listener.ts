/**
 * The gateway's Node request listener, with the web layer loaded by the first request that
 * needs it. @hono/node-server subclasses the global `Request`/`Response` when it is imported,
 * and touching them makes Node load its whole fetch implementation (web streams, HTTP/2, TLS,
 * zlib); an idle gateway has no use for it, so the import waits for the first request.
 *
 * Liveness probes (`GET /health`, what container engines and orchestrators ask every few
 * seconds) are answered here, with the same body as the Hono route, while the web layer is not
 * loaded: a probed but otherwise idle gateway stays as small as it started. Once it is loaded,
 * every request, probes included, goes through the Hono app.
 */
import type { IncomingMessage, RequestListener, ServerResponse } from 'node:http';

export type NodeListener = (incoming: IncomingMessage, outgoing: ServerResponse) => unknown;

const HEALTH_BODY = JSON.stringify({ status: 'ok' });

export interface LazyListener {
  listener: RequestListener;
  /** Whether the web layer has been loaded (tests, the memory benchmark). */
  loaded(): boolean;
}

export function lazyListener(load: () => Promise<NodeListener>): LazyListener {
  let ready: NodeListener | undefined;
  let loading: Promise<NodeListener> | undefined;
  const listener: RequestListener = (incoming, outgoing) => {
    if (ready !== undefined) {
      void ready(incoming, outgoing);
      return;
    }
    if (incoming.method === 'GET' && (incoming.url === '/health' || incoming.url?.startsWith('/health?'))) {
      outgoing.writeHead(200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(HEALTH_BODY),
      });
      outgoing.end(HEALTH_BODY);
      return;
    }
    loading ??= load().then((loaded) => {
      ready = loaded;
      return loaded;
    });
    loading.then(
      (loaded) => loaded(incoming, outgoing),
      () => {
        // Nothing to serve with: a broken install. Said once per request, never hanging.
        loading = undefined;
        if (!outgoing.headersSent) outgoing.writeHead(500, { 'content-type': 'application/json' });
        outgoing.end(JSON.stringify({ error: { message: 'the gateway could not load its HTTP layer' } }));
      },
    );
  };
  return { listener, loaded: () => ready !== undefined };
}
