/**
 * `agentcrate clean`: the one-shot images agentcrate built (they carry `io.agentcrate.oneshot`),
 * for one workflow or all, and the containers `exec` left of them. Found by label, so an image
 * or container agentcrate did not make is never one of them, whatever its name.
 */
import { isAgentcrateError } from '../../errors.js';
import { LABEL_WORKFLOW } from '../labels.js';
import type { ContainerRuntime, ContainerSummary, ImageDetails } from '../runtime/types.js';
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

/**
 * A container younger than this may be an `exec` between its create and its start (a few
 * milliseconds apart): left alone.
 */
const LEFTOVER_AFTER_MS = 60_000;

/**
 * Containers of one-shot images that `exec` could not remove: created but never started (the
 * CLI killed between the two, where no handler runs), or stopped and still there. A running
 * one is a run in progress and is never touched.
 */
export async function findLeftoverContainers(
  runtime: ContainerRuntime,
  workflow?: string,
  now = Date.now(),
): Promise<ContainerSummary[]> {
  const labels: Record<string, string> = { [LABEL_ONESHOT]: 'true' };
  if (workflow !== undefined) labels[LABEL_WORKFLOW] = workflow;
  const containers = await runtime.ps({ all: true, labels });
  return containers.filter(
    (c) =>
      c.labels[LABEL_ONESHOT] === 'true' &&
      (workflow === undefined || c.labels[LABEL_WORKFLOW] === workflow) &&
      ['created', 'exited', 'dead'].includes(c.state) &&
      now - c.createdAt.getTime() >= LEFTOVER_AFTER_MS,
  );
}

/** Removes each; one gone meanwhile, or started meanwhile (a run, then), is skipped. */
export async function removeContainers(
  runtime: ContainerRuntime,
  containers: ContainerSummary[],
): Promise<void> {
  for (const c of containers) {
    try {
      await runtime.rm(c.id, { force: false });
    } catch (error) {
      if (!isAgentcrateError(error) || !['E_NOT_FOUND', 'E_CONFLICT'].includes(error.code)) throw error;
    }
  }
}
