/**
 * The API description, generated once per workflow from its state schema: inputs are the
 * fields a caller may pass (required ones required), outputs are every state field. Built
 * at start-up and served as prebuilt JSON, never per request.
 */

import { placeholderValue, typeToJsonSchema } from '../config/index.js';
import type { StateField, Workflow } from '../config/types.js';
import { VERSION } from '../version.js';

function fieldSchema(field: StateField): Record<string, unknown> {
  const schema = typeToJsonSchema(field.type, field.description);
  if (field.hasDefault) schema.default = field.default;
  return schema;
}

export function inputsSchema(workflow: Workflow): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const field of workflow.state) properties[field.name] = fieldSchema(field);
  return {
    type: 'object',
    title: `${workflow.flow.name} inputs`,
    properties,
    required: workflow.state.filter((f) => f.required).map((f) => f.name),
    additionalProperties: false,
  };
}

export function outputsSchema(workflow: Workflow): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const field of workflow.state) {
    const base = typeToJsonSchema(field.type, field.description);
    // Outputs a run never wrote come back as null.
    properties[field.name] = field.required ? base : { anyOf: [base, { type: 'null' }] };
  }
  return { type: 'object', title: `${workflow.flow.name} outputs`, properties };
}

/** An input a user could send as is: every required field, with a placeholder of its type. */
export function exampleInput(workflow: Workflow): Record<string, unknown> {
  const example: Record<string, unknown> = {};
  const required = workflow.state.filter((f) => f.required);
  for (const field of required.length > 0 ? required : workflow.state.slice(0, 1)) {
    example[field.name] =
      field.hasDefault && field.default !== null ? field.default : placeholderValue(field.type, field.name);
  }
  return example;
}

export interface SchemaField {
  type: string;
  description: string | null;
  required: boolean;
  default: unknown;
  json_schema: Record<string, unknown>;
}

/** `GET /schema`: the state fields as people read them (type text as written in the YAML). */
export function schemaDocument(workflow: Workflow): Record<string, unknown> {
  const describe = (field: StateField): SchemaField => ({
    type: field.typeText,
    description: field.description ?? null,
    required: field.required,
    default: field.hasDefault ? field.default : null,
    json_schema: typeToJsonSchema(field.type),
  });
  const inputs: Record<string, SchemaField> = {};
  const outputs: Record<string, SchemaField> = {};
  for (const field of workflow.state) {
    inputs[field.name] = describe(field);
    outputs[field.name] = describe(field);
  }
  return {
    workflow: workflow.flow.name,
    description: workflow.flow.description ?? null,
    inputs,
    outputs,
    example_input: exampleInput(workflow),
  };
}

const ERROR_SCHEMA = {
  type: 'object',
  required: ['error'],
  properties: {
    error: {
      type: 'object',
      required: ['code', 'message', 'details'],
      properties: {
        code: { type: 'string', examples: ['E_INVALID_INPUT'] },
        message: { type: 'string' },
        details: { type: 'object' },
      },
    },
  },
};

const JOB_STATUS_SCHEMA = {
  type: 'object',
  required: ['job_id', 'status', 'created_at'],
  properties: {
    job_id: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'running', 'completed', 'failed', 'cancelled'] },
    workflow: { type: 'string' },
    created_at: { type: 'string', format: 'date-time' },
    started_at: { type: ['string', 'null'], format: 'date-time' },
    completed_at: { type: ['string', 'null'], format: 'date-time' },
    execution_time_ms: { type: ['integer', 'null'] },
    outputs: { anyOf: [{ $ref: '#/components/schemas/Outputs' }, { type: 'null' }] },
    error: { anyOf: [{ $ref: '#/components/schemas/Error/properties/error' }, { type: 'null' }] },
    progress: {
      type: 'object',
      properties: { nodes_done: { type: 'integer' }, nodes: { type: 'array', items: { type: 'string' } } },
    },
    usage: {
      type: 'object',
      properties: { input_tokens: { type: 'integer' }, output_tokens: { type: 'integer' } },
    },
    attempts: { type: 'integer' },
  },
};

function errorResponse(description: string): Record<string, unknown> {
  return {
    description,
    content: { 'application/json': { schema: { $ref: '#/components/schemas/Error' } } },
  };
}

const MEMORY_ENTRY_SCHEMA = {
  type: 'object',
  properties: {
    namespace: { type: 'string' },
    agent: { type: 'string' },
    workflow: { type: 'string', description: 'A workflow name, or * (agent scope)' },
    node: { type: 'string', description: 'A node id, or * (agent and workflow scope)' },
    key: { type: 'string' },
    value: {},
    updated_at: { type: 'string', format: 'date-time' },
    job_id: { type: ['string', 'null'] },
  },
};
const DELETED_SCHEMA = { type: 'object', properties: { deleted: { type: 'integer' } } };
const NAMESPACE_PARAM = { name: 'namespace', in: 'path', required: true, schema: { type: 'string' } };

