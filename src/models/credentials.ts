/**
 * Credential check before a run: every provider the workflow's nodes resolve to, and the
 * env variables it lacks, grouped per provider with the node ids that need it, so the user
 * gets one message naming every variable to set instead of a failure mid-run.
 */
import type { LlmSettings, Workflow } from '../config/types.js';
import { type Env, providerSpec } from './providers.js';
import type { CredentialProblem, ResolvedLlm } from './types.js';

export function missingCredentials(
  workflow: Workflow,
  resolve: (workflowLlm: Workflow['config']['llm'], nodeLlm: LlmSettings) => ResolvedLlm,
  env: Env,
): CredentialProblem[] {
  const byProvider = new Map<string, CredentialProblem>();
  for (const node of workflow.nodes) {
    // A code node runs in the sandbox and never calls a model.
    if (node.code !== undefined) continue;
    const { provider } = resolve(workflow.config.llm, node.llm);
    const need = providerSpec(provider).missingCredential(env);
    if (need === undefined) continue;
    const existing = byProvider.get(provider);
    if (existing !== undefined) {
      existing.nodes.push(node.id);
      continue;
    }
    byProvider.set(provider, {
      nodes: [node.id],
      provider,
      variables: need.variables,
      message: need.message,
    });
  }
  return [...byProvider.values()].map((problem) => ({
    ...problem,
    message: `${problem.message} (needed by node${problem.nodes.length > 1 ? 's' : ''} ${problem.nodes.join(', ')})`,
  }));
}
