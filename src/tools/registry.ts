/**
 * The tool registry: name or alias → definition. Built-ins come first; `extra` tools (a
 * host's own, or test doubles) are added after and replace a built-in of the same name.
 */
import { AgentcrateError } from '../errors.js';
import { BUILTIN_TOOLS } from './builtin/index.js';
import type { ToolDefinition, ToolRegistry } from './types.js';

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
  return {
    canonical: (name) => lookup.get(name.trim()),
    get(name) {
      const canonical = lookup.get(name.trim());
      return canonical === undefined ? undefined : byName.get(canonical);
    },
    names: () => [...byName.keys()].sort(),
  };
}
