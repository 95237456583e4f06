/**
 * `--api configurable-agents` over a real socket against the mock model, driven by a client
 * written to upstream's documented contract: sync answers, the async hand-off and polling,
 * FastAPI's validation errors, failures, health probes, `/` and `/schema`.
 */
import { describe, expect, it } from 'vitest';
import { servedWorkflow } from '../../support/served.js';
import { WORKFLOW } from './article-writer.js';
import { HttpError, UpstreamApiError, UpstreamClient, ValidationError } from './upstream-client.js';

const served = servedWorkflow(WORKFLOW);
const client = async (options: Parameters<typeof served.serve>[0] = {}) =>
  new UpstreamClient((await served.serve({ api: 'configurable-agents', ...options })).url);

async function rejection(promise: Promise<unknown>): Promise<UpstreamApiError> {
  try {
    await promise;
  } catch (error) {
    if (error instanceof UpstreamApiError) return error;
    throw error;
  }
  throw new Error('expected the call to fail');
}

describe('--api configurable-agents: runs', () => {
  it('answers a run within the timeout synchronously, coercing "5" to an int and ignoring extra fields', async () => {
    const api = await client();
    served.mock().script([{ json: { article: 'An article.' } }]);
    const res = await api.run({
      topic: 'AI',
      count: '5',
      ratio: '2',
      draft: 'yes',
      tags: ['1', 2],
      extra: 'x',
    });
    expect(res).toMatchObject({ status: 'success', message: null, outputs: { article: 'An article.' } });
    expect(res.outputs).toEqual({
      topic: 'AI',
      count: 5,
      ratio: 2,
      draft: true,
      tags: [1, 2],
      article: 'An article.',
    });
    expect(res.execution_time_ms).toBeGreaterThanOrEqual(0);
    const prompt = JSON.stringify(served.mock().chatRequests()[0]?.body.messages);
    expect(prompt).toContain('write 5 on AI tags [1,2]');
  });

  it('hands a slow run off with 200 status "async" and a job id, then polling sees it complete', async () => {
    const api = await client({ timeoutSeconds: 0.2 });
    served.mock().script([{ json: { article: 'Slow article.' }, delayMs: 1200 }]);
    const res = await api.run({ topic: 'slow' });
    expect(res.status).toBe('async');
    expect(res.outputs).toBeNull();
    expect(res.execution_time_ms).toBeNull();
    expect(res.message).toBe(`Workflow exceeds 0.2s timeout. Poll /status/${res.job_id} for results.`);
    const seen: string[] = [];
    const job = await api.wait(res.job_id as string, seen);
    expect(seen[0]).toMatch(/^(pending|running)$/);
    expect(job).toMatchObject({ job_id: res.job_id, status: 'completed', error: null });
    expect(job.outputs).toMatchObject({ topic: 'slow', article: 'Slow article.' });
    expect(job.execution_time_ms).toBeGreaterThanOrEqual(1000);
    expect(job.completed_at).not.toBeNull();
    // The same run went on: the model was asked once.
    expect(served.mock().chatRequests()).toHaveLength(1);
  });

  it('reports a failed sync run as 500 with a detail string', async () => {
    const api = await client();
    served.mock().script([{ status: 400, body: { error: { message: 'bad request to the model' } } }]);
    const error = await rejection(api.run({ topic: 'x' }));
    expect(error.status).toBe(500);
    expect(error.detail).toMatch(/^Workflow execution failed: .+/);
  });

  it("gives a failed async job's error as a string", async () => {
    const api = await client({ timeoutSeconds: 0.1 });
    served.mock().script([{ status: 400, delayMs: 600, body: { error: { message: 'model refused' } } }]);
    const res = await api.run({ topic: 'x' });
    expect(res.status).toBe('async');
    const job = await api.wait(res.job_id as string);
    expect(job.status).toBe('failed');
    expect(typeof job.error).toBe('string');
    expect(job.error).toContain('model refused');
    expect(job.outputs).toBeNull();
    expect(job.execution_time_ms).toBeNull();
  });

  it('answers an unknown job with 404 {"detail": "Job not found"}', async () => {
    const api = await client();
    const error = await rejection(api.status('no-such-job'));
    expect(error).toMatchObject({ status: 404, detail: 'Job not found' });
    expect(await api.get('/nowhere')).toEqual({ status: 404, body: { detail: 'Not Found' } });
  });
});

