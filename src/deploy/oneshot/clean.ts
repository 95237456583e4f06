/**
 * `agentcrate clean`: the one-shot images agentcrate built (they carry `io.agentcrate.oneshot`),
 * for one workflow or all. Found by label, so an image agentcrate did not build is never one
 * of them, whatever its name.
 */
import { LABEL_WORKFLOW } from '../labels.js';
import type { ContainerRuntime, ImageDetails } from '../runtime/types.js';
import { LABEL_ONESHOT } from './names.js';

export interface CleanTarget {
  id: string;
  tags: string[];
  workflow: string;
  size: number;
}

/** The one-shot images of `workflow` (its `flow.name`), or all of them. */
export async function findOneshotImages(
  runtime: ContainerRuntime,
  workflow?: string,
): Promise<CleanTarget[]> {
  const labels: Record<string, string> = { [LABEL_ONESHOT]: 'true' };
  if (workflow !== undefined) labels[LABEL_WORKFLOW] = workflow;
  const images = await runtime.images({ labels });
  // The engine filters by label; checked again so a filter it ignored cannot widen the set.
  return images
    .filter((i: ImageDetails) => i.labels[LABEL_ONESHOT] === 'true')
    .filter((i) => workflow === undefined || i.labels[LABEL_WORKFLOW] === workflow)
    .map((i) => ({ id: i.id, tags: i.tags, workflow: i.labels[LABEL_WORKFLOW] ?? '', size: i.size }));
}

/** Removes each tag, then the image itself (an image with no tag left goes with its last one). */
export async function removeOneshotImages(runtime: ContainerRuntime, targets: CleanTarget[]): Promise<void> {
  for (const target of targets) {
    for (const tag of target.tags) await runtime.removeImage(tag, { force: false });
    if (target.tags.length === 0) await runtime.removeImage(target.id, { force: false });
  }
}
