/**
 * `--api configurable-agents`: the HTTP API of configurable-agents' generated FastAPI server
 * (response shapes, status codes, pydantic's lax input rules, `detail` errors) over the same
 * runner, store and middleware as the default API.
 */
export { compatErrorResponse, compatNotFound } from './errors.js';
export { registerCompatRoutes } from './routes.js';

export { API_STYLES, type ApiStyle } from './styles.js';
