/**
 * `agentcrate gateway [--config gateway.yaml] [--port 8585] [--host 127.0.0.1]`: the model
 * gateway in the foreground; `gateway check` validates a configuration, `gateway schema`
 * prints its JSON Schema, `gateway keys create|list|revoke` manage virtual keys.
 */
import { resolve } from 'node:path';
import { formatDiagnostic } from '../../config/index.js';
import { AgentcrateError } from '../../errors.js';
import { GATEWAY_COMPILE_ENV, GATEWAY_URL_MARK, type GatewayCliAnswer } from '../../gateway/lean/cli.js';
import { GATEWAY_SETTINGS, type GatewaySettings } from '../../gateway/settings.js';
import type { GatewayContext } from '../commands/gateway.js';
import { plural } from '../diagnostics.js';

export default async function gatewayCommand(ctx: GatewayContext): Promise<number> {
  const action = ctx.args.action;
  const rest = ctx.args.rest ?? [];
  switch (action) {
    case undefined:
    case 'start':
    case 'serve':
      return serveGateway(ctx);
    case 'check':
      return checkConfig(ctx, rest[0]);
    case 'schema': {
      const { gatewaySchemaJson } = await import('../../gateway/config/schema.js');
      ctx.output.out(JSON.stringify(gatewaySchemaJson(), null, 2));
      return 0;
    }
    case 'keys': {
      const { keysCommand } = await import('./gateway-keys.js');
      return keysCommand(ctx, rest, settingsFlags(ctx));
    }
    default:
      throw new AgentcrateError(
        'E_USAGE',
        `unknown gateway action '${action}': use agentcrate gateway [--config file], gateway check, gateway schema, or gateway keys create|list|revoke`,
      );
  }
}

/** The flags given, by setting key, for the gateway's reader (environment and file come after). */
export function settingsFlags(ctx: GatewayContext): Partial<Record<keyof GatewaySettings, unknown>> {
  const o = ctx.options;
  const flags: Partial<Record<keyof GatewaySettings, unknown>> = {};
  // Every row of the gateway's table that has a flag is an option of this command.
  for (const row of GATEWAY_SETTINGS) {
    if (row.flag === undefined) continue;
    const value = o[row.key];
    if (value !== undefined && !(Array.isArray(value) && value.length === 0)) flags[row.key] = value;
  }
  if (typeof flags.config === 'string') flags.config = resolve(ctx.cwd, flags.config);
  return flags;
}

/** What the start message says, from what the configuration's reader found. */
interface StartFacts {
  configFile: string | undefined;
  upstreams: { name: string; available: boolean }[];
  models: string[];
  keysRequired: boolean;
  keyStore: { path: string; count: number } | undefined;
  keysNever: boolean;
}

/** The lines printed once the gateway listens; `url` may be GATEWAY_URL_MARK. */
function startMessage(ctx: GatewayContext, url: string, f: StartFacts): string {
  const c = ctx.output.color;
  const keys = f.keysRequired
    ? `required (${plural(f.keyStore?.count ?? 0, 'key')} in ${f.keyStore?.path ?? 'memory'})`
    : f.keysNever
      ? 'not required (keys.require: never)'
      : 'not required yet: create one with agentcrate gateway keys create (then every request needs one)';
  return [
    `${c.green('✓')} model gateway at ${url} — ${f.configFile !== undefined ? `config ${f.configFile}` : 'no config file: upstreams from the environment'}`,
    `  upstreams: ${
      f.upstreams.map((u) => `${u.name}${u.available ? '' : c.yellow(' (unavailable)')}`).join(', ') ||
      c.yellow('none')
    }`,
    `  POST ${url}/v1/chat/completions  OpenAI-compatible; model = ${f.models.length > 0 ? f.models.slice(0, 8).join(', ') : 'upstream/model'}`,
    `  GET  ${url}/v1/models · /providers · /health · /ready · /metrics`,
    `  keys: ${keys}`,
    ...(f.upstreams.every((u) => !u.available)
      ? [c.yellow('  no usable upstream: set a provider key such as GATEWAY_OPENAI_API_KEY')]
      : []),
    c.dim('Ctrl-C stops it.'),
  ].join('\n');
}

/**
 * The child half of `agentcrate gateway` on the lean path: the options read as every command
 * reads them, the configuration compiled (an invalid one reported with its diagnostics, as
 * in-process), its warnings printed, and the answer the serving process needs on stdout.
 */
