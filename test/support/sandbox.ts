/**
 * Sandbox tests: a code request with its settings, and for docker mode the local Python image
 * and why such a test would skip.
 */
import { execFileSync } from 'node:child_process';
import type { CodeRequest, SandboxSettings } from '../../src/sandbox/types.js';

/** Settings for `mode`: enabled, low preset, no network; `over` replaces any of them. */
export function sandboxSettings(
  mode: SandboxSettings['mode'],
  over: Partial<SandboxSettings> = {},
): SandboxSettings {
  return { mode, enabled: true, network: false, preset: 'low', ...over };
}

/** A request to run `code` with no inputs and no memory; `over` replaces any part. */
export function sandboxRequest(
  code: string,
  settings: SandboxSettings,
  over: Partial<CodeRequest> = {},
): CodeRequest {
  return { nodeId: 'n', code, inputs: {}, memory: { enabled: false, values: {} }, settings, ...over };
}

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
