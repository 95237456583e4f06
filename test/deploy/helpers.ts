/** Shared setup for the deploy tests: fixture workflows through the real loader, standard options. */
import { spawn } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadWorkflowFromString } from '../../src/config/load.js';
import type { Workflow } from '../../src/config/types.js';
import type { ArtifactOptions, EnvVarSpec } from '../../src/deploy/types.js';
import { announceSkip } from '../support/docker.js';

/** The shared fixtures sit beside the clone (`../shared`); tests skip, saying so, without them. */
export const FIXTURES_DIR = fileURLToPath(
  new URL('../../../shared/fixtures/configurable-agents', import.meta.url),
);
export const FIXTURES_PRESENT = existsSync(`${FIXTURES_DIR}/echo.yaml`);
export const FIXTURES_SKIP = announceSkip(
  'deploy tests on the shared fixtures',
  FIXTURES_PRESENT ? undefined : `fixtures absent at ${FIXTURES_DIR}`,
);
export const FIXTURE_SERVER = fileURLToPath(new URL('./fixtures/server-entry.ts', import.meta.url));
export const CRASH_SERVER = fileURLToPath(new URL('./fixtures/crash-entry.ts', import.meta.url));
export { TEST_BASE_IMAGE } from '../support/docker.js';

export function loadFixture(name: string): Workflow {
  const file = `${FIXTURES_DIR}/${name}`;
  return loadSource(readFileSync(file, 'utf8'), name);
}

export function loadSource(source: string, file = 'flow.yaml'): Workflow {
  const result = loadWorkflowFromString(source, { file });
  if (result.workflow === undefined) {
    throw new Error(`fixture ${file} did not load: ${JSON.stringify(result.diagnostics)}`);
  }
  return result.workflow;
}

export const ENV_VARS: EnvVarSpec[] = [
  {
    name: 'GOOGLE_API_KEY',
    required: false,
    needed: true,
    description: 'API key for Google Gemini (provider google).',
    secret: true,
  },
  {
    name: 'AGENTCRATE_API_KEYS',
    required: false,
    description: 'Comma-separated keys clients must send as "Authorization: Bearer <key>".',
    secret: true,
  },
  {
    name: 'AGENTCRATE_LLM_BASE_URL',
    required: false,
    description: 'Send every model call to this base URL (a gateway or a local model).',
    secret: false,
  },
];

export function echoOptions(
  workflow: Workflow,
  outDir: string,
  extra: Partial<ArtifactOptions> = {},
): ArtifactOptions {
  return {
    workflow,
    outDir,
    port: 8000,
    traces: true,
    envVars: ENV_VARS,
    timeoutSeconds: 30,
    exampleInput: { message: "Hello, it's me" },
    inputSchema: {
      type: 'object',
      properties: { message: { type: 'string', description: 'The message to echo back' } },
      required: ['message'],
    },
    outputSchema: { type: 'object', properties: { result: { type: 'string' } } },
    bundleSha256: 'b'.repeat(64),
    agentcrateVersion: '0.1.0',
    ...extra,
  };
}

/** Streams `docker save` and reports which needles occur (the carry covers chunk boundaries). */
export function savedImageContains(image: string, needles: string[]): Promise<Record<string, boolean>> {
  return new Promise((resolve, reject) => {
    const found: Record<string, boolean> = Object.fromEntries(needles.map((n) => [n, false]));
    const keep = Math.max(...needles.map((n) => n.length));
    let carry = Buffer.alloc(0);
    const child = spawn('docker', ['save', image], { stdio: ['ignore', 'pipe', 'inherit'] });
    child.stdout.on('data', (chunk: Buffer) => {
      const buf = Buffer.concat([carry, chunk]);
      for (const n of needles) if (!found[n] && buf.includes(n)) found[n] = true;
      carry = buf.subarray(Math.max(0, buf.length - keep));
    });
    child.on('error', reject);
    child.on('close', (code) =>
      code === 0 ? resolve(found) : reject(new Error(`docker save exited ${code}`)),
    );
  });
}
