/** Docker-mode sandbox tests: the local Python image and why such a test would skip. */
import { execFileSync } from 'node:child_process';

export const SANDBOX_TEST_IMAGE =
  process.env.AGENTCRATE_TEST_SANDBOX_IMAGE ?? 'agentcrate-sandbox-test-python:3';

export function docker(...args: string[]): string {
  return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

/** Undefined when a Docker engine answers and the sandbox test image is there. */
export function dockerSkipReason(): string | undefined {
  try {
    docker('info');
  } catch {
    return 'no Docker engine answers (scripts/docker/ensure-docker.sh)';
  }
  try {
    docker('image', 'inspect', SANDBOX_TEST_IMAGE);
  } catch {
    return `sandbox image ${SANDBOX_TEST_IMAGE} is missing (scripts/docker/build-sandbox-image.sh ${SANDBOX_TEST_IMAGE})`;
  }
  return undefined;
}
