/**
 * What `build` and `exec` share: the workflow loaded and validated, the one-shot image it
 * makes (name and content hash known before anything is built), and build progress on stderr.
 */
import { resolve } from 'node:path';
import type { Workflow } from '../config/types.js';
import type { OneshotProgress, PreparedImage } from '../deploy/oneshot/image.js';
import type { LlmOverride } from '../models/types.js';
import { exampleInput, inputsSchema, outputsSchema } from '../server/openapi.js';
import type { CommandContext } from './commands.js';
import { loadValidWorkflow } from './workflow.js';

export interface PreparedWorkflow {
  file: string;
  workflow: Workflow;
  prepared: PreparedImage;
}

export function overrideOf(o: Record<string, unknown>): LlmOverride {
  return {
    ...(typeof o.provider === 'string' ? { provider: o.provider } : {}),
    ...(typeof o.model === 'string' ? { model: o.model } : {}),
    ...(typeof o.baseUrl === 'string' ? { baseURL: o.baseUrl } : {}),
  };
}

export function progressPrinter(ctx: CommandContext, json: boolean): (event: OneshotProgress) => void {
  const c = ctx.output.color;
  return (event) => {
    if (json) {
      process.stderr.write(`${JSON.stringify(event)}\n`);
      return;
    }
    const where =
      event.step !== undefined ? `step ${event.step}${event.total ? `/${event.total}` : ''} ` : '';
    ctx.output.err(
      `${c.dim(`[${(event.elapsedMs / 1000).toFixed(1)}s]`)} ${event.phase} ${where}${event.message}`,
    );
  };
}

export async function prepareWorkflowImage(
  ctx: CommandContext,
  onProgress: (event: OneshotProgress) => void,
): Promise<PreparedWorkflow> {
  const o = ctx.options;
  const file = resolve(ctx.cwd, ctx.args[0] as string);
  const workflow = await loadValidWorkflow(file, ctx.output, ctx.cwd);
  const { prepareImage } = await import('../deploy/oneshot/image.js');
  const prepared = await prepareImage({
    workflow,
    override: overrideOf(o),
    exampleInput: exampleInput(workflow),
    inputSchema: inputsSchema(workflow),
    outputSchema: outputsSchema(workflow),
    ...(typeof o.baseImage === 'string' ? { baseImage: o.baseImage } : {}),
    ...(typeof o.platform === 'string' ? { platform: o.platform } : {}),
    ...(typeof o.tag === 'string' ? { tag: o.tag } : {}),
    onProgress,
  });
  return { file, workflow, prepared };
}
