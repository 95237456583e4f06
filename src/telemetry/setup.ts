/**
 * One call that wires tracing for a host (server or CLI): redaction of the host's secrets,
 * the price table, the annotation of engine events that makes the job's event log a full
 * record of the trace, and OTLP exporters from the environment and the workflow.
 *
 * Hosts annotate every event before keeping it (`annotate`); the trace shown by `/traces`,
 * `/ui` and the CLI is rebuilt from those events (event-trace.ts). Only when spans are also
 * exported (OTLP, MLflow, a test exporter) does a host make a live `runTracer` per run, fed
 * the same events, whose spans go out through the OpenTelemetry SDK in batches.
 *
 * In the server, do NOT flush per run: the shared pipeline batches spans across runs and
 * `shutdown()` at close exports the rest; a per-run flush would put an export on the run's path.
 */

import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Workflow } from '../config/types.js';
import type { EngineEvent } from '../engine/types.js';
import type { AgentcrateError } from '../errors.js';
import { createEventAnnotator } from './annotate.js';
import { otlpExporters } from './otlp.js';
import type { TracePipeline } from './pipeline.js';
import { loadPriceTable, type ModelPrice, type PriceTable } from './prices.js';
import { createRedactor, type Redactor } from './redact.js';
import { createRunTracer, type RunTracer } from './tracer.js';

export interface TelemetryOptions {
  workflow: Workflow;
  /** The host keeps the events in its job store (the server): named in `destinations`. */
  storesEvents?: boolean;
  env: Record<string, string | undefined>;
  /** Server flag: capture prompts even if the workflow does not set log_prompts. */
  capturePrompts?: boolean;
  /** More literal secrets to redact (e.g. the server's API keys). */
  secrets?: readonly string[];
  /** Price overrides (highest precedence), e.g. from config. */
  prices?: Record<string, ModelPrice>;
  /** More exporters (tests). */
  exporters?: readonly SpanExporter[];
  fetch?: typeof fetch;
  /** Export problems (MLflow unreachable…): log them, never fail a run. */
  onError?: (error: unknown) => void;
}

export interface Telemetry {
  /** Where traces go, for the start-up log (no secrets). */
  readonly destinations: string[];
  readonly redact: Redactor;
  readonly prices: PriceTable;
  /** Prices model calls and marks prompt capture on an event, in place; before it is kept. */
  readonly annotate: (event: EngineEvent) => void;
  /** True when spans are exported live (then `runTracer` gives a tracer per run). */
  readonly exporting: boolean;
  /** A live tracer for one run (trace id from `jobId`, else the run id); undefined when not exporting. */
  runTracer(jobId?: string): RunTracer | undefined;
  /** Exports everything pending. */
  flush(): Promise<void>;
  /** Flushes and stops exporting (at server close / CLI exit). */
  shutdown(): Promise<void>;
}

/**
 * Async because the OpenTelemetry SDK (about 100 ms and 7 MB to load) is imported only when
 * spans are exported; a server that keeps traces in its store alone starts without it.
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
  if (options.storesEvents) destinations.unshift('job store');
  let pipeline: TracePipeline | undefined;
  if (exporters.length > 0) {
    const { createTracePipeline } = await import('./pipeline.js');
    pipeline = createTracePipeline({
      exporters,
      resourceAttributes: {
        ...otlp.resourceAttributes,
        'agentcrate.workflow': options.workflow.flow.name,
        ...(options.workflow.flow.version ? { 'service.version': options.workflow.flow.version } : {}),
      },
    });
  }
  const redact = createRedactor({ env: options.env, secrets: options.secrets ?? [] });
  const prices = loadPriceTable({
    env: options.env,
    ...(options.prices ? { overrides: options.prices } : {}),
  });
  const capturePrompts = options.capturePrompts === true || observability.logPrompts;
  const live = pipeline;
  return {
    destinations,
    redact,
    prices,
    annotate: createEventAnnotator({ prices, capturePrompts }),
    exporting: live !== undefined,
    runTracer(jobId?: string): RunTracer | undefined {
      if (live === undefined) return undefined;
      return createRunTracer({
        workflow: options.workflow.flow.name,
        ...(jobId === undefined ? {} : { jobId }),
        pipeline: live,
        capturePrompts,
        redact,
        priceTable: prices,
      });
    },
    flush: async () => {
      await live?.forceFlush();
    },
    shutdown: async () => {
      await live?.shutdown();
    },
  };
}
