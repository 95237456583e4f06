/**
 * `agentcrate deploy <file>`: validate → generate artifacts → build → run → healthy, then
 * print everything needed next. `--generate` stops after writing the artifacts; `--json`
 * prints progress as NDJSON on stderr and one result object on stdout.
 */
import { resolve } from 'node:path';
import type { Workflow } from '../../config/types.js';
import type { EnvVarSpec } from '../../deploy/types.js';
import { compile } from '../../engine/index.js';
import { exampleInput, inputsSchema, outputsSchema } from '../../server/openapi.js';
import type { DeployContext } from '../commands/deploy.js';
import { requireWorkflow } from '../diagnostics.js';
import { verifyContainerEnv, workflowEnvVars } from '../env-vars.js';

export default async function deployCommand(ctx: DeployContext): Promise<number> {
  const o = ctx.options;
  const workflow = await requireWorkflow(ctx.args.file, ctx);
  if (o.target === 'kubernetes') return kubernetesManifests(ctx, workflow);
  if (o.withGateway) return (await import('./deploy-stack.js')).deployStack(ctx, workflow);
  const c = ctx.output.color;
  const { parsePlatforms } = await import('../../deploy/platform.js');
  const platforms = o.platform !== undefined ? parsePlatforms(o.platform) : undefined;
  const plan = compile(workflow);
  const { deploy } = await import('../../deploy/index.js');
  const result = await deploy({
    workflow,
    workflowFile: ctx.args.file,
    output: o.output ?? resolve(ctx.cwd, 'deploy'),
    port: o.port,
    timeoutSeconds: o.timeout,
    traces: o.traces,
    api: o.api,
    ...(o.name !== undefined ? { name: o.name } : {}),
    ...(o.baseImage !== undefined ? { baseImage: o.baseImage } : {}),
    ...(o.network !== undefined ? { network: o.network } : {}),
    ...(typeof o.envFile === 'string' ? { envFile: o.envFile } : {}),
    ...(o.envFile === false ? { noEnvFile: true } : {}),
    generateOnly: o.generate,
    ...(o.push !== undefined ? { push: o.push } : {}),
    ...(platforms !== undefined ? { platforms } : {}),
    envVars: workflowEnvVars(workflow),
    exampleInput: exampleInput(workflow),
    inputSchema: inputsSchema(workflow),
    outputSchema: outputsSchema(workflow),
    cwd: ctx.cwd,
    // The container gets the env file only, so check credentials against exactly that.
    verifyEnv: (env) => verifyContainerEnv(plan, env),
    onProgress: (event) => {
      if (o.json) process.stderr.write(`${JSON.stringify(event)}\n`);
      else {
        const where =
          event.step !== undefined ? `step ${event.step}${event.total ? `/${event.total}` : ''} ` : '';
        const text = `${c.dim(`[${(event.elapsedMs / 1000).toFixed(1)}s]`)} ${event.phase} ${where}${event.message}`;
        ctx.output.err(event.warning ? c.yellow(text) : text);
      }
    },
  });

  if (o.json) {
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

/**
 * `--target kubernetes`: manifests only; no image is built and no cluster is contacted. With
 * `--with-gateway`, the gateway's gateway.yaml and key variables are the compose stack's.
 */
async function kubernetesManifests(ctx: DeployContext, workflow: Workflow): Promise<number> {
  const o = ctx.options;
  const { writeKubernetes } = await import('../../deploy/kubernetes/files.js');
  const { THROUGH_GATEWAY } = await import('../../deploy/kubernetes/gateway.js');
  const { deployNames } = await import('../../deploy/names.js');
  const { VERSION } = await import('../../version.js');
  const { SERVER_SETTINGS } = await import('../../server/settings.js');
  const names = deployNames(workflow.flow.name, o.name);
  const outputDir = o.output ?? resolve(ctx.cwd, 'k8s');
  const image = o.image ?? names.image;
  let gateway: { image: string; yaml: string; variables: EnvVarSpec[] } | undefined;
  if (o.withGateway) {
    const { stackGatewayConfig } = await import('../../deploy/gateway/config.js');
    const config = stackGatewayConfig(workflow, o.gatewayConfig);
    for (const w of config.warnings) ctx.output.err(ctx.output.color.yellow(`gateway config: ${w}`));
    gateway = { image: gatewayImage(image), yaml: config.yaml, variables: config.variables };
  }
  const files = writeKubernetes(outputDir, {
    name: names.container,
    image,
    replicas: o.replicas,
    port: SERVER_SETTINGS.port.default,
    timeoutSeconds: o.timeout,
    runsPerPod: SERVER_SETTINGS.maxConcurrentRuns.default,
    // Through the gateway the pods hold no provider key: only tool keys and settings.
    envVars: gateway !== undefined ? workflowEnvVars(workflow, THROUGH_GATEWAY) : workflowEnvVars(workflow),
    flowName: workflow.flow.name,
    agentcrateVersion: VERSION,
    ...(gateway !== undefined ? { gateway } : {}),
  });
  if (o.json) {
    ctx.output.out(JSON.stringify({ kind: 'kubernetes', outputDir, files }));
    return 0;
  }
  const c = ctx.output.color;
  ctx.output.err(`${c.green('✓')} Kubernetes manifests for '${workflow.flow.name}' in ${outputDir}:`);
  for (const f of files) ctx.output.err(`  ${f}`);
  ctx.output.err(
    `fill secret.yaml (DATABASE_URL, keys)${gateway !== undefined ? ' and gateway-secret.yaml (provider keys)' : ''}, then: kubectl apply -k ${outputDir} (or -k ${outputDir}/keda with KEDA)`,
  );
  return 0;
}

/** The gateway's image beside the workflow's: REPO-gateway:TAG (the compose stack's naming). */
function gatewayImage(image: string): string {
  const at = image.indexOf('@');
  if (at >= 0) return `${image.slice(0, at)}-gateway:latest`; // a digest names the workflow's image only
  const slash = image.lastIndexOf('/');
  const colon = image.lastIndexOf(':');
  const [repo, tag] = colon > slash ? [image.slice(0, colon), image.slice(colon)] : [image, ':latest'];
  return `${repo}-gateway${tag}`;
}
