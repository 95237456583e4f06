/**
 * Where a run tracer (run-tracer.ts) puts its spans. Two implementations: the OpenTelemetry
 * SDK's, exporting live to OTLP and test exporters (export-pipeline.ts), and plain span records
 * for traces rebuilt from stored events (record-pipeline.ts).
 */
import type { Tracer } from '@opentelemetry/api';

export interface TracePipeline {
  readonly tracer: Tracer;
  /** Runs `start` so the root span it starts gets `traceId` (synchronously). */
  withTraceId<T>(traceId: string, start: () => T): T;
  /** Exports everything ended so far. */
  forceFlush(): Promise<void>;
  /** Flushes, then releases exporters; the pipeline records nothing afterwards. */
  shutdown(): Promise<void>;
}
