/**
 * POST /run: validate, submit a job, wait up to the sync timeout. A run that outlives the
 * wait keeps running (it is the same job); the caller gets 202 and polls `status_url`.
 */
import type { Context } from 'hono';
import { AgentcrateError } from '../../errors.js';
import type { Job } from '../../store/index.js';
import { readBodyText } from '../body.js';
import type { App, AppEnv, ServerContext } from '../context.js';
import { httpStatusFor } from '../errors.js';
import { statusPath } from '../job-view.js';
import { checkWebhookUrl } from '../webhook.js';

const MAX_IDEMPOTENCY_KEY = 255;

export function registerRunRoutes(app: App, ctx: ServerContext): void {
  app.post('/run', async (c) => {
    const respondAsync = /(^|[\s,;])respond-async($|[\s,;])/i.test(c.req.header('prefer') ?? '');
    const waitMs = syncWaitMs(c.req.query('timeout'), ctx);
    const webhookRaw = c.req.query('webhook') ?? c.req.header('x-webhook-url');
    const webhookUrl = webhookRaw ? checkWebhookUrl(webhookRaw, ctx.network) : undefined;
    const idempotencyKey = readIdempotencyKey(c.req.header('idempotency-key'));
    const inputs = parseInputs(await readBodyText(c, ctx.bodyLimitBytes));

    const waits = !respondAsync && waitMs > 0;
    const { job, created, done } = await ctx.runner.submit({
      inputs,
      waits,
      ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
      ...(webhookUrl !== undefined ? { webhookUrl } : {}),
    });
    if (!created) c.header('Idempotent-Replayed', 'true');
    if (!waits) return accepted(c, job);
    const finished = await waitFor(done, waitMs);
    return finished === undefined ? accepted(c, job) : runResponse(c, finished);
  });
}

function syncWaitMs(raw: string | undefined, ctx: ServerContext): number {
  if (raw === undefined || raw === '') return ctx.timeoutSeconds * 1000;
  const seconds = Number(raw);
  if (!Number.isFinite(seconds) || seconds < 0) {
    throw new AgentcrateError('E_BAD_REQUEST', `?timeout must be a number of seconds ≥ 0, got '${raw}'`, {
      details: { parameter: 'timeout', maximum: ctx.maxTimeoutSeconds },
    });
  }
  return Math.min(seconds, ctx.maxTimeoutSeconds) * 1000;
}

function readIdempotencyKey(raw: string | undefined): string | undefined {
  if (raw === undefined) return undefined;
  const key = raw.trim();
  if (key === '' || key.length > MAX_IDEMPOTENCY_KEY) {
    throw new AgentcrateError(
      'E_BAD_REQUEST',
      `Idempotency-Key must be 1 to ${MAX_IDEMPOTENCY_KEY} characters, got ${key.length}`,
      { details: { header: 'Idempotency-Key' } },
    );
  }
  return key;
}

function parseInputs(text: string): Record<string, unknown> {
  if (text.trim() === '') return {};
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch (error) {
    throw new AgentcrateError(
      'E_BAD_REQUEST',
      `request body is not valid JSON (${(error as Error).message}); send the inputs as a JSON object`,
    );
  }
  if (value === null || typeof value !== 'object' || Array.isArray(value)) {
    const got = value === null ? 'null' : Array.isArray(value) ? 'a list' : typeof value;
    throw new AgentcrateError('E_INVALID_INPUT', `request body must be a JSON object of inputs, got ${got}`, {
      details: {
        issues: [{ path: '', expected: 'object', received: got, message: `expected an object, got ${got}` }],
      },
    });
  }
  return value as Record<string, unknown>;
}

/** The finished job, or undefined when `ms` pass first (the run goes on). */
export function waitFor(done: Promise<Job>, ms: number): Promise<Job | undefined> {
  return new Promise((resolve) => {
    const timer = setTimeout(() => resolve(undefined), ms);
    void done.then((job) => {
      clearTimeout(timer);
      resolve(job);
    });
  });
}

function accepted(c: Context<AppEnv>, job: Job): Response {
  const url = statusPath(job.id);
  c.header('Location', url);
  return c.json(
    {
      status: 'async',
      job_id: job.id,
      message: `The run continues in the background; poll ${url} for its result.`,
      status_url: url,
    },
    202,
  );
}

/** The configurable-agents response shapes for a finished (or parked) job. */
export function runResponse(c: Context<AppEnv>, job: Job): Response {
  switch (job.status) {
    case 'completed':
      return c.json(
        { status: 'success', job_id: job.id, execution_time_ms: job.executionTimeMs, outputs: job.outputs },
        200,
      );
    case 'failed': {
      const error = job.error ?? { code: 'E_INTERNAL', message: 'the run failed' };
      return c.json(
        {
          status: 'failed',
          job_id: job.id,
          execution_time_ms: job.executionTimeMs,
          error: { code: error.code, message: error.message, details: error.details ?? {} },
        },
        // biome-ignore lint/suspicious/noExplicitAny: Hono types statuses as a literal union.
        httpStatusFor(error.code) as any,
      );
    }
    case 'cancelled':
      return c.json(
        {
          status: 'cancelled',
          job_id: job.id,
          execution_time_ms: job.executionTimeMs,
          error: { code: 'E_CANCELLED', message: `job ${job.id} was cancelled`, details: {} },
        },
        409,
      );
    default:
      // Parked by a shutdown while the caller waited: it resumes on the next start.
      return accepted(c, job);
  }
}
