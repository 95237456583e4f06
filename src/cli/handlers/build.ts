/**
 * `agentcrate build <file>`: a one-shot image of the workflow (JSON in, one JSON result out),
 * holding only the parts of agentcrate the workflow uses. `--json` prints one result object.
 */
import { DockerRuntime } from '../../deploy/runtime/docker.js';
import { exampleInput } from '../../server/openapi.js';
import type { BuildContext } from '../commands/build.js';
import { modelOverride } from '../commands/model-override.js';
import { requireWorkflow, shownPath } from '../diagnostics.js';
import { prepareWorkflowImage, progressPrinter } from '../oneshot.js';

export default async function buildCommand(ctx: BuildContext): Promise<number> {
  const o = ctx.options;
  const json = o.json;
  if (o.binary !== undefined) return buildBinaryCommand(ctx, o.binary);
  const onProgress = progressPrinter(ctx, json);
  const { workflow, prepared } = await prepareWorkflowImage(ctx, onProgress);
  const { buildImage } = await import('../../deploy/oneshot/image.js');
  const built = await buildImage({
    prepared,
    runtime: new DockerRuntime(),
    outputDir: o.output,
    ...(o.platform !== undefined ? { platform: o.platform } : {}),
    force: o.force,
    onProgress,
  });
  const result = {
    image: built.image,
    tags: built.tags,
    image_id: built.imageId,
    content_hash: built.contentHash,
    built: built.built,
    runner_bytes: built.runnerBytes,
    image_bytes: built.details.size,
    providers: prepared.parts.providers,
    tool_modules: prepared.parts.toolModules,
    output_dir: built.outputDir,
    duration_ms: built.elapsedMs,
  };
  if (json) {
    ctx.output.out(JSON.stringify(result));
    return 0;
  }
  const c = ctx.output.color;
  const mb = (n: number) => `${(n / 1e6).toFixed(1)} MB`;
  ctx.output.out(
    [
      `${c.green('✓')} ${built.built ? 'built' : 'up to date:'} ${built.tags.join(', ')} (${(built.elapsedMs / 1000).toFixed(1)} s)`,
      `  runner   ${(built.runnerBytes / 1e3).toFixed(0)} KB (providers: ${prepared.parts.providers.join(', ') || 'none'}; tool modules: ${prepared.parts.toolModules.join(', ') || 'none'})`,
      `  image    ${mb(built.details.size)} with its base ${prepared.baseImage}`,
      `  context  ${built.outputDir}`,
      '',
      'Run it:',
      `  agentcrate exec ${shownPath(ctx.args.file, ctx.cwd)} '${JSON.stringify(exampleInput(workflow))}'`,
      `  docker run --rm --read-only --cap-drop ALL --add-host host.docker.internal:host-gateway ${built.image} '<json>'`,
    ].join('\n'),
  );
  return 0;
}

async function buildBinaryCommand(ctx: BuildContext, path: string): Promise<number> {
  const started = performance.now();
  const json = ctx.options.json;
  const workflow = await requireWorkflow(ctx.args.file, ctx);
  const { buildBinary } = await import('../../deploy/oneshot/binary.js');
  const c = ctx.output.color;
  const built = await buildBinary({
    workflow,
    override: modelOverride(ctx.options),
    exampleInput: exampleInput(workflow),
    output: path,
    onProgress: (message) => {
      if (json) process.stderr.write(`${JSON.stringify({ phase: 'binary', message })}\n`);
      else ctx.output.err(`${c.dim(`[${((performance.now() - started) / 1000).toFixed(1)}s]`)} ${message}`);
    },
  });
  if (json) {
    ctx.output.out(
      JSON.stringify({
        binary: built.path,
        bytes: built.bytes,
        runner_bytes: built.runnerBytes,
        node_version: built.nodeVersion,
        providers: built.providers,
        tool_modules: built.toolModules,
        duration_ms: built.elapsedMs,
      }),
    );
    return 0;
  }
  ctx.output.out(
    [
      `${c.green('✓')} wrote ${built.path} (${(built.bytes / 1e6).toFixed(1)} MB: Node ${built.nodeVersion} and a ${(built.runnerBytes / 1e3).toFixed(0)} KB runner; ${(built.elapsedMs / 1000).toFixed(1)} s)`,
      '',
      'Run it (no Node needed):',
      `  ${shownPath(path, ctx.cwd)} '${JSON.stringify(exampleInput(workflow))}'`,
    ].join('\n'),
  );
  return 0;
}
