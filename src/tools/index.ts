export { BUILTIN_TOOLS } from './builtin/index.js';
export { webSearchProvider } from './builtin/search.js';
export type { ConfinedPath } from './confine.js';
export { confinePath, isInside, resolveAllowedPaths } from './confine.js';
export { createToolRegistry } from './registry.js';
export { DEFAULT_RESULT_CHARS, toolResultText } from './result-text.js';
export type {
  ToolConfigProblem,
  ToolContext,
  ToolCredentialProblem,
  ToolDefinition,
  ToolRegistry,
} from './types.js';
