/** Shared setup for the deploy tests: fixture workflows through the real loader, standard options. */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { loadWorkflowFromString } from '../../src/config/load.js';
import type { Workflow } from '../../src/config/types.js';
import type { ArtifactOptions, EnvVarSpec } from '../../src/deploy/types.js';

export const FIXTURES_DIR = '/work/shared/fixtures/configurable-agents';
export const FIXTURE_SERVER = fileURLToPath(new URL('./fixtures/server-entry.ts', import.meta.url));
export const CRASH_SERVER = fileURLToPath(new URL('./fixtures/crash-entry.ts', import.meta.url));
export const TEST_BASE_IMAGE = process.env.AGENTCRATE_TEST_BASE_IMAGE ?? 'agentcrate-test-base:24';

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
    required: true,
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
