/**
 * The server's API styles, apart from the routes: the settings table (and through it every
 * CLI command's option table) names them without loading the compat routes and their imports.
 */
export const API_STYLES = ['agentcrate', 'configurable-agents'] as const;
export type ApiStyle = (typeof API_STYLES)[number];
