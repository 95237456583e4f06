/**
 * The OpenAPI document of `--api configurable-agents`, as FastAPI would generate it for
 * upstream's server: its routes with their operation ids, the response models (`RunResponse`,
 * `JobStatusResponse`, `HealthResponse`, `SchemaResponse`), the input model built from the
 * state fields (`WorkflowInput`, upstream's top-level types) and FastAPI's
 * `HTTPValidationError`. The agentcrate routes that stay served in this mode follow, taken from
 * the default document with their errors in this mode's `{"detail": …}` shape. Built once at
 * start-up, like the default document.
 */
import { typeToJsonSchema } from '../../config/index.js';
import type { StateField, TypeNode, Workflow } from '../../config/types.js';
import { VERSION } from '../../version.js';
import { exampleInput, openApiDocument } from '../openapi.js';

const JSON_MEDIA = 'application/json';
const UPSTREAM_TAG = 'configurable-agents';
const AGENTCRATE_TAG = 'agentcrate';

const ref = (name: string) => ({ $ref: `#/components/schemas/${name}` });
const nullable = (schema: Record<string, unknown>) => ({ anyOf: [schema, { type: 'null' }] });
const jsonBody = (description: string, schema: Record<string, unknown>) => ({
  description,
  content: { [JSON_MEDIA]: { schema } },
});
const detail = (description: string) => jsonBody(description, ref('HTTPError'));

/** pydantic's title for a field: `max_items` → `Max Items`. */
function title(name: string): string {
  return name
    .split('_')
    .filter((w) => w !== '')
    .map((w) => w[0]!.toUpperCase() + w.slice(1))
    .join(' ');
}

/**
 * The type upstream's input model gives a state field (inputs.ts checks the same): scalars as
 * the state type says, containers by their top level only (`list`, `dict`), the rest `Any`.
 */
function upstreamType(type: TypeNode): Record<string, unknown> {
  if (type.kind === 'list') return { type: 'array', items: {} };
  if (type.kind === 'dict') return { type: 'object', additionalProperties: true };
  if (type.kind === 'object' || type.kind === 'any') return {};
  return typeToJsonSchema(type);
}

function inputField(field: StateField): Record<string, unknown> {
  const schema: Record<string, unknown> = { ...upstreamType(field.type), title: title(field.name) };
  if (field.description !== undefined) schema.description = field.description;
  if (!field.required) schema.default = field.hasDefault ? field.default : null;
  return schema;
}

/** Upstream's input model: every state field, required ones required, extra fields ignored. */
function workflowInput(workflow: Workflow): Record<string, unknown> {
  const properties: Record<string, unknown> = {};
  for (const field of workflow.state) properties[field.name] = inputField(field);
  return {
    type: 'object',
    title: 'WorkflowInput',
    properties,
    required: workflow.state.filter((f) => f.required).map((f) => f.name),
  };
}

/** A response model: FastAPI writes every field (an absent value is null), so all are required. */
function model(name: string, properties: Record<string, unknown>): Record<string, unknown> {
  return { type: 'object', title: name, properties, required: Object.keys(properties) };
}

const OUTPUTS = { type: 'object', additionalProperties: true };

const SCHEMAS: Record<string, unknown> = {
  RunResponse: model('RunResponse', {
    status: { type: 'string', enum: ['success', 'async'] },
    execution_time_ms: nullable({ type: 'integer' }),
    outputs: nullable(OUTPUTS),
    job_id: nullable({ type: 'string' }),
    message: nullable({ type: 'string' }),
  }),
  JobStatusResponse: model('JobStatusResponse', {
    job_id: { type: 'string' },
    status: { type: 'string', enum: ['pending', 'running', 'completed', 'failed'] },
    created_at: { type: 'string', description: "Python's isoformat(): UTC, no zone" },
    completed_at: nullable({ type: 'string' }),
    execution_time_ms: nullable({ type: 'integer' }),
    outputs: nullable(OUTPUTS),
    error: nullable({ type: 'string' }),
  }),
  HealthResponse: model('HealthResponse', {
    status: { type: 'string', const: 'healthy' },
    timestamp: { type: 'string' },
  }),
  SchemaResponse: model('SchemaResponse', {
    workflow: { type: 'string' },
    inputs: {
      type: 'object',
      additionalProperties: model('SchemaField', {
        type: { type: 'string' },
        required: { type: 'boolean' },
        default: {},
        description: { type: 'string' },
      }),
    },
    outputs: { type: 'array', items: { type: 'string' } },
  }),
  RootResponse: model('RootResponse', {
    workflow: { type: 'string' },
    status: { type: 'string', const: 'running' },
    endpoints: { type: 'object', additionalProperties: { type: 'string' } },
  }),
  HTTPValidationError: {
    type: 'object',
    title: 'HTTPValidationError',
    properties: { detail: { type: 'array', title: 'Detail', items: ref('ValidationError') } },
  },
  ValidationError: {
    type: 'object',
    title: 'ValidationError',
    properties: {
      loc: { type: 'array', title: 'Location', items: { anyOf: [{ type: 'string' }, { type: 'integer' }] } },
      msg: { type: 'string', title: 'Message' },
      type: { type: 'string', title: 'Error Type' },
      input: { title: 'Input' },
      ctx: { type: 'object', title: 'Context' },
    },
    required: ['loc', 'msg', 'type'],
  },
  HTTPError: {
    type: 'object',
    title: 'HTTPError',
    properties: { detail: { type: 'string' } },
    required: ['detail'],
  },
};

