/**
 * The gateway's configuration file, as one zod schema: the loader validates with it and the
 * published JSON Schema (`schema/gateway.schema.json`, `agentcrate gateway schema`) is
 * generated from it, so the two cannot drift. Keys are snake_case like the workflow format.
 * Secrets are never in this file: each upstream names the environment variable its key is in.
 */
import { z } from 'zod';

/** Providers the gateway can send to: every provider a workflow may use. */
export const UPSTREAM_PROVIDERS = [
  'openai',
  'openai-compatible',
  'anthropic',
  'google',
  'bedrock',
  'ollama',
] as const;
export type UpstreamProvider = (typeof UPSTREAM_PROVIDERS)[number];

/** How a proxied upstream is asked to continue a partial answer after a mid-stream failover. */
export const CONTINUATION_MODES = ['prefill', 'prefix_flag', 'continue_final_message'] as const;
export type ContinuationMode = (typeof CONTINUATION_MODES)[number];

const NAME_PATTERN = '^[A-Za-z0-9][A-Za-z0-9_.:-]*$';
const ENV_NAME_PATTERN = '^[A-Za-z_][A-Za-z0-9_]*$';
/** `upstream/model`: the first slash splits; model names may hold more slashes. */
export const TARGET_TEXT = /^([A-Za-z0-9][A-Za-z0-9_.:-]*)\/(.+)$/;

const ms = (description: string) => z.int().min(1).max(86_400_000).describe(description);

export const timeoutsSchema = z
  .strictObject({
    connect_ms: ms('Longest wait to open a connection to the upstream (TCP and TLS).').optional(),
    first_token_ms: ms(
      'Longest wait for the first streamed token, or for the response headers of a non-streaming call.',
    ).optional(),
    idle_ms: ms('Longest gap between two streamed chunks (a stall) or while reading a body.').optional(),
    total_ms: ms('Longest a whole request may take, every attempt and fallback included.').optional(),
  })
  .describe('Timeouts; each one not set here is inherited (route < upstream < top level < built-in).');

export const retriesSchema = z
  .strictObject({
    attempts: z
      .int()
      .min(1)
      .max(10)
      .describe('Attempts per target before falling back to the next one (1 = no retry).')
      .optional(),
    base_delay_ms: z
      .int()
      .min(0)
      .max(60_000)
      .describe('First backoff ceiling; doubles per retry, with full jitter.')
      .optional(),
    max_delay_ms: z.int().min(0).max(600_000).describe('Largest backoff between two attempts.').optional(),
    max_retry_after_ms: z
      .int()
      .min(0)
      .max(600_000)
      .describe(
        'Longest Retry-After the gateway waits out; an upstream asking for more is skipped for the next target.',
      )
      .optional(),
  })
  .describe('Retries of one target on 429, 5xx, timeouts and connection errors (never on other 4xx).');

export const breakerSchema = z
  .strictObject({
    failures: z
      .int()
      .min(1)
      .max(1000)
      .describe('Consecutive failed attempts that open the circuit of an upstream.')
      .optional(),
    cooldown_ms: z
      .int()
      .min(1)
      .max(3_600_000)
      .describe('How long an open circuit refuses calls before one half-open probe is let through.')
      .optional(),
  })
  .describe('Per-upstream circuit breaker.');

const upstreamSchema = z
  .strictObject({
    provider: z.enum(UPSTREAM_PROVIDERS).describe('Which provider this upstream is.'),
    base_url: z
      .url({ protocol: /^https?$/ })
      .describe(
        'Endpoint (for openai-compatible: the URL ending in /v1). Default: the provider’s own, or its usual environment variable.',
      )
      .optional(),
    api_key_env: z
      .string()
      .regex(new RegExp(ENV_NAME_PATTERN), 'must be an environment variable name like GATEWAY_OPENAI_API_KEY')
      .describe(
        'Environment variable holding this upstream’s key. Default: GATEWAY_<NAME>_API_KEY, then GATEWAY_<PROVIDER>_API_KEY, then the provider’s usual variable.',
      )
      .optional(),
    models: z
      .array(z.string().min(1))
      .describe(
        'Model names this upstream serves: clients may ask for them by name, and /v1/models lists them.',
      )
      .optional(),
    headers: z
      .record(z.string().min(1), z.string())
      .describe('Extra request headers (not secrets: the file is not a secret store).')
      .optional(),
    continuation: z
      .enum(CONTINUATION_MODES)
      .describe(
        'How a proxied upstream continues a partial answer after a mid-stream failover: prefill (a final assistant message, default), prefix_flag (that message with "prefix": true, DeepSeek/Mistral), continue_final_message (vLLM).',
      )
      .optional(),
    max_connections: z
      .int()
      .min(1)
      .max(10_000)
      .describe('Keep-alive connections kept open to this upstream (default 128).')
      .optional(),
    timeouts: timeoutsSchema.optional(),
    breaker: breakerSchema.optional(),
  })
  .describe('One upstream: a provider endpoint with its own key, circuit and statistics.');

