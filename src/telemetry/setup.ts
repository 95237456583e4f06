/**
 * One call that wires tracing for a host (server or CLI): redaction of the host's secrets,
 * the price table, the annotation of engine events that makes the job's event log a full
 * record of the trace, and OTLP exporters from the environment and the workflow.
 *
 * `eventsOf(jobId)` is the one chain every host feeds each event of a run through, in place,
 * before anything else sees it: secrets redacted (always, traces on or off), model calls
 * priced and the prompt-capture mark (traces on), then the run's live tracer when spans are
 * exported (OTLP, MLflow, a test exporter), whose spans go out through the OpenTelemetry SDK
 * in batches. The trace shown by `/traces`, `/ui` and the CLI is rebuilt from the kept events
 * (trace-from-events.ts).
 *
 * In the server, do NOT flush per run: the shared pipeline batches spans across runs and
 * `shutdown()` at close exports the rest; a per-run flush would put an export on the run's path.
 */

import type { SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { Workflow } from '../config/types.js';
import type { EngineEvent } from '../engine/types.js';
import type { AgentcrateError } from '../errors.js';
import { createRedactor, type Redactor } from '../secrets/index.js';
import { createEventAnnotator, redactEvent } from './annotate.js';
import { otlpExporters } from './otlp.js';
import { loadPriceTable, type ModelPrice, type PriceTable } from './prices.js';
import { createRunTracer, type RunTracer } from './run-tracer.js';
import type { TracePipeline } from './trace-pipeline.js';

export interface TelemetryOptions {
  workflow: Workflow;
  /** Traces on (default): events are priced and spans exported where configured; off, events are only redacted. */
  traces?: boolean;
  /** The host keeps the events in its job store (the server): named in `destinations`. */
  storesEvents?: boolean;
  env: Record<string, string | undefined>;
  /** Server flag: capture prompts even if the workflow does not set log_prompts. */
  capturePrompts?: boolean;
  /** More literal secrets to redact (e.g. the server's API keys, the webhook secret). */
  secrets?: ReadonlyArray<string | undefined>;
  /** Variables holding credentials whatever their names say (the workflow's tool credentials). */
  secretNames?: readonly string[];
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
  /**
   * The chain for one run's events (see the module comment): applied in place to every event
   * before it is kept, streamed or shown. The trace id derives from `jobId` (else the run id).
   */
  eventsOf(jobId?: string): (event: EngineEvent) => void;
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
 * Async because the OpenTelemetry SDK (slow to load and sizeable in memory) is imported only when
 * spans are exported; a server that keeps traces in its store alone starts without it.
 */
export async function createTelemetry(options: TelemetryOptions): Promise<Telemetry> {
  const observability = options.workflow.config.observability;
  const traces = options.traces !== false;
  const otlp = traces
    ? otlpExporters({
        env: options.env,
        observability,
        ...(options.fetch ? { fetch: options.fetch } : {}),
        ...(options.onError ? { onError: (e: AgentcrateError) => options.onError?.(e) } : {}),
      })
    : { exporters: [], descriptions: [], resourceAttributes: {} };
  const exporters: SpanExporter[] = traces ? [...(options.exporters ?? []), ...otlp.exporters] : [];
  const destinations = traces ? [...otlp.descriptions] : [];
  if (traces && options.storesEvents) destinations.unshift('job store');
  let pipeline: TracePipeline | undefined;
  if (exporters.length > 0) {
    const { createExportPipeline } = await import('./export-pipeline.js');
    pipeline = createExportPipeline({
      exporters,
      resourceAttributes: {
        ...otlp.resourceAttributes,
        'agentcrate.workflow': options.workflow.flow.name,
        ...(options.workflow.flow.version ? { 'service.version': options.workflow.flow.version } : {}),
      },
    });
  }
  const redact = createRedactor({
    env: options.env,
    secrets: options.secrets ?? [],
    names: options.secretNames ?? [],
  });
  const prices = loadPriceTable({
    env: options.env,
    ...(options.prices ? { overrides: options.prices } : {}),
  });
  const capturePrompts = options.capturePrompts === true || observability.logPrompts;
  const annotate = traces ? createEventAnnotator({ prices, capturePrompts }) : undefined;
  const live = pipeline;
  const runTracer = (jobId?: string): RunTracer | undefined => {
    if (live === undefined) return undefined;
    return createRunTracer({
      workflow: options.workflow.flow.name,
      ...(jobId === undefined ? {} : { jobId }),
      pipeline: live,
      capturePrompts,
      redact,
      priceTable: prices,
    });
  };
  return {
    destinations,
    redact,
    prices,
    eventsOf(jobId?: string) {
      const tracer = runTracer(jobId);
      if (tracer === undefined && annotate === undefined) return (event) => redactEvent(event, redact);
      if (tracer === undefined) {
        return (event) => {
          redactEvent(event, redact);
          annotate!(event);
        };
      }
      return (event) => {
        redactEvent(event, redact);
        annotate?.(event);
        tracer.onEvent(event);
      };
    },
    exporting: live !== undefined,
    runTracer,
    flush: async () => {
      await live?.forceFlush();
    },
    shutdown: async () => {
      await live?.shutdown();
    },
  };
}
