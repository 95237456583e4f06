/**
 * Runs and history: start a run (dry or real) from the editor's text, stream its events,
 * list stored jobs with filters, show one job with its node executions, cancel, and replay
 * a job from one of its nodes with the state as it was then (optionally edited).
 */
import { AgentcrateError } from '../../errors.js';
import { jobStatusView } from '../../server/job-view.js';
import { streamJobEvents } from '../../server/routes/job-stream.js';
import { JOB_STATUSES, type Job, type JobStatus } from '../../store/index.js';
import { jsonBody, requireWorkflow, type StudioApp, type StudioContext, stringField } from '../context.js';
import {
  checkEdits,
  diffRuns,
  executionsOf,
  jobRecord,
  startReplay,
  stateBefore,
  workflowOfJob,
} from '../replay.js';

const PAGE = 200;
/** History filters scan at most this many jobs per request (newest first). */
const SCAN_LIMIT = 5000;

function jobView(job: Job, extra: { dryRun?: boolean; origin?: Record<string, unknown> | null } = {}) {
  return { ...jobStatusView(job), dry_run: extra.dryRun ?? null, origin: extra.origin ?? null };
}

function indexParam(raw: unknown): number {
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0) {
    throw new AgentcrateError(
      'E_BAD_REQUEST',
      `'index' must be a node execution number ≥ 0, got '${String(raw)}'`,
    );
  }
  return n;
}

function timeParam(raw: string | undefined, name: string): number | undefined {
  if (raw === undefined || raw === '') return undefined;
  const ms = /^\d+$/.test(raw) ? Number(raw) : Date.parse(raw);
  if (!Number.isFinite(ms)) {
    throw new AgentcrateError(
      'E_BAD_REQUEST',
      `'${name}' must be a date (ISO 8601) or epoch ms, got '${raw}'`,
    );
  }
  return ms;
}