describe('--api configurable-agents: validation errors are FastAPI 422s', () => {
  const cases: Array<[string, unknown, Array<{ type: string; loc: unknown[]; msg: string }>]> = [
    [
      'a missing required field',
      { count: 2 },
      [{ type: 'missing', loc: ['body', 'topic'], msg: 'Field required' }],
    ],
    [
      'a string that is no int',
      { topic: 't', count: 'five' },
      [
        {
          type: 'int_parsing',
          loc: ['body', 'count'],
          msg: 'Input should be a valid integer, unable to parse string as an integer',
        },
      ],
    ],
    [
      'a fractional int',
      { topic: 't', count: 2.5 },
      [
        {
          type: 'int_from_float',
          loc: ['body', 'count'],
          msg: 'Input should be a valid integer, got a number with a fractional part',
        },
      ],
    ],
    [
      'a number for a str and a word for a bool',
      { topic: 7, draft: 'maybe' },
      [
        { type: 'string_type', loc: ['body', 'topic'], msg: 'Input should be a valid string' },
        {
          type: 'bool_parsing',
          loc: ['body', 'draft'],
          msg: 'Input should be a valid boolean, unable to interpret input',
        },
      ],
    ],
    [
      'a string for a list',
      { topic: 't', tags: 'a,b' },
      [{ type: 'list_type', loc: ['body', 'tags'], msg: 'Input should be a valid list' }],
    ],
    [
      'a list for the body',
      [1],
      [
        {
          type: 'model_attributes_type',
          loc: ['body'],
          msg: 'Input should be a valid dictionary or object to extract fields from',
        },
      ],
    ],
  ];
  for (const [what, body, expected] of cases) {
    it(`refuses ${what}`, async () => {
      const api = await client();
      const error = await rejection(api.run(body));
      expect(error.status).toBe(422);
      expect(error.detail).toMatchObject(expected);
      expect(served.mock().chatRequests()).toHaveLength(0);
    });
  }

  it('refuses a body that is not JSON, and an empty body', async () => {
    const api = await client();
    const bad = await api.raw('POST', '/run', '{"topic": ');
    expect(bad.status).toBe(422);
    expect(ValidationError.parse(bad.body).detail[0]).toMatchObject({
      type: 'json_invalid',
      msg: 'JSON decode error',
    });
    const empty = await api.raw('POST', '/run', '');
    expect(empty).toEqual({
      status: 422,
      body: { detail: [{ type: 'missing', loc: ['body'], msg: 'Field required', input: null }] },
    });
  });

  it("fails the run (500, as upstream's state model does) on a list element that does not convert", async () => {
    const api = await client();
    const error = await rejection(api.run({ topic: 't', tags: ['x'] }));
    expect(error.status).toBe(500);
    expect(error.detail).toMatch(/^Workflow execution failed: invalid input/);
  });
});

describe('--api configurable-agents: service routes', () => {
  it('answers health, liveness and readiness as upstream does', async () => {
    const api = await client();
    const health = await api.health();
    expect(health.status).toBe(200);
    expect(Math.abs(Date.parse(`${health.body.timestamp}Z`) - Date.now())).toBeLessThan(60_000);
    expect(await api.get('/health/live')).toEqual({ status: 200, body: { status: 'alive' } });
    expect(await api.get('/health/ready')).toEqual({ status: 200, body: { status: 'ready' } });
  });

  it('says not ready with a detail when runs would fail (no model key)', async () => {
    const api = await client({ env: {} });
    const ready = await api.get('/health/ready');
    expect(ready.status).toBe(503);
    expect(HttpError.parse(ready.body).detail).toMatch(/not ready: .*OPENAI_API_KEY/);
  });

  it('describes itself at / and /schema in upstream shapes', async () => {
    const api = await client();
    expect((await api.root()).workflow).toBe('article_writer');
    expect(await api.schema()).toEqual({
      workflow: 'article_writer',
      inputs: {
        topic: { type: 'str', required: true, default: null, description: 'What to write about' },
        count: { type: 'int', required: false, default: 1, description: '' },
        ratio: { type: 'float', required: false, default: 0.5, description: '' },
        draft: { type: 'bool', required: false, default: false, description: '' },
        tags: { type: 'list[int]', required: false, default: [], description: '' },
        article: { type: 'str', required: false, default: '', description: '' },
      },
      outputs: ['topic', 'count', 'ratio', 'draft', 'tags', 'article'],
    });
  });

  it('refuses a request without the API key with 401 and a detail', async () => {
    const api = await client({ apiKeys: ['k-123'] });
    const res = await api.raw('POST', '/run', '{"topic":"x"}');
    expect(res.status).toBe(401);
    expect(HttpError.parse(res.body).detail).toMatch(/API key/);
    expect((await api.health()).status).toBe(200);
  });

  it('leaves the default API as it is', async () => {
    const server = await served.serve();
    const res = await fetch(`${server.url}/health`);
    expect(await res.json()).toEqual({ status: 'ok' });
  });
});
