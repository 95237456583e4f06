/**
 * The environment a deployed workflow reads, derived from the workflow itself: the credentials
 * of the model providers its nodes resolve to and of the tools it uses, then the server's own
 * settings (from the settings table). Feeds `.env.example`, the compose file and the
 * pre-deploy checks.
 */
import type { Workflow } from '../config/types.js';
import type { EnvVarSpec } from '../deploy/index.js';
import { type Plan, preflightProblems } from '../engine/index.js';
import { AgentcrateError } from '../errors.js';
import { createModelClient, providerSpec } from '../models/index.js';
import { SERVER_SETTINGS } from '../server/settings.js';
import { envListing } from '../settings/index.js';
import { createToolRegistry } from '../tools/index.js';

/** Read by the model client and the trace exporter rather than the server settings. */
const OTHER_VARS: EnvVarSpec[] = [
  {
    name: 'AGENTCRATE_LLM_PROVIDER',
    required: false,
    secret: false,
    description: 'Override the provider of every node (e.g. openai-compatible)',
  },
  {
    name: 'AGENTCRATE_LLM_MODEL',
    required: false,
    secret: false,
    description: 'Override the model of every node',
  },
  {
    name: 'AGENTCRATE_LLM_BASE_URL',
    required: false,
    secret: false,
    description: 'Override the base URL of every node (a gateway or a local model)',
  },
  {
    name: 'OTEL_EXPORTER_OTLP_ENDPOINT',
    required: false,
    secret: false,
    description: 'Also export traces over OTLP/HTTP (Jaeger, MLflow, Langfuse, ...)',
  },
];

/** `env` overrides what the workflow says, e.g. `AGENTCRATE_LLM_PROVIDER=gateway` (no provider keys). */
export function workflowEnvVars(workflow: Workflow, env: Record<string, string> = {}): EnvVarSpec[] {
  const out: EnvVarSpec[] = [];
  const seen = new Set<string>();
  const add = (spec: EnvVarSpec) => {
    if (seen.has(spec.name)) return;
    seen.add(spec.name);
    out.push(spec);
  };
  const credential = (names: readonly string[], what: string) => {
    for (const name of names) {
      add({
        name,
        required: false,
        needed: true,
        ...(names.length > 1 ? { oneOf: names } : {}),
        secret: true,
        description: `${what}${names.length > 1 ? ` (one of ${names.join(', ')})` : ''}`,
      });
    }
  };
  // Resolve with no environment but `env`, so the workflow's own settings decide the providers.
  const models = createModelClient({ env });
  const providers = new Map<string, string[]>();
  for (const node of workflow.nodes) {
    const { provider } = models.resolve(workflow.config.llm, node.llm);
    providers.set(provider, [...(providers.get(provider) ?? []), node.id]);
  }
  for (const [provider, nodes] of providers) {
    const need = providerSpec(provider).missingCredential({});
    if (need)
      credential(
        need.variables,
        `${provider} credentials for node${nodes.length > 1 ? 's' : ''} ${nodes.join(', ')}`,
      );
  }
  for (const need of createToolRegistry().missingCredentials(workflow, {})) {
    credential(
      need.variables,
      `${need.tool} for node${need.nodes.length > 1 ? 's' : ''} ${need.nodes.join(', ')}`,
    );
  }
  for (const v of envListing(SERVER_SETTINGS)) add(v);
  for (const v of OTHER_VARS) add(v);
  return out;
}

/**
 * Refuses a container environment (the env file's variables, nothing else) that lacks the
 * credentials the workflow needs; `AGENTCRATE_DRY_RUN` there means none are needed. Used by
 * `agentcrate deploy` and by the studio's Deploy.
 */
export function verifyContainerEnv(plan: Plan, env: Record<string, string>): void {
  const dryRun = ['1', 'true', 'yes', 'on'].includes((env.AGENTCRATE_DRY_RUN ?? '').trim().toLowerCase());
  const problems = preflightProblems(plan, {
    models: createModelClient({ env, dryRun }),
    tools: createToolRegistry(),
    env,
  }).filter((p) => p.kind === 'credentials');
  if (problems.length > 0) {
    throw new AgentcrateError(
      'E_MISSING_CREDENTIALS',
      `the container would start without credentials it needs; add to the env file (see .env.example):\n${problems.map((p) => `  - ${p.message}`).join('\n')}`,
      { details: { problems } },
    );
  }
}