export function registerJobRoutes(api: StudioApp, ctx: StudioContext): void {
  api.post('/runs', async (c) => {
    const body = await jsonBody(c, ctx);
    const name = stringField(body, 'name')!;
    const text = stringField(body, 'text', false);
    const inputs = body.inputs ?? {};
    if (typeof inputs !== 'object' || inputs === null || Array.isArray(inputs)) {
      throw new AgentcrateError('E_BAD_REQUEST', "'inputs' must be an object of state field → value");
    }
    const workflow = await requireWorkflow(ctx, name, text);
    const host = await ctx.hosts.hostFor(workflow, body.dryRun === true);
    const { job } = await host.runner.submit({ inputs: inputs as Record<string, unknown> });
    ctx.hosts.track(job.id);
    return c.json(jobView(job, { dryRun: body.dryRun === true }), 202);
  });

  api.get('/jobs', async (c) => {
    const status = c.req.query('status') || undefined;
    if (status !== undefined && !JOB_STATUSES.includes(status as JobStatus)) {
      throw new AgentcrateError(
        'E_BAD_REQUEST',
        `unknown status '${status}'; use one of ${JOB_STATUSES.join(', ')}`,
      );
    }
    const workflow = c.req.query('workflow') || undefined;
    const since = timeParam(c.req.query('since'), 'since');
    const until = timeParam(c.req.query('until'), 'until');
    const limit = Math.min(Math.max(Number(c.req.query('limit') ?? 50) || 50, 1), PAGE);
    const jobs: Job[] = [];
    let cursor = c.req.query('cursor') || undefined;
    let scanned = 0;
    let more = true;
    while (jobs.length < limit && scanned < SCAN_LIMIT && more) {
      const page = await ctx.store.listJobs({
        limit: PAGE,
        ...(status ? { status: status as JobStatus } : {}),
        ...(cursor ? { cursor } : {}),
      });
      for (const job of page.jobs) {
        scanned += 1;
        if (since !== undefined && job.createdAt < since) {
          more = false;
          break;
        }
        if (until !== undefined && job.createdAt > until) continue;
        if (workflow !== undefined && job.workflow !== workflow) continue;
        jobs.push(job);
        if (jobs.length >= limit) break;
      }
      cursor = page.nextCursor;
      if (cursor === undefined) more = false;
    }
    const views = [];
    for (const job of jobs) {
      const first = (await ctx.store.listEvents(job.id, 0, 1))[0]?.event;
      views.push(
        jobView(job, {
          dryRun: first?.type === 'run-start' ? first.dryRun === true : false,
          origin: (first?.origin as Record<string, unknown> | undefined) ?? null,
        }),
      );
    }
    return c.json({ jobs: views, scanned, more: more && jobs.length >= limit });
  });

  api.get('/jobs/:id', async (c) => {
    const record = await jobRecord(ctx, c.req.param('id'));
    const found = await workflowOfJob(ctx, record.job, c.req.query('file') || undefined).catch(
      () => undefined,
    );
    return c.json({
      ...jobView(record.job, record),
      file: found?.name ?? null,
      executions: executionsOf(record, found?.workflow).map((e) => ({
        index: e.index,
        node: e.nodeId,
        iteration: e.iteration,
        outcome: e.outcome,
        mapped: e.mapped,
        writes: e.writes,
      })),
    });
  });

  api.get('/jobs/:id/events', async (c) => {
    const id = c.req.param('id');
    if ((await ctx.store.getJob(id)) === undefined) {
      throw new AgentcrateError('E_NOT_FOUND', `no job with id '${id}' in the store`);
    }
    const after = Number(c.req.header('last-event-id') ?? c.req.query('after') ?? 0);
    const afterSeq = Number.isInteger(after) && after > 0 ? after : 0;
    return streamJobEvents(c, (listener) => ctx.hosts.watch(id, afterSeq, listener));
  });

  api.post('/jobs/:id/cancel', async (c) => {
    const id = c.req.param('id');
    if (!(await ctx.hosts.cancel(id))) {
      throw new AgentcrateError(
        'E_CONFLICT',
        `job ${id} is not running in this studio; cancel it where it runs (POST /jobs/${id}/cancel on its server)`,
      );
    }
    return c.json(jobView((await ctx.store.getJob(id))!));
  });

  api.get('/jobs/:id/state-before/:index', async (c) => {
    const record = await jobRecord(ctx, c.req.param('id'));
    const { name, workflow } = await workflowOfJob(ctx, record.job, c.req.query('file') || undefined);
    const index = indexParam(c.req.param('index'));
    return c.json({
      file: name,
      index,
      state: stateBefore(record, workflow, index),
      fields: workflow.state.map((f) => ({ name: f.name, type: f.typeText, required: f.required })),
    });
  });

  api.post('/jobs/:id/replay', async (c) => {
    const body = await jsonBody(c, ctx);
    const record = await jobRecord(ctx, c.req.param('id'));
    if (record.job.status === 'pending' || record.job.status === 'running') {
      throw new AgentcrateError(
        'E_CONFLICT',
        `job ${record.job.id} is still ${record.job.status}; replay it once it has finished`,
      );
    }
    const file = stringField(body, 'file', false);
    const { workflow } = await workflowOfJob(ctx, record.job, file);
    const index = indexParam(body.index);
    const edits = checkEdits(workflow, body.edits);
    const dryRun = body.dryRun === undefined ? record.dryRun : body.dryRun === true;
    const job = await startReplay(ctx, record, workflow, index, edits, dryRun);
    return c.json(jobView(job, { dryRun }), 202);
  });

  api.get('/jobs/:id/diff', async (c) => {
    const replay = await jobRecord(ctx, c.req.param('id'));
    const againstId = c.req.query('against') || (replay.origin?.replayOf as string | undefined);
    if (againstId === undefined) {
      throw new AgentcrateError(
        'E_BAD_REQUEST',
        `job ${replay.job.id} is not a replay; pass ?against=<job id>`,
      );
    }
    const original = await jobRecord(ctx, againstId);
    const { workflow } = await workflowOfJob(ctx, original.job, c.req.query('file') || undefined);
    return c.json(diffRuns(workflow, original, replay));
  });
}