export function openApiDocument(workflow: Workflow): Record<string, unknown> {
  const jobIdParam = { name: 'job_id', in: 'path', required: true, schema: { type: 'string' } };
  const jobResponse = {
    description: 'The job',
    content: { 'application/json': { schema: { $ref: '#/components/schemas/JobStatus' } } },
  };
  return {
    openapi: '3.1.0',
    info: {
      title: workflow.flow.name,
      version: workflow.flow.version ?? VERSION,
      description: `${workflow.flow.description ?? 'A workflow'} — served by agentcrate ${VERSION}.`,
    },
    components: {
      securitySchemes: { bearer: { type: 'http', scheme: 'bearer' } },
      schemas: {
        Inputs: inputsSchema(workflow),
        Outputs: outputsSchema(workflow),
        Error: ERROR_SCHEMA,
        JobStatus: JOB_STATUS_SCHEMA,
        RunSuccess: {
          type: 'object',
          required: ['status', 'job_id', 'execution_time_ms', 'outputs'],
          properties: {
            status: { const: 'success' },
            job_id: { type: 'string' },
            execution_time_ms: { type: 'integer' },
            outputs: { $ref: '#/components/schemas/Outputs' },
          },
        },
        RunFailed: {
          type: 'object',
          required: ['status', 'job_id', 'error'],
          properties: {
            status: { enum: ['failed', 'cancelled'] },
            job_id: { type: 'string' },
            execution_time_ms: { type: ['integer', 'null'] },
            error: { $ref: '#/components/schemas/Error/properties/error' },
          },
        },
        RunAsync: {
          type: 'object',
          required: ['status', 'job_id', 'message', 'status_url'],
          properties: {
            status: { const: 'async' },
            job_id: { type: 'string' },
            message: { type: 'string' },
            status_url: { type: 'string' },
          },
        },
      },
    },
    security: [{ bearer: [] }, {}],
    paths: {
      '/run': {
        post: {
          summary: 'Run the workflow',
          description:
            'Validates the inputs, runs the workflow and waits up to the sync timeout. A run that takes longer continues in the background (202); poll status_url.',
          operationId: 'run',
          parameters: [
            {
              name: 'timeout',
              in: 'query',
              schema: { type: 'number', minimum: 0 },
              description: 'Seconds to wait before answering 202.',
            },
            {
              name: 'webhook',
              in: 'query',
              schema: { type: 'string', format: 'uri' },
              description: 'POSTed the finished job.',
            },
            { name: 'Prefer', in: 'header', schema: { type: 'string', examples: ['respond-async'] } },
            { name: 'Idempotency-Key', in: 'header', schema: { type: 'string', maxLength: 255 } },
            { name: 'X-Webhook-Url', in: 'header', schema: { type: 'string', format: 'uri' } },
          ],
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: { $ref: '#/components/schemas/Inputs' },
                example: exampleInput(workflow),
              },
            },
          },
          responses: {
            '200': {
              description: 'Finished within the timeout',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/RunSuccess' } } },
            },
            '202': {
              description: 'Still running; poll status_url (also in Location)',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/RunAsync' } } },
            },
            '400': errorResponse('Malformed JSON or bad parameters'),
            '401': errorResponse('Missing or wrong API key'),
            '403': errorResponse('A Host this server does not serve without a key, or a foreign Origin'),
            '413': errorResponse('Body over the limit'),
            '415': errorResponse('The body is not Content-Type: application/json'),
            '422': errorResponse('Inputs do not match the state schema (every issue listed)'),
            '429': errorResponse('Queue full; retry after Retry-After seconds'),
            '500': {
              description: 'The run failed',
              content: { 'application/json': { schema: { $ref: '#/components/schemas/RunFailed' } } },
            },
            '503': errorResponse('Shutting down'),
          },
        },
      },
      '/status/{job_id}': {
        get: {
          summary: 'Job status',
          operationId: 'status',
          parameters: [jobIdParam],
          responses: { '200': jobResponse, '404': errorResponse('Unknown job') },
        },
      },
      '/jobs/{job_id}': {
        get: {
          summary: 'Job status (alias)',
          operationId: 'getJob',
          parameters: [jobIdParam],
          responses: { '200': jobResponse, '404': errorResponse('Unknown job') },
        },
      },
      '/memory': {
        get: {
          summary:
            'List memory entries (namespace order); every filter matches exactly, prefix the start of the key',
          operationId: 'listMemory',
          parameters: [
            ...['agent', 'workflow', 'node', 'prefix', 'cursor'].map((name) => ({
              name,
              in: 'query',
              schema: { type: 'string' },
            })),
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 1000, default: 100 },
            },
          ],
          responses: {
            '200': {
              description: 'A page of entries',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      entries: { type: 'array', items: MEMORY_ENTRY_SCHEMA },
                      next_cursor: { type: ['string', 'null'] },
                    },
                  },
                },
              },
            },
            '400': errorResponse('Bad limit or cursor'),
          },
        },
        delete: {
          summary: 'Delete every entry the filters match (at least one filter)',
          operationId: 'deleteMemory',
          parameters: ['agent', 'workflow', 'node', 'prefix'].map((name) => ({
            name,
            in: 'query',
            schema: { type: 'string' },
          })),
          responses: {
            '200': {
              description: 'How many were deleted',
              content: { 'application/json': { schema: DELETED_SCHEMA } },
            },
            '400': errorResponse('No filter'),
          },
        },
      },
      '/memory/{namespace}': {
        get: {
          summary: 'One memory entry ({agent}:{workflow}:{node}:{key}, percent-encoded)',
          operationId: 'getMemory',
          parameters: [NAMESPACE_PARAM],
          responses: {
            '200': {
              description: 'The entry',
              content: { 'application/json': { schema: MEMORY_ENTRY_SCHEMA } },
            },
            '404': errorResponse('No such entry'),
          },
        },
        delete: {
          summary: 'Delete one memory entry',
          operationId: 'deleteMemoryEntry',
          parameters: [NAMESPACE_PARAM],
          responses: {
            '200': { description: 'Deleted', content: { 'application/json': { schema: DELETED_SCHEMA } } },
            '404': errorResponse('No such entry'),
          },
        },
      },
      '/jobs': {
        get: {
          summary: 'List jobs, newest first',
          operationId: 'listJobs',
          parameters: [
            { name: 'status', in: 'query', schema: JOB_STATUS_SCHEMA.properties.status },
            {
              name: 'limit',
              in: 'query',
              schema: { type: 'integer', minimum: 1, maximum: 1000, default: 20 },
            },
            { name: 'cursor', in: 'query', schema: { type: 'string' } },
          ],
          responses: {
            '200': {
              description: 'A page of jobs',
              content: {
                'application/json': {
                  schema: {
                    type: 'object',
                    properties: {
                      jobs: { type: 'array', items: { $ref: '#/components/schemas/JobStatus' } },
                      next_cursor: { type: ['string', 'null'] },
                    },
                  },
                },
              },
            },
            '400': errorResponse('Bad status, limit or cursor'),
          },
        },
      },
      '/jobs/{job_id}/cancel': {
        post: {
          summary: 'Cancel a pending or running job',
          operationId: 'cancelJob',
          parameters: [jobIdParam],
          responses: {
            '200': jobResponse,
            '404': errorResponse('Unknown job'),
            '409': errorResponse('Already finished'),
          },
        },
      },
      '/jobs/{job_id}/events': {
        get: {
          summary: 'Server-sent events: replay, then live until the job ends',
          operationId: 'jobEvents',
          parameters: [jobIdParam, { name: 'Last-Event-ID', in: 'header', schema: { type: 'string' } }],
          responses: {
            '200': { description: 'text/event-stream', content: { 'text/event-stream': {} } },
            '404': errorResponse('Unknown job'),
          },
        },
      },
      '/health': {
        get: {
          summary: 'Liveness',
          operationId: 'health',
          security: [],
          responses: { '200': { description: 'Alive' } },
        },
      },
      '/ready': {
        get: {
          summary: 'Readiness: store writable, credentials present, accepting runs',
          operationId: 'ready',
          security: [],
          responses: {
            '200': { description: 'Ready' },
            '503': errorResponse('Not ready; details.reasons says why'),
          },
        },
      },
      '/schema': {
        get: {
          summary: 'Inputs and outputs with types, defaults and an example',
          operationId: 'schema',
          responses: { '200': { description: 'Schema' } },
        },
      },
      '/metrics': {
        get: {
          summary: 'Prometheus metrics',
          operationId: 'metrics',
          responses: { '200': { description: 'text/plain' } },
        },
      },
      '/openapi.json': {
        get: {
          summary: 'This document',
          operationId: 'openapi',
          responses: { '200': { description: 'OpenAPI 3.1' } },
        },
      },
      '/docs': {
        get: {
          summary: 'Interactive API docs',
          operationId: 'docs',
          responses: { '200': { description: 'HTML' } },
        },
      },
    },
  };
}
