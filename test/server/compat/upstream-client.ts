/**
 * A client written to configurable-agents' documented deploy contract (its generated
 * server.py: RunResponse, JobStatusResponse, HealthResponse, SchemaResponse, FastAPI's
 * `detail` errors) — what an existing user's code does against that server: POST /run, and
 * on `status: "async"` poll GET /status/{job_id} until `completed` or `failed`. Every body is
 * parsed with an exact schema (no missing and no extra keys), so a shape that drifts fails.
 */
import { z } from 'zod';

/** Python's `datetime.utcnow().isoformat()`. */
const PY_ISO = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d{6})?$/;

export const RunResponse = z.strictObject({
  status: z.enum(['success', 'async']),
  execution_time_ms: z.number().int().nullable(),
  outputs: z.record(z.string(), z.unknown()).nullable(),
  job_id: z.string().nullable(),
  message: z.string().nullable(),
});

export const JobStatusResponse = z.strictObject({
  job_id: z.string(),
  status: z.enum(['pending', 'running', 'completed', 'failed']),
  created_at: z.string().regex(PY_ISO),
  completed_at: z.string().regex(PY_ISO).nullable(),
  execution_time_ms: z.number().int().nullable(),
  outputs: z.record(z.string(), z.unknown()).nullable(),
  error: z.string().nullable(),
});

export const HealthResponse = z.strictObject({
  status: z.literal('healthy'),
  timestamp: z.string().regex(PY_ISO),
});

export const SchemaResponse = z.strictObject({
  workflow: z.string(),
  inputs: z.record(
    z.string(),
    z.strictObject({
      type: z.string(),
      required: z.boolean(),
      default: z.unknown(),
      description: z.string(),
    }),
  ),
  outputs: z.array(z.string()),
});

export const RootResponse = z.strictObject({
  workflow: z.string(),
  status: z.literal('running'),
  endpoints: z.strictObject({
    run: z.literal('/run (POST)'),
    status: z.literal('/status/{job_id} (GET)'),
    health: z.literal('/health (GET)'),
    schema: z.literal('/schema (GET)'),
    docs: z.literal('/docs (GET)'),
  }),
});

/** FastAPI's request-validation error item (pydantic v2). */
export const ValidationItem = z.strictObject({
  type: z.string(),
  loc: z.array(z.union([z.string(), z.number()])),
  msg: z.string(),
  input: z.unknown(),
  ctx: z.record(z.string(), z.unknown()).optional(),
});
export const ValidationError = z.strictObject({ detail: z.array(ValidationItem) });
export const HttpError = z.strictObject({ detail: z.string() });

export class UpstreamApiError extends Error {
  readonly status: number;
  readonly detail: unknown;
  constructor(status: number, detail: unknown) {
    super(`HTTP ${status}: ${JSON.stringify(detail)}`);
    this.status = status;
    this.detail = detail;
  }
}

export class UpstreamClient {
  readonly baseUrl: string;
  constructor(baseUrl: string) {
    this.baseUrl = baseUrl;
  }

  async #get(path: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.baseUrl}${path}`);
    return { status: res.status, body: await res.json() };
  }

  async raw(method: string, path: string, body?: string): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${this.baseUrl}${path}`, {
      method,
      ...(body !== undefined ? { body, headers: { 'content-type': 'application/json' } } : {}),
    });
    return { status: res.status, body: await res.json() };
  }

  /** POST /run; a non-200 answer throws with FastAPI's `detail`. */
  async run(inputs: unknown): Promise<z.infer<typeof RunResponse>> {
    const { status, body } = await this.raw('POST', '/run', JSON.stringify(inputs));
    if (status !== 200) {
      const detail = status === 422 ? ValidationError.parse(body).detail : HttpError.parse(body).detail;
      throw new UpstreamApiError(status, detail);
    }
    return RunResponse.parse(body);
  }

  async status(jobId: string): Promise<z.infer<typeof JobStatusResponse>> {
    const { status, body } = await this.#get(`/status/${jobId}`);
    if (status !== 200) throw new UpstreamApiError(status, HttpError.parse(body).detail);
    return JobStatusResponse.parse(body);
  }

  /** Poll until the job is finished, recording every status seen. */
  async wait(
    jobId: string,
    seen: string[] = [],
    timeoutMs = 10_000,
  ): Promise<z.infer<typeof JobStatusResponse>> {
    const until = Date.now() + timeoutMs;
    for (;;) {
      const job = await this.status(jobId);
      seen.push(job.status);
      if (job.status === 'completed' || job.status === 'failed') return job;
      if (Date.now() > until) throw new Error(`job ${jobId} still ${job.status}`);
      await new Promise((r) => setTimeout(r, 50));
    }
  }

  async health() {
    const { status, body } = await this.#get('/health');
    return { status, body: HealthResponse.parse(body) };
  }

  async schema() {
    return SchemaResponse.parse((await this.#get('/schema')).body);
  }

  async root() {
    return RootResponse.parse((await this.#get('/')).body);
  }

  get(path: string) {
    return this.#get(path);
  }
}
