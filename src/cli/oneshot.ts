/**
 * What `build` and `exec` share: the workflow loaded and validated, the one-shot image it
 * makes (name and content hash known before anything is built), and build progress on stderr.
 */
import type { Workflow } from '../config/types.js';
import type { OneshotProgress, PreparedImage } from '../deploy/oneshot/image.js';
import { exampleInput, inputsSchema, outputsSchema } from '../server/openapi.js';
import { modelOverride } from './commands/model-override.js';
import type { BaseContext } from './define.js';
import { requireWorkflowWarned } from './diagnostics.js';

export interface PreparedWorkflow {
  file: string;
  workflow: Workflow;
  prepared: PreparedImage;
}

export function progressPrinter(
  ctx: Pick<BaseContext, 'output'>,
  json: boolean,
): (event: OneshotProgress) => void {
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

/** What both commands' options hold for the image. */
export interface ImageOptions {
  provider?: string | undefined;
  model?: string | undefined;
  baseUrl?: string | undefined;
  baseImage?: string | undefined;
  platform?: string | undefined;
  tag?: string | undefined;
}

export async function prepareWorkflowImage(
  ctx: Pick<BaseContext, 'output' | 'cwd'> & { args: { file: string }; options: ImageOptions },
  onProgress: (event: OneshotProgress) => void,
): Promise<PreparedWorkflow> {
  const o = ctx.options;
  const file = ctx.args.file;
  const { workflow, warnings } = await requireWorkflowWarned(file, ctx);
  const { prepareImage } = await import('../deploy/oneshot/image.js');
  const prepared = await prepareImage({
    workflow,
    override: modelOverride(o),
    exampleInput: exampleInput(workflow),
    inputSchema: inputsSchema(workflow),
    outputSchema: outputsSchema(workflow),
    ...(o.baseImage !== undefined ? { baseImage: o.baseImage } : {}),
    ...(o.platform !== undefined ? { platform: o.platform } : {}),
    ...(o.tag !== undefined ? { tag: o.tag } : {}),
    warnings,
    onProgress,
  });
  return { file, workflow, prepared };
}
