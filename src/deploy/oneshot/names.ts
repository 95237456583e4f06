/**
 * Names and labels of one-shot images. A one-shot image is `agentcrate-<flow>:<content hash>`
 * (and `:latest`) unless `-t` names it; its labels say it is one (so `clean` removes only
 * these), for which workflow, and what goes in and comes out (JSON Schemas), so `docker
 * inspect` answers without running anything.
 */
import type { Workflow } from '../../config/types.js';
import { AgentcrateError } from '../../errors.js';
import { VERSION } from '../../version.js';
import {
  LABEL_HASH,
  LABEL_INPUT_SCHEMA,
  LABEL_OUTPUT_SCHEMA,
  LABEL_VERSION,
  LABEL_WORKFLOW,
} from '../labels.js';
import { sanitizeName } from '../names.js';
import type { WorkflowParts } from './parts.js';

/** Built locally by scripts/docker/build-oneshot-base.sh: Node and its libraries, nothing else. */
export const DEFAULT_ONESHOT_BASE = 'agentcrate-oneshot-base:24';

export const LABEL_ONESHOT = 'io.agentcrate.oneshot';
export const LABEL_AGENTCRATE_VERSION = 'io.agentcrate.agentcrate-version';
export const LABEL_PROVIDERS = 'io.agentcrate.oneshot.providers';
export const LABEL_TOOLS = 'io.agentcrate.oneshot.tools';

/** The repository part of the default tag. */
export function defaultRepository(workflow: Workflow): string {
  return `agentcrate-${sanitizeName(workflow.flow.name)}`.slice(0, 128);
}

/** `agentcrate-<flow>:<first 12 hex of the content hash>`. */
export function defaultTag(workflow: Workflow, contentHash: string): string {
  return `${defaultRepository(workflow)}:${contentHash.slice(0, 12)}`;
}

const REFERENCE =
  /^(?:[a-z0-9]+(?:[._-][a-z0-9]+)*(?::[0-9]+)?\/)?[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*(?:\/[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*)*(?::[A-Za-z0-9_][A-Za-z0-9_.-]{0,127})?$/;

/** Checks `-t`: a Docker image reference, `name[:tag]`; returns it with `:latest` when untagged. */
export function checkTag(tag: string): string {
  if (!REFERENCE.test(tag)) {
    throw new AgentcrateError(
      'E_USAGE',
      `-t '${tag}' is not an image name: use lowercase letters, digits and . _ - separators, optionally a registry/ prefix and a :tag, e.g. my-flow:1.0`,
    );
  }
  return lastColonIsTag(tag) ? tag : `${tag}:latest`;
}

/** Splits `repo[:tag]` (a registry port is not a tag). */
export function splitReference(ref: string): { repo: string; tag: string } {
  if (!lastColonIsTag(ref)) return { repo: ref, tag: 'latest' };
  const at = ref.lastIndexOf(':');
  return { repo: ref.slice(0, at), tag: ref.slice(at + 1) };
}

function lastColonIsTag(ref: string): boolean {
  const at = ref.lastIndexOf(':');
  return at > ref.lastIndexOf('/');
}

export interface OneshotLabelOptions {
  workflow: Workflow;
  contentHash: string;
  parts: WorkflowParts;
  inputSchema: unknown;
  outputSchema: unknown;
}

/** Deterministic (no build time), so an unchanged workflow rebuilds from the layer cache. */
export function oneshotLabels(opts: OneshotLabelOptions): Record<string, string> {
  const { flow } = opts.workflow;
  const labels: Record<string, string> = {
    'org.opencontainers.image.title': flow.name,
    'org.opencontainers.image.version': flow.version ?? '0.0.0',
  };
  if (flow.description !== undefined && flow.description !== '') {
    labels['org.opencontainers.image.description'] = flow.description;
  }
  labels[LABEL_ONESHOT] = 'true';
  labels[LABEL_WORKFLOW] = flow.name;
  labels[LABEL_VERSION] = flow.version ?? '0.0.0';
  labels[LABEL_HASH] = opts.contentHash;
  labels[LABEL_AGENTCRATE_VERSION] = VERSION;
  labels[LABEL_PROVIDERS] = opts.parts.providers.join(',');
  labels[LABEL_TOOLS] = [...new Set(opts.workflow.nodes.flatMap((n) => n.tools.map((t) => t.canonical)))]
    .sort()
    .join(',');
  labels[LABEL_INPUT_SCHEMA] = JSON.stringify(opts.inputSchema);
  labels[LABEL_OUTPUT_SCHEMA] = JSON.stringify(opts.outputSchema);
  return labels;
}