async function compileForLeanProcess(ctx: GatewayContext): Promise<number> {
  const { compileGateway } = await import('../../gateway/lean/part.js');
  const flags = settingsFlags(ctx);
  // An invalid file fails here; the CLI's error text lists its diagnostics once.
  const compiled = await compileGateway(ctx.env, ctx.cwd, flags);
  for (const d of compiled.warnings)
    ctx.output.err(formatDiagnostic(d, compiled.file ?? 'gateway', ctx.output.color));
  const message = startMessage(ctx, GATEWAY_URL_MARK, {
    configFile: compiled.file,
    upstreams: compiled.upstreams,
    models: compiled.models,
    keysRequired: compiled.keysRequired,
    keyStore: compiled.keyStore,
    keysNever: compiled.config.keys.require === 'never',
  });
  const answer: GatewayCliAnswer = { lean: true, flags, compiled, message };
  ctx.output.out(JSON.stringify(answer));
  return 0;
}

/**
 * In-process serving, for a CLI started without the bin's lean path (`agentcrate -v gateway`,
 * or `main()` called from code); the bin runs `agentcrate gateway` on the lean path.
 */
async function serveGateway(ctx: GatewayContext): Promise<number> {
  if (ctx.env[GATEWAY_COMPILE_ENV] === '1') return compileForLeanProcess(ctx);
  const { startGateway } = await import('../../gateway/serve.js');
  const { createGatewayLogger } = await import('../../gateway/ops/log.js');
  const { readGatewaySettings } = await import('../../gateway/settings.js');
  const { gatewaySecrets } = await import('../../gateway/lean/start-log.js');
  const flags = settingsFlags(ctx);
  const { logLevel: level, logFile } = readGatewaySettings(flags, ctx.env);
  const logger = createGatewayLogger({
    level,
    env: ctx.env,
    secrets: gatewaySecrets(ctx.env),
    file: logFile,
  });
  const gateway = await startGateway({ flags, env: ctx.env, cwd: ctx.cwd, logger });
  const g = gateway.gateway.context;
  for (const d of gateway.warnings)
    ctx.output.err(formatDiagnostic(d, gateway.configFile ?? 'gateway', ctx.output.color));
  ctx.output.err(
    startMessage(ctx, gateway.url, {
      configFile: gateway.configFile,
      upstreams: g.pool.all().map((u) => ({ name: u.config.name, available: u.client !== undefined })),
      models: g.router.modelNames().map((m) => m.id),
      keysRequired: g.gate.required,
      keyStore:
        g.keyStore !== undefined ? { path: g.keyStore.path, count: await g.keyStore.count() } : undefined,
      keysNever: g.config.keys.require === 'never',
    }),
  );
  await new Promise<void>((done) => {
    if (ctx.signal.aborted) done();
    ctx.signal.addEventListener('abort', () => done(), { once: true });
  });
  ctx.output.err('shutting down: finishing streams in flight');
  await gateway.close();
  logger.flush?.();
  return 0;
}

async function checkConfig(ctx: GatewayContext, file: string | undefined): Promise<number> {
  const { loadGatewayConfigFile } = await import('../../gateway/config/load.js');
  const { readGatewaySettings } = await import('../../gateway/settings.js');
  const path = resolve(ctx.cwd, file ?? readGatewaySettings(settingsFlags(ctx), ctx.env).config);
  const result = await loadGatewayConfigFile(path, ctx.env);
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (ctx.options.json) {
    ctx.output.out(
      JSON.stringify({ file: path, valid: errors.length === 0, diagnostics: result.diagnostics }, null, 2),
    );
    return errors.length === 0 ? 0 : 1;
  }
  const c = ctx.output.color;
  for (const d of result.diagnostics) ctx.output.err(formatDiagnostic(d, file ?? path, c));
  if (result.config === undefined) {
    ctx.output.err(`${c.red('✗')} ${file ?? path}: ${plural(errors.length, 'error')}`);
    return 1;
  }
  const config = result.config;
  ctx.output.err(
    `${c.green('✓')} ${file ?? path}: ${plural(config.upstreams.size, 'upstream')}, ${plural(config.routes.size, 'route')}` +
      (result.diagnostics.length > 0 ? `, ${plural(result.diagnostics.length, 'warning')}` : ''),
  );
  return 0;
}
