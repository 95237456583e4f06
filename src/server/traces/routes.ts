/**
 * Trace routes: `GET /traces` (recent runs with status, duration, tokens, cost),
 * `GET /traces/{job_id}` (a run's spans, rebuilt from its job's events) and `GET /ui` (the
 * trace page). The page itself
 * carries no data, so it is served without a key; the data routes need one when API keys
 * are set, which the page sends from a field the user fills in (kept in sessionStorage).
 */
import type { Env, Hono } from 'hono';
import { AgentcrateError } from '../../errors.js';
import { MAX_PAGE_SIZE, type Store } from '../../store/index.js';
import { getRunTrace, listRuns, type TraceReadOptions } from '../../telemetry/trace-reader.js';
import { createKeyCheck, presentedToken } from '../auth.js';
import { errorResponse } from '../errors.js';
import { tracesPage } from './ui-page.js';
import { runView, spanView } from './views.js';

export interface TraceRouteDeps {
  store: Store;
  /** When non-empty, `/traces` routes need one of these keys (the app's own check may also run). */
  apiKeys?: readonly string[];
  /** Page title (the workflow's name). */
  title?: string;
  /** Prices, redaction and the runner's live events for rebuilding traces (telemetry/trace-reader.ts). */
  read?: TraceReadOptions;
}

const DEFAULT_LIMIT = 50;

function parseLimit(raw: string | undefined): number {
  if (raw === undefined || raw === '') return DEFAULT_LIMIT;
  const limit = Number(raw);
  if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
    throw new AgentcrateError(
      'E_USAGE',
      `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, got '${raw}'`,
      {
        details: { parameter: 'limit' },
      },
    );
  }
  return limit;
}

export function registerTraceRoutes<E extends Env>(app: Hono<E>, deps: TraceRouteDeps): void {
  const keys = (deps.apiKeys ?? []).filter((k) => k.trim() !== '');
  if (keys.length > 0) {
    const check = createKeyCheck(keys);
    const guard = async (
      c: { req: { header(name: string): string | undefined } },
      next: () => Promise<void>,
    ) => {
      if (!check(presentedToken(c.req.header('authorization'), c.req.header('x-api-key')))) {
        return errorResponse(
          new AgentcrateError(
            'E_UNAUTHORIZED',
            'missing or invalid API key; send it as "Authorization: Bearer <key>"',
          ),
          { 'WWW-Authenticate': 'Bearer' },
        );
      }
      await next();
      return undefined;
    };
    app.use('/traces', guard);
    app.use('/traces/*', guard);
  }

  // Errors are returned here rather than thrown so the routes behave the same on a bare
  // Hono app (tests, other hosts) as behind the API's error handler.
  app.get('/traces', async (c) => {
    try {
      const limit = parseLimit(c.req.query('limit'));
      const cursor = c.req.query('cursor');
      const page = await listRuns(deps.store, cursor ? { limit, cursor } : { limit }, deps.read);
      return c.json({ runs: page.runs.map(runView), next_cursor: page.nextCursor ?? null });
    } catch (error) {
      return errorResponse(error);
    }
  });

  app.get('/traces/:id', async (c) => {
    try {
      const id = c.req.param('id');
      const found = await getRunTrace(deps.store, id, deps.read);
      if (found === undefined) {
        throw new AgentcrateError(
          'E_NOT_FOUND',
          `no trace for job '${id}'; list traced runs with GET /traces`,
          {
            details: { jobId: id },
          },
        );
      }
      return c.json({
        trace_id: found.traceId,
        run: runView(found.summary),
        spans: found.spans.map(spanView),
      });
    } catch (error) {
      return errorResponse(error);
    }
  });

  const page = tracesPage(deps.title ?? 'agentcrate');
  app.get('/ui', (c) => {
    c.header(
      'Content-Security-Policy',
      "default-src 'none'; script-src 'unsafe-inline'; style-src 'unsafe-inline'; connect-src 'self'; img-src data:",
    );
    c.header('Cache-Control', 'no-store');
    return c.html(page);
  });
}
