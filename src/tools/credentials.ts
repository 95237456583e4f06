/**
 * The pre-run credential check for tools: a workflow that uses `serper_search` without
 * SERPER_API_KEY must stop before any model call, naming the variable to set.
 */
import { createToolRegistry } from './registry.js';
import type { ToolRegistry } from './types.js';

export interface MissingToolCredential {
  /** Node ids that use the tool with this unmet requirement. */
  nodes: string[];
  /** Canonical tool name. */
  tool: string;
  /** Any one of these variables would satisfy the requirement. */
  variables: string[];
  message: string;
}

function isSet(env: Record<string, string | undefined>, name: string): boolean {
  const value = env[name];
  return value !== undefined && value.trim() !== '';
}

export function missingToolCredentials(
  tools: Array<{ nodeId: string; canonical: string; config: Record<string, unknown> }>,
  env: Record<string, string | undefined>,
  registry: ToolRegistry = createToolRegistry(),
): MissingToolCredential[] {
  const found = new Map<string, MissingToolCredential>();
  for (const use of tools) {
    const definition = registry.get(use.canonical);
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
