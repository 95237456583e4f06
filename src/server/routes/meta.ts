/** Service routes: root, liveness, readiness, schema, OpenAPI, docs page, metrics. */
import { preflightProblems } from '../../engine/index.js';
import { AgentcrateError } from '../../errors.js';
import type { App, ServerContext } from '../context.js';

const JSON_TYPE = 'application/json; charset=utf-8';

export function registerMetaRoutes(app: App, ctx: ServerContext): void {
  const { documents } = ctx;
  app.get('/', (c) => c.body(documents.root, 200, { 'content-type': JSON_TYPE }));
  app.get('/health', (c) => c.json({ status: 'ok' }));
  app.get('/ready', async (c) => {
    const { reasons, checks } = await readiness(ctx);
    if (reasons.length > 0) {
      throw new AgentcrateError('E_UNAVAILABLE', `not ready: ${reasons.join('; ')}`, {
        details: { reasons, checks },
      });
    }
    return c.json({ status: 'ready', checks });
  });
  app.get('/schema', (c) => c.body(documents.schema, 200, { 'content-type': JSON_TYPE }));
  app.get('/openapi.json', (c) => c.body(documents.openapi, 200, { 'content-type': JSON_TYPE }));
  app.get('/docs', (c) => c.html(documents.docs));
  app.get('/metrics', (c) =>
    c.body(ctx.metrics.render({ queueDepth: ctx.runner.queueDepth, inFlight: ctx.runner.inFlight }), 200, {
      'content-type': 'text/plain; version=0.0.4; charset=utf-8',
    }),
  );
}

/** Whether runs can be taken now, and every reason why not. */
export async function readiness(
  ctx: ServerContext,
): Promise<{ reasons: string[]; checks: Record<string, boolean> }> {
  const reasons: string[] = [];
  const checks: Record<string, boolean> = {};
  checks.accepting = ctx.runner.accepting;
  if (!checks.accepting) reasons.push('the server is shutting down');
  const health = await ctx.store.health();
  checks.store = health.ok;
  if (!health.ok) reasons.push(health.reason ?? 'the job store cannot be written');
  const problems = preflightProblems(ctx.plan, { models: ctx.models, tools: ctx.tools, env: ctx.env });
  checks.credentials = !problems.some((p) => p.kind === 'credentials');
  checks.supported = !problems.some((p) => p.kind === 'unsupported');
  checks.tool_config = !problems.some((p) => p.kind === 'config');
  for (const problem of problems) reasons.push(problem.message);
  return { reasons, checks };
}
