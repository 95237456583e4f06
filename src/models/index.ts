/** The models room: provider registry, resolution, credential checks, retries, dry run. */
export { type CreateModelClientOptions, createModelClient, DEFAULT_CALL_TIMEOUT_MS } from './client.js';
export { missingCredentials } from './credentials.js';
export { createDryRunModel, DRY_RUN_PROVIDER, dryRunText } from './dry-run-model.js';
export { modelError } from './model-error.js';
export {
  DEFAULT_GATEWAY_URL,
  DEFAULT_OLLAMA_BASE_URL,
  DEFAULT_PROVIDER,
  GATEWAY_PROVIDER,
  gatewayApiBase,
  ollamaApiBase,
  PROVIDERS,
  providerSpec,
} from './providers.js';
export { readOverride, resolveLlm, splitModelPrefix } from './resolve.js';
export {
  abortableSleep,
  backoffDelayMs,
  isRetryableError,
  ModelCallTimeoutError,
  retryAfterFromHeaders,
  retryAfterMs,
  retryDelayMs,
  withRetry,
} from './retry.js';
export { placeholderFor } from './schema-sample.js';
export type { ModelTransportOptions } from './transport.js';

/**
 * The model transport (undici's request API, with the answer cap), loaded on demand so that
 * importing this room does not load undici: `(await loadModelTransport()).createModelTransport()`.
 */
export const loadModelTransport = () => import('./transport.js');
export type * from './types.js';
