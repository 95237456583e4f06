/**
 * The keys each level of a workflow file may hold. Anything else draws an `unknown-key`
 * warning with the closest known key; `inert` keys are accepted (configurable-agents files
 * use them) but do nothing yet, which is said out loud with an `inert-feature` warning so a
 * feature is never silently dropped.
 */
export interface KeyLevel {
  /** Human name of the level for messages ("node", "edge", ...). */
  what: string;
  known: readonly string[];
  inert: readonly string[];
}

const level = (what: string, known: readonly string[], inert: readonly string[] = []): KeyLevel => ({
  what,
  known,
  inert,
});

export const KEYS = {
  top: level(
    'the top level',
    ['schema_version', 'flow', 'state', 'nodes', 'edges', 'config'],
    ['optimization', 'memory'],
  ),
  flow: level('flow', ['name', 'description', 'version']),
  state: level('state', ['fields']),
  stateField: level('state field', ['type', 'required', 'default', 'description', 'schema']),
  schemaField: level('schema field', ['type', 'required', 'default', 'description', 'schema']),
  node: level(
    'node',
    [
      'id',
      'name',
      'description',
      'prompt',
      'inputs',
      'outputs',
      'output_schema',
      'tools',
      'tool_config',
      'llm',
      'log_prompts',
      'code',
      'sandbox',
      'memory',
    ],
    ['optimize', 'log_artifacts', 'mlflow'],
  ),
  outputSchema: level('output_schema', ['type', 'fields', 'description', 'schema']),
  outputField: level('output_schema field', ['name', 'type', 'description', 'schema', 'required']),
  tool: level('tool', ['name', 'on_error', 'config']),
  llm: level('llm', ['provider', 'model', 'temperature', 'max_tokens', 'api_base']),
  configLlm: level('config.llm', ['provider', 'model', 'temperature', 'max_tokens', 'api_base', 'providers']),
  edge: level('edge', ['from', 'to', 'condition', 'routes', 'loop', 'parallel']),
  route: level('route', ['condition', 'to']),
  routeCondition: level('route condition', ['logic']),
  loop: level('loop', ['condition_field', 'max_iterations', 'exit_to']),
  parallel: level('parallel', ['items_field', 'target_node', 'collect_field']),
  config: level(
    'config',
    ['llm', 'execution', 'observability', 'memory'],
    ['storage', 'mlflow', 'ab_test', 'gates'],
  ),
  execution: level('config.execution', [
    'timeout',
    'timeout_seconds',
    'max_retries',
    'max_steps',
    'max_parallel',
    'max_tool_steps',
  ]),
  observability: level('config.observability', ['log_prompts', 'mlflow', 'prices', 'logging']),
  logging: level('config.observability.logging', ['level']),
  sandbox: level('sandbox', ['mode', 'enabled', 'network', 'preset', 'timeout', 'resources']),
  resources: level('sandbox.resources', ['cpu', 'memory', 'timeout']),
  memory: level('memory', ['enabled', 'default_scope']),
  // Every key of configurable-agents' MLflow block; the ones agentcrate does not act on are
  // warned about (normalise/config.ts) only when their value asks for something it does not do.
  mlflow: level('config.observability.mlflow', [
    'enabled',
    'tracking_uri',
    'experiment_name',
    'log_prompts',
    'run_name',
    'log_artifacts',
    'artifact_level',
    'async_logging',
    'retention_days',
    'redact_pii',
  ]),
} as const satisfies Record<string, KeyLevel>;

export type KeyLevelName = keyof typeof KEYS;