const targetObjectSchema = z.strictObject({
  upstream: z.string().min(1).describe('Name of an upstream under `upstreams`.'),
  model: z.string().min(1).describe('The model name the upstream knows.'),
  weight: z
    .number()
    .min(0)
    .max(1_000_000)
    .describe(
      'Share of first attempts among the weighted targets; 0 = fallback only. Without weights the order is the list order.',
    )
    .optional(),
});

export const targetSchema = z.union([
  z
    .string()
    .regex(TARGET_TEXT, "write a target as 'upstream/model' or as {upstream: NAME, model: MODEL}")
    .describe("'upstream/model'"),
  targetObjectSchema,
]);

const routeSchema = z
  .strictObject({
    targets: z.array(targetSchema).min(1).describe('Where requests for this alias go, in fallback order.'),
    retries: retriesSchema.optional(),
    timeouts: timeoutsSchema.optional(),
  })
  .describe('A model alias clients name in `model`.');

const priceSchema = z.strictObject({
  input: z.number().min(0).describe('USD per million input tokens.'),
  output: z.number().min(0).describe('USD per million output tokens.'),
});

export const gatewayFileSchema = z
  .strictObject({
    upstreams: z
      .record(
        z.string().regex(new RegExp(NAME_PATTERN), 'upstream names are letters, digits, _ . : -'),
        upstreamSchema,
      )
      .describe('Named provider endpoints.'),
    routes: z
      .record(z.string().min(1), routeSchema)
      .describe('Model aliases (fast, smart, or real model names) and their targets.')
      .optional(),
    retries: retriesSchema.optional(),
    timeouts: timeoutsSchema.optional(),
    breaker: breakerSchema.optional(),
    failover: z
      .strictObject({
        mid_stream: z
          .boolean()
          .describe('Continue a stream that broke after chunks reached the client from the next target.')
          .optional(),
      })
      .optional(),
    keys: z
      .strictObject({
        require: z
          .enum(['auto', 'always', 'never'])
          .describe(
            'auto (default): virtual keys are required once one has been created; always; never (trusted networks only).',
          )
          .optional(),
        db: z.string().min(1).describe('SQLite file of virtual keys and their spending.').optional(),
      })
      .optional(),
    prices: z
      .record(z.string().min(1), priceSchema)
      .describe('Price overrides keyed like the cost table: model, or provider/model, or provider/*.')
      .optional(),
    server: z
      .strictObject({
        host: z.string().min(1).optional(),
        port: z.int().min(0).max(65535).optional(),
        body_limit_bytes: z
          .int()
          .min(1024)
          .max(1024 * 1024 * 1024)
          .optional(),
        allowed_hosts: z
          .array(z.string().min(1))
          .describe('Host header values served besides loopback (e.g. model-gateway in compose).')
          .optional(),
      })
      .optional(),
  })
  .describe('agentcrate model gateway configuration');

export type GatewayFile = z.infer<typeof gatewayFileSchema>;
export type TimeoutsFile = z.infer<typeof timeoutsSchema>;
export type RetriesFile = z.infer<typeof retriesSchema>;
export type BreakerFile = z.infer<typeof breakerSchema>;
export type TargetFile = z.infer<typeof targetSchema>;

/** The JSON Schema (draft 2020-12) of the file, for editors. */
export function gatewaySchemaJson(): Record<string, unknown> {
  return {
    $id: 'https://agentcrate.dev/schema/gateway-1.json',
    title: 'agentcrate model gateway',
    ...(z.toJSONSchema(gatewayFileSchema, { target: 'draft-2020-12', io: 'input' }) as Record<
      string,
      unknown
    >),
  };
}
