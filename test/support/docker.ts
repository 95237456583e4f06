/** The Docker engine as the container tests see it, and why they skip without it. */
import { execFileSync } from 'node:child_process';

export const TEST_BASE_IMAGE = process.env.AGENTCRATE_TEST_BASE_IMAGE ?? 'agentcrate-test-base:24';

export function tryDocker(...args: string[]): string | undefined {
  try {
    return execFileSync('docker', args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch {
    return undefined;
  }
}

/** Why a test needing a Docker engine and the local base image cannot run, or undefined. */
export function dockerSkipReason(baseImage = TEST_BASE_IMAGE): string | undefined {
  if (tryDocker('version', '--format', '{{.Server.Version}}') === undefined) {
    return 'no Docker engine answers (scripts/docker/ensure-docker.sh starts one)';
  }
  if (tryDocker('image', 'inspect', baseImage) === undefined) {
    return `the local base image ${baseImage} is missing (scripts/docker/build-base-image.sh builds it)`;
  }
  return undefined;
}

/**
 * Says on the console that a suite is skipped and why: the default reporter only counts
 * skipped tests, so a reason in the suite's title alone goes unseen.
 */
export function announceSkip(what: string, reason: string | undefined): string {
  if (reason === undefined) return '';
  console.warn(`skipped: ${what} — ${reason}`);
  return ` — skipped: ${reason}`;
}
