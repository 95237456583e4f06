/**
 * A build that stops at its FROM line has no base image: the engine could not pull it (no
 * network, no registry access) and does not have it. Say how to get one without a registry.
 */
import { fileURLToPath } from 'node:url';
import { AgentcrateError, isAgentcrateError } from '../errors.js';

/** The script that builds a base image from a local Node binary (in a checkout and the package). */
export const BASE_IMAGE_SCRIPT = fileURLToPath(
  new URL('../../scripts/docker/build-base-image.sh', import.meta.url),
);

export function explainBaseImageFailure(error: unknown, baseImage: string): unknown {
  if (!isAgentcrateError(error) || error.code !== 'E_RUNTIME') return error;
  const step = error.details?.step;
  if (typeof step !== 'number' || step > 1) return error;
  return new AgentcrateError(
    'E_RUNTIME',
    `${error.message}\nthe engine cannot get the base image ${baseImage}. Without registry access, build one from a local Node binary:\n  bash ${BASE_IMAGE_SCRIPT} agentcrate-base:24\nthen deploy with --base-image agentcrate-base:24 (or pass --base-image with an image the engine has: docker images)`,
    { cause: error, details: { ...error.details, baseImage } },
  );
}
