/**
 * Checks made before the first model call, so a run never spends tokens and then stops
 * on something knowable up front: features this build cannot run, tool settings that cannot
 * work, and every missing credential (model providers and tools), reported together. What
 * models and tools need is asked of their seams; the engine imports neither room's code.
 */
import { AgentcrateError } from '../errors.js';
import type { EngineDeps, Plan } from './types.js';

export interface PreflightProblem {
  kind: 'unsupported' | 'config' | 'credentials';
  message: string;
  nodes: string[];
  variables?: string[];
}

/** Problems that would stop a run; empty when it can start. The server's /ready uses it. */
export function preflightProblems(
  plan: Plan,
  deps: Pick<EngineDeps, 'models' | 'tools' | 'env'>,
): PreflightProblem[] {
  const problems: PreflightProblem[] = [];
  for (const node of plan.workflow.nodes) {
    if (node.unsupported.length > 0) {
      problems.push({
        kind: 'unsupported',
        nodes: [node.id],
        message: `node '${node.id}' uses ${node.unsupported.map((f) => `'${f}'`).join(' and ')}, which agentcrate cannot run; remove it`,
      });
    }
  }
  for (const c of deps.models.missingCredentials(plan.workflow)) {
    problems.push({ kind: 'credentials', nodes: c.nodes, variables: c.variables, message: c.message });
  }
  const toolCount = plan.workflow.nodes.reduce((n, node) => n + node.tools.length, 0);
  if (toolCount === 0) return problems;
  for (const c of deps.tools.configProblems(plan.workflow)) {
    problems.push({
      kind: 'config',
      nodes: [c.node],
      message: `node '${c.node}', tool '${c.tool}': ${c.message}`,
    });
  }
  if (!deps.models.dryRun) {
    for (const c of deps.tools.missingCredentials(plan.workflow, deps.env)) {
      problems.push({ kind: 'credentials', nodes: c.nodes, variables: c.variables, message: c.message });
    }
  }
  return problems;
}

export function preflight(
  plan: Plan,
  deps: Pick<EngineDeps, 'models' | 'tools' | 'env'> & Partial<Pick<EngineDeps, 'sandbox' | 'memory'>>,
): void {
  const problems = [...preflightProblems(plan, deps), ...missingHostParts(plan, deps)];
  if (problems.length === 0) return;
  const unsupported = problems.filter((p) => p.kind === 'unsupported');
  const code =
    unsupported.length > 0
      ? 'E_UNSUPPORTED_FEATURE'
      : problems.some((p) => p.kind === 'config')
        ? 'E_INVALID_WORKFLOW'
        : 'E_MISSING_CREDENTIALS';
  const head =
    code === 'E_UNSUPPORTED_FEATURE'
      ? 'this workflow cannot run here:'
      : code === 'E_INVALID_WORKFLOW'
        ? 'the tool settings of this workflow cannot work:'
        : 'missing credentials (set these environment variables, or use --dry-run to try the workflow without keys):';
  throw new AgentcrateError(code, `${head}\n${problems.map((p) => `  - ${p.message}`).join('\n')}`, {
    details: { problems, ...(unsupported.length === 1 ? { node: unsupported[0]!.nodes[0] } : {}) },
  });
}

/**
 * The run's own host must give a sandbox to a workflow with code nodes and a memory store to
 * one with memory (run and serve always do); an embedder that leaves one out learns it here.
 */
function missingHostParts(
  plan: Plan,
  deps: Partial<Pick<EngineDeps, 'sandbox' | 'memory'>>,
): PreflightProblem[] {
  const problems: PreflightProblem[] = [];
  const codeNodes = plan.workflow.nodes.filter((n) => n.code !== undefined).map((n) => n.id);
  if (codeNodes.length > 0 && deps.sandbox === undefined) {
    problems.push({
      kind: 'unsupported',
      nodes: codeNodes,
      message: `node${codeNodes.length > 1 ? 's' : ''} ${codeNodes.join(', ')} run${codeNodes.length > 1 ? '' : 's'} code, but the engine was given no code sandbox`,
    });
  }
  const memoryNodes = plan.workflow.nodes.filter((n) => n.memory?.enabled).map((n) => n.id);
  if (memoryNodes.length > 0 && deps.memory === undefined) {
    problems.push({
      kind: 'unsupported',
      nodes: memoryNodes,
      message: `node${memoryNodes.length > 1 ? 's' : ''} ${memoryNodes.join(', ')} ha${memoryNodes.length > 1 ? 've' : 's'} memory, but the engine was given no memory store`,
    });
  }
  return problems;
}
