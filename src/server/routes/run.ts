/**
 * POST /run: validate, submit a job, wait up to the sync timeout. A run that outlives the
 * wait keeps running (it is the same job); the caller gets 202 and polls `status_url`.
 */
import { AgentcrateError } from '../../errors.js';
import type { Job } from '../../store/index.js';
import { readBodyText } from '../body.js';
import type { App, ServerContext } from '../context.js';
import { httpStatusFor } from '../errors.js';
import { statusPath } from '../job-view.js';
import { checkWebhookUrl } from '../webhook.js';

const MAX_IDEMPOTENCY_KEY = 255;

/** What POST /run reads of a request, from Hono's or from `node:http`'s (node-run.ts). */
export interface RunRequest {
  header(name: string): string | undefined;
  query(name: string): string | undefined;
  readBody(limit: number): Promise<string>;
}

/** POST /run's answer: a JSON body, its status and the headers beside the content type. */
export interface RunReply {
  status: number;
  body: unknown;
  headers: Record<string, string>;
}

export function registerRunRoutes(app: App, ctx: ServerContext): void {
  app.post('/run', async (c) => {
    const reply = await runRoute(
      {
        header: (name) => c.req.header(name),
        query: (name) => c.req.query(name),
        readBody: (limit) => readBodyText(c, limit),
      },
      ctx,
    );
    for (const name in reply.headers) c.header(name, reply.headers[name]);
    // biome-ignore lint/suspicious/noExplicitAny: Hono types statuses as a literal union.
    return c.json(reply.body, reply.status as any);
  });
}

/** POST /run whatever carries it: validate, submit, wait up to the sync timeout. */
export async function runRoute(req: RunRequest, ctx: ServerContext): Promise<RunReply> {
  const respondAsync = /(^|[\s,;])respond-async($|[\s,;])/i.test(req.header('prefer') ?? '');
  const waitMs = syncWaitMs(req.query('timeout'), ctx);
  const webhookRaw = req.query('webhook') ?? req.header('x-webhook-url');
  const webhookUrl = webhookRaw ? checkWebhookUrl(webhookRaw, ctx.network) : undefined;
  const idempotencyKey = readIdempotencyKey(req.header('idempotency-key'));
  const inputs = parseInputs(await req.readBody(ctx.bodyLimitBytes));

  const waits = !respondAsync && waitMs > 0;
  const { job, created, done } = await ctx.runner.submit({
    inputs,
    waits,
    ...(idempotencyKey !== undefined ? { idempotencyKey } : {}),
    ...(webhookUrl !== undefined ? { webhookUrl } : {}),
  });
  const headers: Record<string, string> = created ? {} : { 'Idempotent-Replayed': 'true' };
  if (!waits) return acceptedReply(job, headers);
  const finished = await waitFor(done, waitMs);
  return finished === undefined ? acceptedReply(job, headers) : runReply(finished, headers);
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

function acceptedReply(job: Job, headers: Record<string, string> = {}): RunReply {
  const url = statusPath(job.id);
  headers.Location = url;
  return {
    status: 202,
    headers,
    body: {
      status: 'async',
      job_id: job.id,
      message: `The run continues in the background; poll ${url} for its result.`,
      status_url: url,
    },
  };
}

/** The configurable-agents response shapes for a finished (or parked) job. */
function runReply(job: Job, headers: Record<string, string> = {}): RunReply {
  switch (job.status) {
    case 'completed':
      return {
        status: 200,
        headers,
        body: {
          status: 'success',
          job_id: job.id,
          execution_time_ms: job.executionTimeMs,
          outputs: job.outputs,
        },
      };
    case 'failed': {
      const error = job.error ?? { code: 'E_INTERNAL', message: 'the run failed' };
      return {
        status: httpStatusFor(error.code),
        headers,
        body: {
          status: 'failed',
          job_id: job.id,
          execution_time_ms: job.executionTimeMs,
          error: { code: error.code, message: error.message, details: error.details ?? {} },
        },
      };
    }
    case 'cancelled':
      return {
        status: 409,
        headers,
        body: {
          status: 'cancelled',
          job_id: job.id,
          execution_time_ms: job.executionTimeMs,
          error: { code: 'E_CANCELLED', message: `job ${job.id} was cancelled`, details: {} },
        },
      };
    default:
      // Parked by a shutdown while the caller waited: it resumes on the next start.
      return acceptedReply(job, headers);
  }
}
