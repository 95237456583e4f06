/** Job resources: status, list, cancel, and the server-sent event stream. */
import { AgentcrateError, isAgentcrateError } from '../../errors.js';
import { JOB_STATUSES, type JobStatus, MAX_PAGE_SIZE } from '../../store/index.js';
import type { App, ServerContext } from '../context.js';
import { jobStatusView } from '../job-view.js';
import { streamJobEvents } from './job-stream.js';

const DEFAULT_PAGE_SIZE = 20;

function notFound(id: string): AgentcrateError {
  return new AgentcrateError('E_NOT_FOUND', `no job with id '${id}'; list jobs with GET /jobs`, {
    details: { jobId: id },
  });
}

export function registerJobRoutes(app: App, ctx: ServerContext): void {
  const getStatus = async (id: string) => {
    const job = await ctx.store.getJob(id);
    if (job === undefined) throw notFound(id);
    return jobStatusView(job);
  };
  app.get('/status/:id', async (c) => c.json(await getStatus(c.req.param('id'))));
  app.get('/jobs/:id', async (c) => c.json(await getStatus(c.req.param('id'))));

  app.get('/jobs', async (c) => {
    const status = c.req.query('status');
    if (status !== undefined && status !== '' && !JOB_STATUSES.includes(status as JobStatus)) {
      throw new AgentcrateError(
        'E_BAD_REQUEST',
        `unknown status '${status}'; use one of ${JOB_STATUSES.join(', ')}`,
        {
          details: { parameter: 'status', allowed: JOB_STATUSES },
        },
      );
    }
    const limitRaw = c.req.query('limit');
    const limit = limitRaw === undefined || limitRaw === '' ? DEFAULT_PAGE_SIZE : Number(limitRaw);
    if (!Number.isInteger(limit) || limit < 1 || limit > MAX_PAGE_SIZE) {
      throw new AgentcrateError(
        'E_BAD_REQUEST',
        `limit must be a whole number from 1 to ${MAX_PAGE_SIZE}, got '${limitRaw}'`,
        {
          details: { parameter: 'limit' },
        },
      );
    }
    const cursor = c.req.query('cursor');
    try {
      const page = await ctx.store.listJobs({
        limit,
        ...(status ? { status: status as JobStatus } : {}),
        ...(cursor ? { cursor } : {}),
      });
      return c.json({ jobs: page.jobs.map(jobStatusView), next_cursor: page.nextCursor ?? null });
    } catch (error) {
      // The store reports a bad cursor as invalid input; for HTTP it is a bad query parameter.
      if (isAgentcrateError(error) && error.code === 'E_INVALID_INPUT') {
        throw new AgentcrateError('E_BAD_REQUEST', error.message, { details: { parameter: 'cursor' } });
      }
      throw error;
    }
  });

  app.post('/jobs/:id/cancel', async (c) =>
    c.json(jobStatusView(await ctx.runner.cancel(c.req.param('id')))),
  );

  app.get('/jobs/:id/events', async (c) => {
    const id = c.req.param('id');
    if ((await ctx.store.getJob(id)) === undefined) throw notFound(id);
    const lastEventId = c.req.header('last-event-id') ?? c.req.query('after');
    const after = Number(lastEventId ?? 0);
    const afterSeq = Number.isInteger(after) && after > 0 ? after : 0;
    return streamJobEvents(c, (listener) => ctx.runner.watch(id, afterSeq, listener));
  });
}