function upstreamPaths(workflow: Workflow): Record<string, unknown> {
  const tags = [UPSTREAM_TAG];
  const open = { tags, security: [] };
  return {
    '/': {
      get: {
        tags,
        summary: 'Root',
        description: 'API information',
        operationId: 'root__get',
        responses: { '200': jsonBody('Successful Response', ref('RootResponse')) },
      },
    },
    '/run': {
      post: {
        tags,
        summary: 'Run Workflow Endpoint',
        description:
          'Runs the workflow. Finished within the sync timeout: status "success" with its outputs. Longer: status "async" with a job_id to poll at /status/{job_id}; the same run goes on.',
        operationId: 'run_workflow_endpoint_run_post',
        requestBody: {
          required: true,
          content: { [JSON_MEDIA]: { schema: ref('WorkflowInput'), example: exampleInput(workflow) } },
        },
        responses: {
          '200': jsonBody('Successful Response', ref('RunResponse')),
          '422': jsonBody('Validation Error', ref('HTTPValidationError')),
          '500': detail('The run failed: "Workflow execution failed: <why>"'),
        },
      },
    },
    '/status/{job_id}': {
      get: {
        tags,
        summary: 'Get Job Status',
        description: 'Get async job status',
        operationId: 'get_job_status_status__job_id__get',
        parameters: [
          { name: 'job_id', in: 'path', required: true, schema: { type: 'string', title: 'Job Id' } },
        ],
        responses: {
          '200': jsonBody('Successful Response', ref('JobStatusResponse')),
          '404': detail('Job not found'),
          '422': jsonBody('Validation Error', ref('HTTPValidationError')),
        },
      },
    },
    '/health': {
      get: {
        ...open,
        summary: 'Health',
        description: 'Health check for orchestration (k8s, ECS)',
        operationId: 'health_health_get',
        responses: { '200': jsonBody('Successful Response', ref('HealthResponse')) },
      },
    },
    '/health/live': {
      get: {
        ...open,
        summary: 'Liveness',
        operationId: 'health_live_health_live_get',
        responses: { '200': jsonBody('Alive', model('Alive', { status: { const: 'alive' } })) },
      },
    },
    '/health/ready': {
      get: {
        ...open,
        summary: 'Readiness',
        description: 'Whether runs can be taken now: store writable, credentials present, not shutting down',
        operationId: 'health_ready_health_ready_get',
        responses: {
          '200': jsonBody('Ready', model('Ready', { status: { const: 'ready' } })),
          '503': detail('Not ready: "not ready: <reasons>"'),
        },
      },
    },
    '/schema': {
      get: {
        tags,
        summary: 'Schema',
        description: 'Return workflow input/output schema',
        operationId: 'schema_schema_get',
        responses: { '200': jsonBody('Successful Response', ref('SchemaResponse')) },
      },
    },
  };
}

/** `$ref`s of the default document renamed for this one (its error envelope is not used here). */
const RENAMED_REFS: Record<string, string> = {
  '#/components/schemas/Error': '#/components/schemas/HTTPError',
  '#/components/schemas/Error/properties/error': '#/components/schemas/JobError',
};

function renameRefs(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(renameRefs);
  if (value === null || typeof value !== 'object') return value;
  const out: Record<string, unknown> = {};
  for (const [key, v] of Object.entries(value)) {
    out[key] = key === '$ref' && typeof v === 'string' ? (RENAMED_REFS[v] ?? v) : renameRefs(v);
  }
  return out;
}

export function compatOpenApiDocument(workflow: Workflow): Record<string, unknown> {
  const native = openApiDocument(workflow) as {
    components: {
      securitySchemes: unknown;
      schemas: Record<string, { properties?: Record<string, unknown> }>;
    };
    security: unknown;
    paths: Record<string, Record<string, Record<string, unknown>>>;
  };
  const upstream = upstreamPaths(workflow);
  // The agentcrate routes this mode still serves: every default path upstream's do not replace.
  const extras: Record<string, unknown> = {};
  for (const [path, item] of Object.entries(native.paths)) {
    if (path in upstream) continue;
    const tagged: Record<string, unknown> = {};
    for (const [method, op] of Object.entries(item)) tagged[method] = { ...op, tags: [AGENTCRATE_TAG] };
    extras[path] = renameRefs(tagged);
  }
  const nativeSchemas = native.components.schemas;
  return {
    openapi: '3.1.0',
    info: {
      title: `${workflow.flow.name} API`,
      version: '1.0.0',
      description: `The API of configurable-agents' generated server (--api configurable-agents), served by agentcrate ${VERSION}; the agentcrate routes it keeps follow, their errors as {"detail": …}.`,
    },
    tags: [
      { name: UPSTREAM_TAG, description: "configurable-agents' routes, answered its way" },
      { name: AGENTCRATE_TAG, description: 'agentcrate routes also served in this mode' },
    ],
    components: {
      securitySchemes: native.components.securitySchemes,
      schemas: {
        WorkflowInput: workflowInput(workflow),
        ...SCHEMAS,
        // For the agentcrate routes' jobs.
        JobStatus: renameRefs(nativeSchemas.JobStatus),
        JobError: nativeSchemas.Error?.properties?.error,
        Outputs: nativeSchemas.Outputs,
      },
    },
    security: native.security,
    paths: { ...upstream, ...extras },
  };
}
