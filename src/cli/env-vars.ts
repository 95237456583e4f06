/**
 * The environment a deployed workflow needs, derived from the workflow itself: the model
 * providers its nodes resolve to, the tools it uses, and the server's own settings. Feeds
 * `.env.example` and the pre-deploy credential check.
 */
import type { Workflow } from '../config/types.js';
import type { EnvVarSpec } from '../deploy/index.js';
import { type Plan, preflightProblems } from '../engine/index.js';
import { AgentcrateError } from '../errors.js';
import { createModelClient, providerSpec } from '../models/index.js';
import { createToolRegistry } from '../tools/index.js';

const SERVER_VARS: EnvVarSpec[] = [
  {
    name: 'AGENTCRATE_API_KEYS',
    required: false,
    secret: true,
    description:
      'Comma-separated API keys; when set, requests need Authorization: Bearer <key> (/health stays open)',
  },
  {
    name: 'AGENTCRATE_TIMEOUT',
    required: false,
    secret: false,
    description: 'Seconds POST /run waits before answering 202 with a job id (default 30)',
  },
  {
    name: 'AGENTCRATE_MAX_CONCURRENT_RUNS',
    required: false,
    secret: false,
    description: 'Runs executing at once; more wait in a bounded queue',
  },
  {
    name: 'AGENTCRATE_WEBHOOK_SECRET',
    required: false,
    secret: true,
    description: 'HMAC-SHA256 key for signing webhook deliveries',
  },
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

export function workflowEnvVars(workflow: Workflow): EnvVarSpec[] {
  const out: EnvVarSpec[] = [];
  const seen = new Set<string>();
  const add = (spec: EnvVarSpec) => {
    if (seen.has(spec.name)) return;
    seen.add(spec.name);
    out.push(spec);
  };
  // Resolve with an empty environment so the workflow's own settings decide the providers.
  const models = createModelClient({ env: {} });
  const providers = new Map<string, string[]>();
  for (const node of workflow.nodes) {
    const { provider } = models.resolve(workflow.config.llm, node.llm);
    providers.set(provider, [...(providers.get(provider) ?? []), node.id]);
  }
  for (const [provider, nodes] of providers) {
    const need = providerSpec(provider).missingCredential({});
    for (const [i, name] of (need?.variables ?? []).entries()) {
      const alternatives = need!.variables.filter((v) => v !== name);
      add({
        name,
        required: false,
        secret: true,
        description: `${provider} credentials for node${nodes.length > 1 ? 's' : ''} ${nodes.join(', ')}${i > 0 || alternatives.length ? ` (one of ${need!.variables.join(', ')})` : ''}`,
      });
    }
  }
  for (const need of createToolRegistry().missingCredentials(workflow, {})) {
    for (const name of need.variables) {
      add({
        name,
        required: false,
        secret: true,
        description: `${need.tool} for node${need.nodes.length > 1 ? 's' : ''} ${need.nodes.join(', ')}${need.variables.length > 1 ? ` (one of ${need.variables.join(', ')})` : ''}`,
      });
    }
  }
  for (const v of SERVER_VARS) add(v);
  return out;
}

/**
 * Refuses a container environment (the env file's variables, nothing else) that lacks the
 * credentials the workflow needs; `AGENTCRATE_DRY_RUN` there means none are needed. Used by
 * `agentcrate deploy` and by the studio's Deploy.
 */
export function verifyContainerEnv(plan: Plan, env: Record<string, string>): void {
  const dryRun = ['1', 'true', 'yes'].includes((env.AGENTCRATE_DRY_RUN ?? '').toLowerCase());
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
