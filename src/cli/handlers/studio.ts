/**
 * `agentcrate studio [dir]`: serves the studio page for the workflows in `dir` until Ctrl-C.
 * Prints the URL with its access token (the only way in) and the Docker warning when bound
 * beyond loopback. The deploy checks are the deploy command's own, handed to the studio.
 */
import type { StudioContext } from '../commands/studio.js';
import { verifyContainerEnv, workflowEnvVars } from '../env-vars.js';

const LOOPBACK = new Set(['127.0.0.1', 'localhost', '::1', '[::1]']);

export default async function studioCommand(ctx: StudioContext): Promise<number> {
  const { resolveStudioSettings, startStudio } = await import('../../studio/index.js');
  const { createLogger } = await import('../../server/logger.js');
  // Only what was given: the studio's reader puts the environment below the flags.
  const given = Object.fromEntries(
    Object.entries(ctx.options).filter(
      ([, v]) => v !== undefined && v !== false && !(Array.isArray(v) && v.length === 0),
    ),
  );
  const settings = resolveStudioSettings(given, ctx.env);
  const dir = ctx.args.dir ?? ctx.cwd;
  const studio = await startStudio({
    dir,
    settings,
    env: ctx.env,
    cwd: ctx.cwd,
    logger: createLogger({ env: ctx.env }),
    deploy: { envVars: workflowEnvVars, verifyEnv: verifyContainerEnv },
  });
  const c = ctx.output.color;
  const lines = [
    `${c.green('✓')} agentcrate studio for ${dir}`,
    '',
    '  Open this address (it carries the access token; keep it to yourself):',
    `    ${c.bold(studio.openUrl)}`,
    '',
    `  Store    ${settings.store}`,
  ];
  if (studio.store.mode === 'read-only') lines.push('', c.yellow(`  ${studio.store.reason}`));
  if (!LOOPBACK.has(settings.host)) {
    lines.push(
      '',
      c.yellow(
        `  Listening on ${settings.host}: the studio controls Docker and your files. Anyone with the token and a route to this address has a root shell.`,
      ),
    );
  }
  lines.push('', c.dim('Ctrl-C stops it (runs started here are cancelled).'));
  ctx.output.err(lines.join('\n'));
  await new Promise<void>((done) => {
    if (ctx.signal.aborted) done();
    ctx.signal.addEventListener('abort', () => done(), { once: true });
  });
  ctx.output.err('stopping the studio');
  await studio.close();
  return 0;
}
