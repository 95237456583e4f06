/** The server room: the Hono app factory, the job runner and the socket server. */
export { type AppOptions, type CreatedApp, createApp, DEFAULTS } from './app.js';
export { createKeyCheck, presentedToken } from './auth.js';
export type { App, AppEnv, ServerContext } from './context.js';
export { errorBody, errorResponse, httpStatusFor, toHttpError } from './errors.js';
export { type JobStatusView, jobStatusView, statusPath } from './job-view.js';
export { createLogger, type Logger, silentLogger } from './logger.js';
export { Metrics } from './metrics.js';
export { exampleInput, inputsSchema, openApiDocument, outputsSchema, schemaDocument } from './openapi.js';
export { JobRunner, type JobStreamItem, type SubmitInput, type SubmitResult } from './runner/index.js';
export { type RunningServer, type ServeOptions, startServer } from './serve.js';
export {
  checkWebhookUrl,
  deliverWebhook,
  SIGNATURE_HEADER,
  signBody,
  type WebhookResult,
} from './webhook.js';
