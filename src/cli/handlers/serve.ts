/**
 * `agentcrate serve <file>`: the HTTP API in the foreground. Refuses an invalid workflow
 * before binding the port, prints the URLs, and shuts down gracefully on SIGINT, SIGTERM or
 * SIGHUP (running jobs are parked in the store and resume on the next start).
 */
import { statSync } from 'node:fs';
import { modelOverride } from '../commands/model-override.js';
import type { ServeContext } from '../commands/serve.js';
import { printDiagnostics, shownPath } from '../diagnostics.js';

/** From this size on, checking the workflow takes long enough to say so before it starts. */
const SLOW_LOAD_BYTES = 1024 * 1024;

export default async function serveCommand(ctx: ServeContext): Promise<number> {
  const o = ctx.options;
  const { startServer } = await import('../../server/serve.js');
  const { createLogger } = await import('../../server/logger.js');
  const { serveOptionsFrom } = await import('../../server/settings.js');
  const shown = shownPath(ctx.args.file, ctx.cwd);
  // -v: debug-level logs, one line per request, unless the level was chosen explicitly.
  const verbose = ctx.verbose && ctx.env.AGENTCRATE_LOG_LEVEL === undefined && o.logLevel === 'info';
  const size = fileSize(ctx.args.file);
  if (size >= SLOW_LOAD_BYTES) {
    ctx.output.err(
      `loading ${shown} (${(size / 1024 / 1024).toFixed(1)} MB): a large workflow takes a while to check…`,
    );
  }
  const server = await startServer({
    ...serveOptionsFrom(o),
    workflowFile: ctx.args.file,
    workflowShownAs: shown,
    ...(verbose ? { logRequests: true } : {}),
    env: ctx.env,
    cwd: ctx.cwd,
    override: modelOverride(o),
    // A stop signal during the load ends the process at once; after it, it drains the server.
    onLoaded: ctx.handleStopSignals,
    logger: createLogger({ level: verbose ? 'debug' : o.logLevel, env: ctx.env, apiKeys: o.apiKeys }),
  });
  const c = ctx.output.color;
  printDiagnostics(ctx.output, server.warnings, shown);
  const base = server.url;
  ctx.output.err(
    [
      `${c.green('✓')} serving '${server.workflow.flow.name}' at ${base}${o.dryRun ? c.yellow(' (dry run: placeholder answers)') : ''}`,
      `  POST ${base}/run        run it (sync up to ${o.timeoutSeconds} s, then a job id)`,
      `  GET  ${base}/status/ID  poll a job`,
      `  GET  ${base}/docs       interactive API docs`,
      `  GET  ${base}/ui         recent runs and their traces`,
      `  GET  ${base}/health     liveness · /ready readiness · /metrics Prometheus`,
      ...(o.apiKeys.length > 0
        ? [`  requests need Authorization: Bearer <key> (${o.apiKeys.length} key(s) set)`]
        : []),
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

function fileSize(file: string): number {
  try {
    return statSync(file).size;
  } catch {
    return 0; // startServer reports an unreadable file
  }
}
