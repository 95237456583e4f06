/**
 * The routes of configurable-agents' generated server, over the same job runner as the default
 * API: `POST /run` (sync within the timeout, else `200 {status: "async", job_id}` and the same
 * run goes on), `GET /status/{job_id}`, `/health`, `/health/live`, `/health/ready`, `/schema`
 * and `/`, and the OpenAPI document describing them (`/openapi.json`, read by `/docs`).
 * Registered before the default routes, so these paths answer upstream's way.
 */
import { isAgentcrateError } from '../../errors.js';
import { readBodyText } from '../body.js';
import type { App, ServerContext } from '../context.js';
import { readiness } from '../routes/meta.js';
import { waitFor } from '../routes/run.js';
import { detailResponse } from './errors.js';
import { BODY_MISSING, checkCompatInputs, jsonInvalid } from './inputs.js';
import { compatOpenApiDocument } from './openapi.js';
import {
  asyncResponse,
  compatRoot,
  compatSchema,
  failureText,
  jobStatusResponse,
  pythonIso,
  successResponse,
} from './views.js';

const JSON_TYPE = 'application/json';

export function registerCompatRoutes(app: App, ctx: ServerContext): void {
  const root = JSON.stringify(compatRoot(ctx.workflow));
  const schema = JSON.stringify(compatSchema(ctx.workflow));
  const openapi = JSON.stringify(compatOpenApiDocument(ctx.workflow));
  app.get('/', (c) => c.body(root, 200, { 'content-type': JSON_TYPE }));
  app.get('/openapi.json', (c) => c.body(openapi, 200, { 'content-type': JSON_TYPE }));
  app.get('/schema', (c) => c.body(schema, 200, { 'content-type': JSON_TYPE }));
  app.get('/health', (c) => c.json({ status: 'healthy', timestamp: pythonIso(Date.now()) }));
  app.get('/health/live', (c) => c.json({ status: 'alive' }));
  app.get('/health/ready', async (c) => {
    // Upstream always says ready; a probe here also learns when runs would fail.
    const { reasons } = await readiness(ctx);
    return reasons.length > 0
      ? detailResponse(`not ready: ${reasons.join('; ')}`, 503, { 'Retry-After': '5' })
      : c.json({ status: 'ready' });
  });

  app.post('/run', async (c) => {
    const text = await readBodyText(c, ctx.bodyLimitBytes);
    if (text.trim() === '') return detailResponse([BODY_MISSING], 422);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch (error) {
      return detailResponse([jsonInvalid(text, error as Error)], 422);
    }
    const checked = checkCompatInputs(ctx.workflow, body);
    if (!checked.ok) return detailResponse(checked.detail, 422);
    let submitted: Awaited<ReturnType<typeof ctx.runner.submit>>;
    try {
      submitted = await ctx.runner.submit({ inputs: checked.inputs, waits: true });
    } catch (error) {
      // Values inside lists/objects that upstream's state model refuses when the run starts.
      if (isAgentcrateError(error) && error.code === 'E_INVALID_INPUT') {
        return detailResponse(`Workflow execution failed: ${error.message}`, 500);
      }
      throw error;
    }
    const finished = await waitFor(submitted.done, ctx.timeoutSeconds * 1000);
    const job = finished ?? submitted.job;
    switch (finished?.status) {
      case 'completed':
        return c.json(successResponse(job));
      case 'failed':
      case 'cancelled':
        return detailResponse(`Workflow execution failed: ${failureText(job)}`, 500);
      default:
        // Still running (or parked by a shutdown): the same job goes on; poll its status.
        return c.json(asyncResponse(job, ctx.timeoutSeconds));
    }
  });

  app.get('/status/:id', async (c) => {
    const job = await ctx.store.getJob(c.req.param('id'));
    return job === undefined ? detailResponse('Job not found', 404) : c.json(jobStatusResponse(job));
  });
}
