/**
 * The serving process of the lean path, shared by the container entry (../entry.ts) and
 * `agentcrate gateway` (./cli.ts): bind the port with node:http, answer liveness probes, and
 * load the serving part (./part.ts) at the first other request. Until then its log is the
 * start's own (./start-log.ts); afterwards the part's pino log.
 */
import { lazyListener } from '../http/lazy-listener.js';
import { type ListeningServer, listenGateway } from '../http/listen.js';
import type { GatewayLogger } from '../ops/log.js';
import type { ServedGateway, ServeOptions } from './part.js';

/** The serving part (a file of its own in the bundle). */
export const loadPart = () => import('./part.js');

export interface LeanGateway {
  listening: ListeningServer;
  /** The start's log until the serving part is loaded, then the part's. */
  logger(): GatewayLogger;
  /** Stops accepting, lets streams in flight finish, closes upstreams and the key store. */
  close(): Promise<void>;
}

/** Binds the port (an unusable one throws, nothing loaded); the serving part comes later. */
export async function listenLean(options: ServeOptions & { logger: GatewayLogger }): Promise<LeanGateway> {
  let logger = options.logger;
  let part: ServedGateway | undefined;
  const { listener } = lazyListener(async () => {
    try {
      part = await (await loadPart()).serveGateway(options);
    } catch (error) {
      logger.error(
        { err: (error as Error).message ?? String(error) },
        'the gateway could not load its HTTP layer',
      );
      throw error;
    }
    logger = part.logger;
    return part.listener;
  });
  const listening = await listenGateway(listener, options.settings.host, options.settings.port);
  return {
    listening,
    logger: () => logger,
    async close() {
      await listening.close();
      await part?.gateway.close();
      logger.flush?.();
    },
  };
}
