/** What every route of the gateway needs, built once by `createGatewayApp`. */
import type { GatewayConfig } from '../config/types.js';
import type { KeyGate } from '../keys/gate.js';
import type { GatewayKeyStore } from '../keys/store.js';
import type { GatewayLogger } from '../ops/log.js';
import type { GatewayMetrics } from '../ops/metrics.js';
import type { UpstreamPool } from '../routing/pool.js';
import type { DispatchDeps } from '../routing/record.js';
import type { Router } from '../routing/router.js';

export interface GatewayContext {
  config: GatewayConfig;
  router: Router;
  pool: UpstreamPool;
  gate: KeyGate;
  keyStore: GatewayKeyStore | undefined;
  metrics: GatewayMetrics;
  logger: GatewayLogger;
  deps: DispatchDeps;
  bodyLimitBytes: number;
  version: string;
}
