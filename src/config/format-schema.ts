/**
 * The JSON Schema (draft 2020-12) of the workflow FILE format, for editors (YAML language
 * servers, VS Code `yaml.schemas`). It describes shape only; cross-references (edges naming
 * nodes, outputs naming state fields) are the validator's job. Unknown keys are allowed, as
 * the loader only warns about them. Hand-written: it is data, and reads best as data.
 */
import { KNOWN_PROVIDERS } from './known-providers.js';
import { KNOWN_TOOLS } from './known-tools.js';

const IDENTIFIER_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
const NODE_ID_PATTERN = '^(?!(?:START|END)$)[A-Za-z_][A-Za-z0-9_]*$';

const ref = (name: string): Record<string, unknown> => ({ $ref: `#/$defs/${name}` });
const text = (description: string): Record<string, unknown> => ({ type: 'string', description });
const inert = (description: string): Record<string, unknown> => ({
  description: `${description} Accepted but not implemented yet (the loader warns).`,
});

export function formatSchemaJson(): Record<string, unknown> {
  const toolNames = [...KNOWN_TOOLS.keys()];
  return {
    $schema: 'https://json-schema.org/draft/2020-12/schema',
    $id: 'https://agentcrate.dev/schema/workflow-1.0.json',
    title: 'agentcrate workflow (configurable-agents schema_version 1.0)',
    type: 'object',
    required: ['schema_version', 'flow', 'state', 'nodes', 'edges'],
    properties: {
      schema_version: { const: '1.0', description: 'Always the string "1.0".' },
      flow: {
        type: 'object',
        required: ['name'],
        properties: {
          name: {
            type: 'string',
            minLength: 1,
            description: 'Workflow name; also the image/container name.',
          },
          description: text('What the workflow does.'),
          version: { type: ['string', 'number'], description: 'Your version of this workflow.' },
        },
      },
      state: {
        type: 'object',
        required: ['fields'],
        properties: {
          fields: {
            type: 'object',
            minProperties: 1,
            propertyNames: { pattern: IDENTIFIER_PATTERN },
            additionalProperties: { anyOf: [ref('typeText'), ref('field')] },
            description: 'State field name → field.',
          },
        },
      },
      nodes: { type: 'array', minItems: 1, items: ref('node') },
      edges: { type: 'array', minItems: 1, items: ref('edge') },
      config: ref('config'),
      optimization: inert('Prompt optimisation settings.'),
      memory: inert('Long-term memory settings.'),
    },
    $defs: {
      typeText: {
        type: 'string',
        minLength: 1,
        description:
          'str | int | float | bool | list | dict | list[T] | dict[K, V] | object (with a schema, or any JSON object without one)',
      },
      objectSchema: {
        type: 'object',
        minProperties: 1,
        additionalProperties: { anyOf: [ref('typeText'), ref('field')] },
        description: 'Property name → type string, or → full field.',
      },
      field: {
        type: 'object',
        required: ['type'],
        properties: {
          type: ref('typeText'),
          required: { type: 'boolean', description: 'Must be given as an input (default false).' },
          default: { description: 'Initial value; must match the type. Not allowed with required: true.' },
          description: text('Shown in docs and to the model.'),
          schema: ref('objectSchema'),
        },
      },
      llm: {
        type: 'object',
        properties: {
          provider: { enum: [...KNOWN_PROVIDERS] },
          model: text('Model name; a LiteLLM prefix (openai/, ollama/, gemini/...) selects the provider.'),
          temperature: { type: 'number', minimum: 0 },
          max_tokens: { type: 'integer', minimum: 1 },
          api_base: text('Base URL of the provider API.'),
        },
      },
      tool: {
        anyOf: [
          { enum: toolNames },
          {
            type: 'object',
            required: ['name'],
            properties: {
              name: { enum: toolNames },
              on_error: { enum: ['fail', 'continue'] },
              config: { type: 'object' },
            },
          },
        ],
      },
      outputSchema: {
        type: 'object',
        required: ['type'],
        properties: {
          type: ref('typeText'),
          description: text('What the value means (shown to the model).'),
          schema: ref('objectSchema'),
          fields: {
            type: 'array',
            minItems: 1,
            description: 'With type: object — one entry per output, named like the outputs.',
            items: {
              type: 'object',
              required: ['name', 'type'],
              properties: {
                name: { type: 'string', minLength: 1 },
                type: ref('typeText'),
                description: { type: 'string' },
                schema: ref('objectSchema'),
                required: { type: 'boolean' },
              },
            },
          },
        },
      },
      node: {
        type: 'object',
        required: ['id', 'outputs'],
        description: 'An LLM node (prompt and output_schema) or a code node (code).',
        anyOf: [{ required: ['prompt', 'output_schema'] }, { required: ['code'] }],
        properties: {
          id: {
            type: 'string',
            pattern: NODE_ID_PATTERN,
            description: 'Identifier, unique, not START or END.',
          },
          name: text('A display name; edges, traces and the API use the id.'),
          description: { type: 'string' },
          prompt: text('Template: {state.field}, {input_name}, {{ and }} for literal braces.'),
          inputs: { type: 'object', additionalProperties: { type: 'string' } },
          outputs: { type: 'array', minItems: 1, items: { type: 'string' } },
          output_schema: ref('outputSchema'),
          tools: { type: 'array', items: ref('tool') },
          tool_config: { type: 'object' },
          llm: ref('llm'),
          log_prompts: { type: 'boolean' },
          memory: ref('memory'),
          sandbox: ref('sandbox'),
          code: text(
            "Python run in the sandbox instead of a model call: it reads the `inputs` dict and `memory`, and assigns `result`, which becomes the node's output.",
          ),
          optimize: inert('Prompt optimisation.'),
          log_artifacts: inert('MLflow artifacts.'),
          mlflow: inert('MLflow settings.'),
        },
      },
      memory: {
        type: 'object',
        description: 'Persistent memory across runs, namespaced {agent}:{workflow}:{node}:{key}.',
        properties: {
          enabled: { type: 'boolean' },
          default_scope: { enum: ['agent', 'workflow', 'node'] },
        },
      },
      sandbox: {
        type: 'object',
        description: 'Where and under which limits a code node runs.',
        properties: {
          mode: {
            enum: ['python', 'docker'],
            description: 'python: WebAssembly in-process (default); docker: a container.',
          },
          enabled: {
            type: 'boolean',
            description: 'Code always runs sandboxed; false is accepted with a warning.',
          },
          network: {
            type: ['boolean', 'object'],
            description: 'docker mode: true gives the container a network (default: none).',
          },
          preset: { enum: ['low', 'medium', 'high', 'max'] },
          timeout: { type: 'integer', minimum: 1, maximum: 3600 },
          resources: {
            type: 'object',
            properties: {
              cpu: { type: 'number', exclusiveMinimum: 0 },
              memory: { type: ['string', 'number'], description: 'e.g. "256m", "1g".' },
              timeout: { type: 'integer', minimum: 1, maximum: 3600 },
            },
          },
        },
      },
      target: { type: 'string', minLength: 1, description: 'A node id or END.' },
      edge: {
        type: 'object',
        required: ['from'],
        properties: {
          from: { type: 'string', minLength: 1, description: 'A node id or START.' },
          to: { anyOf: [ref('target'), { type: 'array', minItems: 1, items: ref('target') }] },
          condition: {
            anyOf: [
              { type: 'string' },
              { type: 'object', required: ['logic'], properties: { logic: { type: 'string' } } },
            ],
          },
          routes: {
            type: 'array',
            minItems: 1,
            items: {
              type: 'object',
              required: ['condition', 'to'],
              properties: {
                condition: {
                  anyOf: [
                    { type: 'string' },
                    { type: 'object', required: ['logic'], properties: { logic: { type: 'string' } } },
                  ],
                },
                to: ref('target'),
              },
            },
          },
          loop: {
            type: 'object',
            required: ['condition_field'],
            properties: {
              condition_field: { type: 'string', description: 'A bool state field; true ends the loop.' },
              max_iterations: { type: 'integer', minimum: 1, maximum: 100, default: 10 },
              exit_to: { type: 'string', default: 'END' },
            },
          },
          parallel: {
            type: 'object',
            required: ['items_field', 'target_node', 'collect_field'],
            properties: {
              items_field: { type: 'string' },
              target_node: { type: 'string' },
              collect_field: { type: 'string' },
            },
          },
        },
        oneOf: [
          { required: ['to'] },
          { required: ['routes'] },
          { required: ['loop'] },
          { required: ['parallel'] },
        ],
      },
      config: {
        type: 'object',
        properties: {
          llm: {
            allOf: [ref('llm')],
            properties: { providers: { type: 'object', additionalProperties: ref('llm') } },
          },
          execution: {
            type: 'object',
            properties: {
              timeout: { type: 'number', exclusiveMinimum: 0, default: 120 },
              timeout_seconds: { type: 'number', exclusiveMinimum: 0, default: 120 },
              max_retries: { type: 'integer', minimum: 0, default: 3 },
              max_steps: { type: 'integer', minimum: 1, default: 100 },
              max_parallel: { type: 'integer', minimum: 1, default: 8 },
              max_tool_steps: { type: 'integer', minimum: 1, default: 10 },
            },
          },
          observability: {
            type: 'object',
            properties: {
              log_prompts: { type: 'boolean' },
              logging: {
                type: 'object',
                properties: {
                  level: {
                    type: 'string',
                    description:
                      'Accepted; the log level comes from AGENTCRATE_LOG_LEVEL where agentcrate runs.',
                  },
                },
              },
              mlflow: {
                type: 'object',
                properties: {
                  enabled: { type: 'boolean' },
                  tracking_uri: {
                    type: 'string',
                    description:
                      "An MLflow server (http(s)://, MLflow 3.6+). Other URIs (sqlite:, file:) keep the traces in agentcrate's store.",
                  },
                  experiment_name: { type: 'string' },
                  log_prompts: {
                    type: 'boolean',
                    description: 'Same as observability.log_prompts (which wins).',
                  },
                  run_name: inert('Run name template (runs are named by job id).'),
                  log_artifacts: inert('Artifact upload (none; outputs are in each trace).'),
                  artifact_level: inert('Artifact detail level.'),
                  async_logging: inert('Asynchronous export (always on).'),
                  retention_days: inert('Retention (use serve --job-ttl).'),
                  redact_pii: inert('PII redaction.'),
                },
              },
              prices: {
                type: 'object',
                description: 'Price overrides in USD per million tokens, keyed by model.',
                additionalProperties: {
                  type: 'object',
                  required: ['input', 'output'],
                  properties: {
                    input: { type: 'number', minimum: 0 },
                    output: { type: 'number', minimum: 0 },
                  },
                },
              },
            },
          },
          storage: inert('Storage settings (the server has its own).'),
          memory: ref('memory'),
          mlflow: inert('MLflow settings (use observability.mlflow).'),
          ab_test: inert('A/B testing.'),
          gates: inert('Quality gates.'),
        },
      },
    },
  };
}
