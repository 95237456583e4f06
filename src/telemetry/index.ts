/**
 * The telemetry room: engine events → OpenTelemetry spans, rebuilt from the job's event log
 * for `/traces`, `/ui` and the CLI, and exported live over OTLP when configured.
 */
export { createEventAnnotator, type EventAnnotations, redactEvent } from './annotate.js';
export { ATTR, type SpanKindName, TRACER_NAME } from './attributes.js';
export {
  aggregateCosts,
  COST_GROUPINGS,
  type CostGrouping,
  type CostReport,
  type CostRow,
} from './costs.js';
export {
  createExportPipeline,
  DEFAULT_BATCH,
  type ExportPipelineOptions,
} from './export-pipeline.js';
export {
  createOtlpExporter,
  type ExportTargets,
  type ExportTargetsOptions,
  mlflowExperimentId,
  mlflowTarget,
  type OtlpProtocol,
  type OtlpTarget,
  otlpExporters,
  otlpTargetFromEnv,
  parseOtlpHeaders,
} from './otlp.js';
export {
  DEFAULT_PRICES,
  estimateCost,
  findPrice,
  type LoadPriceTableOptions,
  loadPriceTable,
  type ModelPrice,
  PRICES_AS_OF,
  type PriceTable,
  parsePriceTable,
  type TokenUsage,
} from './prices.js';
export { createRecordPipeline, type RecordPipelineOptions } from './record-pipeline.js';
export {
  buildSpanTree,
  isModelSpan,
  isRunSpan,
  type RunState,
  type RunSummary,
  type SpanNode,
  summarizeRun,
} from './run-summary.js';
export {
  createRunTracer,
  type RunTracer,
  type RunTracerOptions,
  type SettleOutcome,
} from './run-tracer.js';
export { createTelemetry, type Telemetry, type TelemetryOptions } from './setup.js';
export type { SpanRecord, SpanStatus } from './span-record.js';
export { type EventTraceOptions, type JobState, spansFromEvents } from './trace-from-events.js';
export { isTraceId, traceIdForJob } from './trace-id.js';
export type { TracePipeline } from './trace-pipeline.js';
export {
  getRunTrace,
  listRuns,
  type RunPage,
  type RunTrace,
  spansSince,
  type TraceReadOptions,
} from './trace-reader.js';
export { formatDuration, formatRunList, formatSpanTree, formatUsd, type TextColors } from './trace-text.js';
