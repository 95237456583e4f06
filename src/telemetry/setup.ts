/**
 * One call that wires tracing for a host (server or CLI): store exporter + OTLP exporters
 * from the environment and the workflow, redaction of the host's secrets, and the price
 * table. Hosts then make one RunTracer per run and feed it the engine's events.
 *
 * In the server, do NOT flush per run: the shared pipeline batches spans across runs
 * (at most 50 ms late in the store) and `shutdown()` at close exports the rest; a per-run flush would turn
 * every run end into a store write on the request path.
 */

import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Workflow } from '../config/types.js';
import type { AgentcrateError } from '../errors.js';
import type { Store } from '../store/types.js';
import { otlpExporters } from './otlp.js';
import type { TracePipeline } from './pipeline.js';
import { loadPriceTable, type ModelPrice, type PriceTable } from './prices.js';
import { createRedactor, type Redactor } from './redact.js';
import { createStorePipeline } from './store-pipeline.js';
import { createRunTracer, type RunTracer } from './tracer.js';

export interface TelemetryOptions {
  workflow: Workflow;
  /** Where spans are kept for `/traces`, `/ui` and `agentcrate traces` (omit for none). */
  store?: Store;
  env: Record<string, string | undefined>;
  /** Server flag: capture prompts even if the workflow does not set log_prompts. */
  capturePrompts?: boolean;
  /** More literal secrets to redact (e.g. the server's API keys). */
  secrets?: readonly string[];
  /** Price overrides (highest precedence), e.g. from config. */
  prices?: Record<string, ModelPrice>;
  /** More exporters (tests, `run --trace`). */
  exporters?: readonly SpanExporter[];
  fetch?: typeof fetch;
  /** Export problems (store write failed, MLflow unreachable): log them, never fail a run. */
  onError?: (error: unknown) => void;
}

export interface Telemetry {
  readonly pipeline: TracePipeline;
  /** Where spans go, for the start-up log (no secrets). */
  readonly destinations: string[];
  readonly redact: Redactor;
  readonly prices: PriceTable;
  /** A tracer for one run; its trace id derives from `jobId` (else the engine's run id). */
  runTracer(jobId?: string): RunTracer;
  /** Exports everything pending. */
  flush(): Promise<void>;
  /** Flushes and stops exporting (at server close / CLI exit). */
  shutdown(): Promise<void>;
}

/**
 * Async because the OpenTelemetry SDK (about 100 ms and 7 MB to load) is imported only when
 * spans are exported somewhere other than the store; a server that keeps traces in its store
 * alone starts without it.
 */
export async function createTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const observability = options.workflow.config.observability;
  const otlp = otlpExporters({
    env: options.env,
    observability,
    ...(options.fetch ? { fetch: options.fetch } : {}),
    ...(options.onError ? { onError: (e: AgentcrateError) => options.onError?.(e) } : {}),
  });
  const exporters: SpanExporter[] = [...(options.exporters ?? []), ...otlp.exporters];
  const destinations = [...otlp.descriptions];
  if (options.store) destinations.unshift('job store');
  const resourceAttributes = {
    ...otlp.resourceAttributes,
    'agentcrate.workflow': options.workflow.flow.name,
    ...(options.workflow.flow.version ? { 'service.version': options.workflow.flow.version } : {}),
  };
  // Spans only for the store (the usual server): the light pipeline. Anything exported as OTel
  // spans (OTLP, MLflow, a recorder) goes through the SDK, the store as one more exporter.
  let pipeline: TracePipeline;
  if (options.store && exporters.length === 0) {
    pipeline = createStorePipeline({
      store: options.store,
      ...(options.onError ? { onError: options.onError } : {}),
    });
  } else {
    const [{ createTracePipeline }, { StoreSpanExporter }] = await Promise.all([
      import('./pipeline.js'),
      import('./store-exporter.js'),
    ]);
    pipeline = createTracePipeline({
      exporters: options.store
        ? [
            new StoreSpanExporter(options.store, options.onError ? { onError: options.onError } : {}),
            ...exporters,
          ]
        : exporters,
      resourceAttributes,
    });
  }
  const redact = createRedactor({ env: options.env, secrets: options.secrets ?? [] });
  const prices = loadPriceTable({
    env: options.env,
    ...(options.prices ? { overrides: options.prices } : {}),
  });
  const capturePrompts = options.capturePrompts === true || observability.logPrompts;
  return {
    pipeline,
    destinations,
    redact,
    prices,
    runTracer(jobId?: string): RunTracer {
      return createRunTracer({
        workflow: options.workflow.flow.name,
        ...(jobId === undefined ? {} : { jobId }),
        pipeline,
        capturePrompts,
        redact,
        priceTable: prices,
      });
    },
    flush: () => pipeline.forceFlush(),
    shutdown: () => pipeline.shutdown(),
  };
}
