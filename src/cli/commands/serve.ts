/**
 * `agentcrate serve <file>`: the HTTP API in the foreground. Refuses an invalid workflow
 * before binding the port, prints the URLs, and shuts down gracefully on SIGINT/SIGTERM
 * (running jobs are parked in the store and resume on the next start).
 */
import { resolve } from 'node:path';
import { AgentcrateError } from '../../errors.js';
import type { CommandContext } from '../commands.js';
import { formatDiagnostic } from '../diagnostics.js';

export default async function serveCommand(ctx: CommandContext): Promise<number> {
  const o = ctx.options;
  const { startServer } = await import('../../server/serve.js');
  const { createLogger } = await import('../../server/logger.js');
  const file = resolve(ctx.cwd, ctx.args[0]!);
  const server = await startServer({
    workflowFile: file,
    port: int(o.port, 'port'),
    host: String(o.host),
    storePath: String(o.store) === ':memory:' ? ':memory:' : resolve(ctx.cwd, String(o.store)),
    timeoutSeconds: num(o.timeout, 'timeout'),
    maxTimeoutSeconds: num(o.maxTimeout, 'max-timeout'),
    maxConcurrentRuns: int(o.maxConcurrentRuns, 'max-concurrent-runs'),
    queueSize: int(o.queueSize, 'queue-size'),
    jobTtlSeconds: num(o.jobTtl, 'job-ttl'),
    bodyLimitBytes: int(o.bodyLimit, 'body-limit'),
    idleTrimMs: int(o.idleTrimMs, 'idle-trim-ms'),
    apiKeys: (ctx.env.AGENTCRATE_API_KEYS ?? '')
      .split(',')
      .map((k) => k.trim())
      .filter(Boolean),
    logRequests: o.logRequests === true,
    traces: o.traces !== false,
    logPrompts: o.logPrompts === true,
    dryRun: o.dryRun === true,
    network: { allowPrivateNetwork: o.allowPrivateNetwork === true },
    ...(o.allowedHosts ? { allowedHosts: String(o.allowedHosts).split(',') } : {}),
    env: ctx.env,
    cwd: ctx.cwd,
    override: {
      ...(o.provider ? { provider: String(o.provider) } : {}),
      ...(o.model ? { model: String(o.model) } : {}),
      ...(o.baseUrl ? { baseURL: String(o.baseUrl) } : {}),
    },
    logger: createLogger({ env: ctx.env }),
  });
  const c = ctx.output.color;
  for (const d of server.warnings) ctx.output.err(formatDiagnostic(d, ctx.args[0]!, c));
  const base = server.url;
  ctx.output.err(
    [
      `${c.green('✓')} serving '${server.workflow.flow.name}' at ${base}${o.dryRun === true ? c.yellow(' (dry run: placeholder answers)') : ''}`,
      `  POST ${base}/run        run it (sync up to ${String(o.timeout)} s, then a job id)`,
      `  GET  ${base}/status/ID  poll a job`,
      `  GET  ${base}/docs       interactive API docs`,
      `  GET  ${base}/ui         recent runs and their traces`,
      `  GET  ${base}/health     liveness · /ready readiness · /metrics Prometheus`,
      ...(server.recovered.recovered > 0
        ? [`  resumed ${server.recovered.recovered} interrupted job(s) from the store`]
        : []),
      c.dim('Ctrl-C stops it; running jobs resume on the next start.'),
    ].join('\n'),
  );
  await new Promise<void>((done) => {
    if (ctx.signal.aborted) done();
    ctx.signal.addEventListener('abort', () => done(), { once: true });
  });
  ctx.output.err('shutting down: finishing in-flight requests');
  await server.close();
  return 0;
}

function num(value: unknown, name: string): number {
  const n = Number(value);
  if (!Number.isFinite(n) || n < 0)
    throw new AgentcrateError('E_USAGE', `--${name} expects a number ≥ 0, got '${String(value)}'`);
  return n;
}

function int(value: unknown, name: string): number {
  const n = num(value, name);
  if (!Number.isInteger(n))
    throw new AgentcrateError('E_USAGE', `--${name} expects a whole number, got '${String(value)}'`);
  return n;
}
