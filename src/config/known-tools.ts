/**
 * The tool names a workflow may use (configurable-agents' names and documented aliases),
 * mapped to the canonical name the tool registry implements. The validator and the tools
 * room share this one list so a name the loader accepts is always one the registry knows.
 */
const CANONICAL = [
  'serper_search',
  'web_search',
  'web_scrape',
  'http_client',
  'file_read',
  'file_write',
  'file_glob',
  'file_move',
  'sql_query',
  'dataframe_to_csv',
  'json_parse',
  'yaml_parse',
  'env_vars',
  'shell',
  'process',
] as const;

export type CanonicalToolName = (typeof CANONICAL)[number];

const ALIASES: ReadonlyArray<readonly [string, CanonicalToolName]> = [
  ['http_get', 'http_client'],
  ['http_post', 'http_client'],
  ['read_file', 'file_read'],
  ['write_file', 'file_write'],
  ['list_directory', 'file_glob'],
  // The Python project documented these two as JSON helpers; parsing is what they did.
  ['json_read', 'json_parse'],
  ['json_write', 'json_parse'],
];

/** Name or alias → canonical tool name. */
export const KNOWN_TOOLS: ReadonlyMap<string, string> = new Map<string, string>([
  ...CANONICAL.map((name) => [name, name] as const),
  ...ALIASES,
]);

export const CANONICAL_TOOLS: readonly string[] = CANONICAL;
