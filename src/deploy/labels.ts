/**
 * Labels baked into the image (and copied onto containers) so `docker inspect` answers
 * "which workflow, which version, which inputs" without pulling or running anything, and so
 * `agentcrate ps/stop/rm` can refuse containers that are not ours.
 */
import type { Workflow } from '../config/types.js';

export const LABEL_MANAGED = 'io.agentcrate.managed';
export const LABEL_WORKFLOW = 'io.agentcrate.workflow';
export const LABEL_VERSION = 'io.agentcrate.version';
export const LABEL_HASH = 'io.agentcrate.hash';
export const LABEL_INPUT_SCHEMA = 'io.agentcrate.input-schema';
export const LABEL_OUTPUT_SCHEMA = 'io.agentcrate.output-schema';
export const LABEL_PORT = 'io.agentcrate.port';

export interface LabelOptions {
  workflow: Workflow;
  contentHash: string;
  inputSchema: unknown;
  outputSchema: unknown;
  port: number;
}

/**
 * Deterministic on purpose: no build timestamp (`org.opencontainers.image.created`), so the
 * same workflow and bundle give the same layers and a rebuild is a cache hit.
 */
export function imageLabels(opts: LabelOptions): Record<string, string> {
  const { flow } = opts.workflow;
  const version = flow.version ?? '0.0.0';
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': flow.name,
    'org.opencontainers.image.version': version,
  };
  if (flow.description !== undefined && flow.description !== '') {
    labels['org.opencontainers.image.description'] = flow.description;
  }
  labels[LABEL_MANAGED] = 'true';
  labels[LABEL_WORKFLOW] = flow.name;
  labels[LABEL_VERSION] = version;
  labels[LABEL_HASH] = opts.contentHash;
  labels[LABEL_PORT] = String(opts.port);
  labels[LABEL_INPUT_SCHEMA] = JSON.stringify(opts.inputSchema);
  labels[LABEL_OUTPUT_SCHEMA] = JSON.stringify(opts.outputSchema);
  return labels;
}
