/**
 * The pre-run credential check for tools: a workflow that uses `serper_search` without
 * SERPER_API_KEY must stop before any model call, naming the variable to set.
 */
import type { Workflow } from '../config/types.js';
import type { ToolCredentialProblem, ToolDefinition } from './types.js';

export interface ToolUse {
  nodeId: string;
  canonical: string;
  /** The node's `tool_config` merged with the tool's own `config`. */
  config: Record<string, unknown>;
}

/** Every tool use of a workflow, with its merged settings. */
export function toolUses(workflow: Workflow): ToolUse[] {
  return workflow.nodes.flatMap((node) =>
    node.tools.map((tool) => ({
      nodeId: node.id,
      canonical: tool.canonical,
      config: { ...node.toolConfig, ...tool.config },
    })),
  );
}

function isSet(env: Record<string, string | undefined>, name: string): boolean {
  const value = env[name];
  return value !== undefined && value.trim() !== '';
}

export function missingToolCredentials(
  tools: ToolUse[],
  env: Record<string, string | undefined>,
  lookup: (canonical: string) => ToolDefinition | undefined,
): ToolCredentialProblem[] {
  const found = new Map<string, ToolCredentialProblem>();
  for (const use of tools) {
    const definition = lookup(use.canonical);
    if (!definition) continue;
    for (const anyOf of definition.requiredEnv(use.config)) {
      if (anyOf.length === 0 || anyOf.some((name) => isSet(env, name))) continue;
      const key = `${definition.name}\0${anyOf.join('\0')}`;
      const entry = found.get(key) ?? {
        nodes: [],
        tool: definition.name,
        variables: [...anyOf],
        message: '',
      };
      if (!entry.nodes.includes(use.nodeId)) entry.nodes.push(use.nodeId);
      found.set(key, entry);
    }
  }
  for (const entry of found.values()) {
    const nodes =
      entry.nodes.length === 1
        ? `node '${entry.nodes[0]}'`
        : `nodes ${entry.nodes.map((n) => `'${n}'`).join(', ')}`;
    entry.message =
      `tool '${entry.tool}' (used by ${nodes}) needs ${entry.variables.join(' or ')}; ` +
      `set ${entry.variables.length === 1 ? 'it' : 'one of them'} in the environment before running`;
  }
  return [...found.values()];
}
