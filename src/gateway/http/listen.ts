/**
 * The gateway's socket: binds a node:http server (refusals said in words: port in use, no
 * permission) and closes it letting streams in flight finish. Shared by `startGateway` and the
 * lean container entry, which binds before it has loaded the web layer.
 */
import { createServer, type RequestListener, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { listenError, localUrl } from '../../http/listen-address.js';

export interface ListeningServer {
  server: Server;
  port: number;
  /** The URL a client on this machine uses (loopback for a wildcard bind). */
  url: string;
  /** Stops accepting, gives open streams 5 s, then cuts them. */
  close(): Promise<void>;
}

export async function listenGateway(
  listener: RequestListener,
  host: string,
  port: number,
): Promise<ListeningServer> {
  const server = createServer(listener);
  let address: AddressInfo;
  try {
    address = await new Promise<AddressInfo>((ok, fail) => {
      server.once('error', fail);
      server.listen(port, host, () => {
        server.off('error', fail);
        ok(server.address() as AddressInfo);
      });
    });
  } catch (error) {
    throw listenError(error, host, port);
  }
  server.keepAliveTimeout = 65_000;
  const url = localUrl(address);
  let closing: Promise<void> | undefined;
  return {
    server,
    port: address.port,
    url,
    close() {
      closing ??= (async () => {
        const closed = new Promise<void>((done) => server.close(() => done()));
        server.closeIdleConnections();
        // Streams still open get a moment to finish, then are cut.
        const force = setTimeout(() => server.closeAllConnections(), 5_000);
        force.unref();
        await closed;
        clearTimeout(force);
      })();
      return closing;
    },
  };
}
