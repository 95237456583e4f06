/**
 * The built-in tool modules the runner can load, by id. Unbundled (tests, `tsc` output) there
 * is one id for all of them. The runner kit's bundler replaces this file with one entry per
 * module of `tools/builtin/` (`kit/plugin.ts`), each a dynamic import and so its own chunk,
 * and empties the registry's static list: an image carries only the modules its workflow
 * names.
 */
export type ToolModuleLoader = () => Promise<Record<string, unknown>>;

export const TOOL_MODULES: Readonly<Record<string, ToolModuleLoader>> = {
  builtin: () => import('../../../tools/builtin/index.js'),
};
