/**
 * `agentcrate deploy <file> --with-gateway`: the workflow and its model gateway as one compose
 * stack (src/deploy/gateway). The workflow is checked as the gateway will run it: every node
 * through provider `gateway`, so no provider key is asked of it.
 */
import { resolve } from 'node:path';
import type { Workflow } from '../../config/types.js';
import { compile } from '../../engine/index.js';
import { exampleInput, inputsSchema, outputsSchema } from '../../server/openapi.js';
import type { DeployContext } from '../commands/deploy.js';
import { verifyContainerEnv, workflowEnvVars } from '../env-vars.js';

const THROUGH_GATEWAY = { AGENTCRATE_LLM_PROVIDER: 'gateway', GATEWAY_URL: 'http://model-gateway:8585' };

export async function deployStack(ctx: DeployContext, workflow: Workflow): Promise<number> {
  const o = ctx.options;
  const c = ctx.output.color;
  const plan = compile(workflow);
  const { deployWithGateway } = await import('../../deploy/gateway/deploy.js');
  const result = await deployWithGateway({
    workflow,
    workflowFile: ctx.args.file,
    output: o.output ?? resolve(ctx.cwd, 'deploy'),
    port: o.port,
    gatewayHostPort: o.gatewayPort,
    timeoutSeconds: o.timeout,
    traces: o.traces,
    ...(o.name !== undefined ? { name: o.name } : {}),
    ...(o.baseImage !== undefined ? { baseImage: o.baseImage } : {}),
    ...(o.network !== undefined ? { network: o.network } : {}),
    ...(o.push !== undefined ? { push: o.push } : {}),
    ...(o.gatewayConfig !== undefined ? { gatewayConfig: o.gatewayConfig } : {}),
    ...(typeof o.envFile === 'string' ? { envFile: o.envFile } : {}),
    ...(o.envFile === false ? { noEnvFile: true } : {}),
    generateOnly: o.generate,
    envVars: workflowEnvVars(workflow, THROUGH_GATEWAY),
    exampleInput: exampleInput(workflow),
    inputSchema: inputsSchema(workflow),
    outputSchema: outputsSchema(workflow),
    cwd: ctx.cwd,
    // The workflow's container gets tool keys and settings from the env file, never provider keys.
    verifyEnv: (env) => verifyContainerEnv(plan, { ...env, ...THROUGH_GATEWAY }),
    onProgress: (event) => {
      if (o.json) process.stderr.write(`${JSON.stringify(event)}\n`);
      else {
        const text = `${c.dim(`[${(event.elapsedMs / 1000).toFixed(1)}s]`)} ${event.phase} ${event.message}`;
        ctx.output.err(event.warning ? c.yellow(text) : text);
      }
    },
  });
  if (o.json) {
    ctx.output.out(JSON.stringify(result));
    return 0;
  }
  if (result.compose === undefined) {
    ctx.output.err(`${c.green('✓')} stack for '${workflow.flow.name}' in ${result.outputDir}:`);
    for (const f of result.files) ctx.output.err(`  ${f}`);
    ctx.output.err(`start it with: cd ${result.outputDir} && cp .env.example .env && make start test`);
    return 0;
  }
  ctx.output.out(
    [
      `${c.green('✓')} ${result.workflow.container} and its gateway are running and healthy (${(result.elapsedMs / 1000).toFixed(1)} s, ${result.compose})`,
      '',
      `  API      ${result.workflow.urls.api}`,
      `  Docs     ${result.workflow.urls.docs}`,
      `  Gateway  ${result.gateway.url}/v1 (${result.gateway.config}; /providers, /metrics)`,
      `  Volumes  ${result.workflow.volume} (job store), ${result.gateway.volume} (keys, logs)`,
      '',
      'Try it:',
      `  ${result.curlExample}`,
      '',
      'Operate it:',
      ...result.management.map((m) => `  ${m}`),
    ].join('\n'),
  );
  return 0;
}
