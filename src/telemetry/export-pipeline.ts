/**
 * The OpenTelemetry SDK side, for spans exported live (OTLP, MLflow, test exporters): one
 * tracer provider whose span processors batch spans to each exporter. A pipeline can serve one
 * run or, in the server, every run, so batches span runs and exporting stays off the request
 * path. The traces the server shows itself are rebuilt from job events (trace-from-events.ts).
 */
import { resourceFromAttributes } from '@opentelemetry/resources';
import {
  AlwaysOnSampler,
  BasicTracerProvider,
  BatchSpanProcessor,
  type BufferConfig,
  type IdGenerator,
  RandomIdGenerator,
  type SpanExporter,
  type SpanProcessor,
} from '@opentelemetry/sdk-trace-base';
import { TRACER_NAME } from './attributes.js';
import type { TracePipeline } from './trace-pipeline.js';

export interface ExportPipelineOptions {
  exporters: readonly SpanExporter[];
  /** Resource attributes (service.name defaults to `agentcrate`). */
  resourceAttributes?: Record<string, string | number | boolean>;
  /** Batching; by default spans are exported at most 1 s after they end, or at flush. */
  batch?: BufferConfig;
}

/** Random ids, except for the root span of a run, whose trace id derives from its job id. */
class RunIdGenerator implements IdGenerator {
  readonly #random = new RandomIdGenerator();
  next: string | undefined;
  generateTraceId(): string {
    return this.next ?? this.#random.generateTraceId();
  }
  generateSpanId(): string {
    return this.#random.generateSpanId();
  }
}

export const DEFAULT_BATCH: BufferConfig = {
  scheduledDelayMillis: 1000,
  maxExportBatchSize: 512,
  maxQueueSize: 8192,
};

export function createExportPipeline(options: ExportPipelineOptions): TracePipeline {
  const ids = new RunIdGenerator();
  const spanProcessors: SpanProcessor[] = options.exporters.map(
    (exporter) => new BatchSpanProcessor(exporter, { ...DEFAULT_BATCH, ...options.batch }),
  );
  const provider = new BasicTracerProvider({
    resource: resourceFromAttributes({ 'service.name': 'agentcrate', ...options.resourceAttributes }),
    // The local store must see every run: an OTEL_TRACES_SAMPLER meant for a shared
    // backend must not silently empty `agentcrate traces`.
    sampler: new AlwaysOnSampler(),
    // No SDK length limit: the tracer already cuts texts to MAX_TEXT, and a limit makes the
    // SDK measure every attribute it sets (a measurable share of the per-run cost).
    spanLimits: { attributeCountLimit: 128 },
    idGenerator: ids,
    spanProcessors,
  });
  const tracer = provider.getTracer(TRACER_NAME);
  let closed = false;
  return {
    tracer,
    withTraceId<T>(traceId: string, start: () => T): T {
      ids.next = traceId;
      try {
        return start();
      } finally {
        ids.next = undefined;
      }
    },
    async forceFlush() {
      if (!closed) await provider.forceFlush();
    },
    async shutdown() {
      if (closed) return;
      closed = true;
      await provider.shutdown();
    },
  };
}
