/**
 * `--api configurable-agents` serves an OpenAPI document of its own routes: upstream's paths,
 * operation ids and models, FastAPI's validation error, and the agentcrate routes it keeps with
 * their errors as `{"detail": …}`. Real answers over a socket are checked against the document's
 * own schemas, so the document cannot drift from what the server sends.
 */
import { describe, expect, it } from 'vitest';
import { fromJSONSchema, type z } from 'zod';
import { servedWorkflow } from '../../support/served.js';
import { WORKFLOW } from './article-writer.js';

const served = servedWorkflow(WORKFLOW);

interface Doc {
  openapi: string;
  info: { title: string };
  paths: Record<string, Record<string, Operation>>;
  components: { schemas: Record<string, unknown> };
}
interface Operation {
  operationId: string;
  tags: string[];
  requestBody?: { content: Record<string, { example: unknown }> };
  responses: Record<string, { content?: Record<string, { schema: { $ref?: string } }> }>;
}

/** A validator for a component of the document, its `$ref`s resolved inside the document. */
function validator(doc: Doc, name: string): z.ZodType {
  const text = JSON.stringify(doc.components.schemas).replaceAll('#/components/schemas/', '#/$defs/');
  const defs = JSON.parse(text) as Record<string, unknown>;
  return fromJSONSchema({ $ref: `#/$defs/${name}`, $defs: defs } as Parameters<typeof fromJSONSchema>[0]);
}

/** The component an operation's answer with `status` names. */
function answerSchema(doc: Doc, path: string, method: string, status: string): string {
  const target = doc.paths[path]?.[method]?.responses[status]?.content?.['application/json']?.schema.$ref;
  expect(target, `${method} ${path} ${status}`).toMatch(/^#\/components\/schemas\//);
  return target!.slice('#/components/schemas/'.length);
}

async function get(base: string, path: string): Promise<{ status: number; body: unknown }> {
  const res = await fetch(`${base}${path}`);
  return { status: res.status, body: await res.json() };
}

describe('--api configurable-agents: the OpenAPI document', () => {
  it("describes upstream's routes with its operation ids and models, and the routes agentcrate keeps", async () => {
    const { url } = await served.serve({ api: 'configurable-agents' });
    const doc = (await get(url, '/openapi.json')).body as Doc;
    expect(doc.openapi).toBe('3.1.0');
    expect(doc.info.title).toBe('article_writer API');
    const ids = Object.fromEntries(
      ['/', '/run', '/status/{job_id}', '/health', '/schema'].map((p) => [
        p,
        Object.values(doc.paths[p] ?? {})[0]?.operationId,
      ]),
    );
    expect(ids).toEqual({
      '/': 'root__get',
      '/run': 'run_workflow_endpoint_run_post',
      '/status/{job_id}': 'get_job_status_status__job_id__get',
      '/health': 'health_health_get',
      '/schema': 'schema_schema_get',
    });
    // Upstream answers a long run 200 {status: "async"}, never 202; bad inputs are FastAPI's 422.
    const run = doc.paths['/run']!.post!;
    expect(Object.keys(run.responses).sort()).toEqual(['200', '422', '500']);
    expect(answerSchema(doc, '/run', 'post', '422')).toBe('HTTPValidationError');
    expect(doc.paths['/health/ready']?.get?.responses['503']).toBeDefined();
    // The agentcrate routes still served, tagged apart, with errors in this mode's shape.
    for (const path of ['/jobs', '/jobs/{job_id}', '/jobs/{job_id}/events', '/memory', '/metrics']) {
      expect(Object.values(doc.paths[path] ?? {})[0]?.tags, path).toEqual(['agentcrate']);
    }
    expect(answerSchema(doc, '/jobs/{job_id}', 'get', '404')).toBe('HTTPError');
    // Every reference names a schema the document has.
    for (const [, name] of JSON.stringify(doc).matchAll(/"#\/components\/schemas\/([^"/]+)/g)) {
      expect(doc.components.schemas, name).toHaveProperty(name!);
    }
    const input = validator(doc, 'WorkflowInput');
    expect(input.safeParse(run.requestBody!.content['application/json']!.example).success).toBe(true);
    expect(input.safeParse({ count: 2 }).success).toBe(false);
    expect(input.safeParse({ topic: 'AI', tags: 'not a list' }).success).toBe(false);
  });

  it("the server's answers fit the document's schemas, errors included", async () => {
    const { url } = await served.serve({ api: 'configurable-agents' });
    const doc = (await get(url, '/openapi.json')).body as Doc;
    const fits = (answer: { status: number; body: unknown }, path: string, method: string) => {
      const name = answerSchema(doc, path, method, String(answer.status));
      const check = validator(doc, name).safeParse(answer.body);
      expect(check.error, `${method} ${path} → ${answer.status} as ${name}`).toBeUndefined();
    };
    served.mock().script([{ json: { article: 'An article.' } }]);
    const post = (body: unknown) =>
      fetch(`${url}/run`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(body),
      }).then(async (r) => ({ status: r.status, body: (await r.json()) as Record<string, unknown> }));
    const ran = await post({ topic: 'AI', count: '2' });
    expect(ran.status).toBe(200);
    fits(ran, '/run', 'post');
    // The check has teeth: a drifted answer does not fit.
    expect(validator(doc, 'RunResponse').safeParse({ ...ran.body, status: 'done' }).success).toBe(false);
    expect(validator(doc, 'RunResponse').safeParse({ ...ran.body, job_id: undefined }).success).toBe(false);
    const refused = await post({ count: 'five' });
    expect(refused.status).toBe(422);
    fits(refused, '/run', 'post');
    expect(validator(doc, 'HTTPValidationError').safeParse({ detail: [{ msg: 'x' }] }).success).toBe(false);
    const status = await get(url, `/status/${String(ran.body.job_id)}`);
    expect(status.status).toBe(200);
    fits(status, '/status/{job_id}', 'get');
    fits(await get(url, '/status/no-such-job'), '/status/{job_id}', 'get');
    for (const path of ['/', '/health', '/schema']) fits(await get(url, path), path, 'get');
    const unknownJob = await get(url, '/jobs/no-such-job');
    expect(unknownJob.status).toBe(404);
    fits(unknownJob, '/jobs/{job_id}', 'get');
  });

  it('the default API keeps its own document', async () => {
    const { url } = await served.serve();
    const doc = (await get(url, '/openapi.json')).body as Doc;
    expect(doc.info.title).toBe('article_writer');
    expect(Object.keys(doc.paths['/run']!.post!.responses)).toContain('202');
  });
});
