/**
 * The tool registry: name or alias → definition. Built-ins come first; `extra` tools (a
 * host's own, or test doubles) are added after and replace a built-in of the same name.
 */
import { AgentcrateError } from '../errors.js';
import { BUILTIN_TOOLS } from './builtin/index.js';
import { resolveAllowedPaths } from './confine.js';
import { missingToolCredentials, toolUses } from './credentials.js';
import type { ToolConfigProblem, ToolDefinition, ToolRegistry } from './types.js';

export function createToolRegistry(extra: ToolDefinition[] = []): ToolRegistry {
  const byName = new Map<string, ToolDefinition>();
  for (const tool of [...BUILTIN_TOOLS, ...extra]) byName.set(tool.name, tool);
  const lookup = new Map<string, string>();
  for (const tool of byName.values()) lookup.set(tool.name, tool.name);
  for (const tool of byName.values()) {
    for (const alias of tool.aliases) {
      const taken = lookup.get(alias);
      if (taken !== undefined && taken !== tool.name && byName.has(alias)) {
        throw new AgentcrateError(
          'E_USAGE',
          `tool alias '${alias}' of '${tool.name}' clashes with the tool named '${alias}'; rename one of them`,
        );
      }
      lookup.set(alias, tool.name);
    }
  }
  const get = (name: string): ToolDefinition | undefined => {
    const canonical = lookup.get(name.trim());
    return canonical === undefined ? undefined : byName.get(canonical);
  };
  return {
    canonical: (name) => lookup.get(name.trim()),
    get,
    names: () => [...byName.keys()].sort(),
    missingCredentials: (workflow, env) => missingToolCredentials(toolUses(workflow), env, get),
    configProblems(workflow) {
      const problems: ToolConfigProblem[] = [];
      for (const use of toolUses(workflow)) {
        for (const message of get(use.canonical)?.configProblems?.(use.config) ?? []) {
          problems.push({ node: use.nodeId, tool: use.canonical, message });
        }
      }
      return problems;
    },
    allowedPaths: resolveAllowedPaths,
  };
}
