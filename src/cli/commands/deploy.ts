/**
 * `agentcrate deploy <file>`: validate → generate artifacts → build → run → healthy, then
 * print everything needed next. `--generate` stops after writing the artifacts; `--json`
 * prints progress as NDJSON on stderr and one result object on stdout.
 */
import { resolve } from 'node:path';
import { compile } from '../../engine/index.js';
import { AgentcrateError } from '../../errors.js';
import { exampleInput, inputsSchema, outputsSchema } from '../../server/openapi.js';
import type { CommandContext } from '../commands.js';
import { verifyContainerEnv, workflowEnvVars } from '../env-vars.js';
import { loadValidWorkflow } from '../workflow.js';

export default async function deployCommand(ctx: CommandContext): Promise<number> {
  const o = ctx.options;
  const file = resolve(ctx.cwd, ctx.args[0]!);
  const workflow = await loadValidWorkflow(file, ctx.output, ctx.cwd);
  const port = parseNumber(o.port, 'port', 8000);
  const timeoutSeconds = parseNumber(o.timeout, 'timeout', 30);
  const json = o.json === true;
  const c = ctx.output.color;
  const { parsePlatforms } = await import('../../deploy/platform.js');
  const platforms = typeof o.platform === 'string' ? parsePlatforms(o.platform) : undefined;
  const push = typeof o.push === 'string' ? o.push : undefined;
  const plan = compile(workflow);
  const { deploy } = await import('../../deploy/index.js');
  const result = await deploy({
    workflow,
    workflowFile: file,
    output: resolve(ctx.cwd, String(o.output ?? 'deploy')),
    port,
    timeoutSeconds,
    traces: o.traces !== false,
    ...(o.name ? { name: String(o.name) } : {}),
    ...(o.baseImage ? { baseImage: String(o.baseImage) } : {}),
    ...(o.network ? { network: String(o.network) } : {}),
    ...(typeof o.envFile === 'string' ? { envFile: resolve(ctx.cwd, o.envFile) } : {}),
    ...(o.envFile === false ? { noEnvFile: true } : {}),
    generateOnly: o.generate === true,
    ...(push !== undefined ? { push } : {}),
    ...(platforms !== undefined ? { platforms } : {}),
    envVars: workflowEnvVars(workflow),
    exampleInput: exampleInput(workflow),
    inputSchema: inputsSchema(workflow),
    outputSchema: outputsSchema(workflow),
    cwd: ctx.cwd,
    // The container gets the env file only, so check credentials against exactly that.
    verifyEnv: (env) => verifyContainerEnv(plan, env),
    onProgress: (event) => {
      if (json) process.stderr.write(`${JSON.stringify(event)}\n`);
      else {
        const where =
          event.step !== undefined ? `step ${event.step}${event.total ? `/${event.total}` : ''} ` : '';
        const text = `${c.dim(`[${(event.elapsedMs / 1000).toFixed(1)}s]`)} ${event.phase} ${where}${event.message}`;
        ctx.output.err(event.warning ? c.yellow(text) : text);
      }
    },
  });

  if (json) {
    ctx.output.out(JSON.stringify(result));
    return 0;
  }
  if (result.kind === 'generated') {
    ctx.output.err(`${c.green('✓')} artifacts for '${workflow.flow.name}' in ${result.outputDir}:`);
    for (const f of result.files) ctx.output.err(`  ${f}`);
    ctx.output.err(`build and run them with: cd ${result.outputDir} && make build run`);
    return 0;
  }
  const lines = [
    `${c.green('✓')} ${result.containerName} is running and healthy (${(result.elapsedMs / 1000).toFixed(1)} s)`,
    '',
    `  API      ${result.urls.api}`,
    `  Docs     ${result.urls.docs}`,
    `  Traces   ${result.urls.ui}`,
    `  Health   ${result.urls.health}`,
    `  Image    ${result.imageName} (${result.imageId.slice(0, 19)})`,
    `  Volume   ${result.volumeName} (job store)`,
    ...(result.platforms !== undefined ? [`  Platform ${result.platforms.join(', ')}`] : []),
    ...(result.pushed !== undefined
      ? result.pushed.map((ref, i) => `  ${i === 0 ? 'Pushed  ' : '        '} ${ref}`)
      : []),
    '',
    'Try it:',
    `  ${result.curlExample}`,
    '',
    'Manage it:',
    ...result.management.map((m) => `  ${m}`),
  ];
  ctx.output.out(lines.join('\n'));
  return 0;
}

function parseNumber(value: unknown, name: string, fallback: number): number {
  if (value === undefined) return fallback;
  const n = Number(value);
  if (!Number.isInteger(n) || n <= 0 || n > 65535)
    throw new AgentcrateError('E_USAGE', `--${name} expects a positive whole number, got '${String(value)}'`);
  return n;
}
