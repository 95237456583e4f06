/** The telemetry room: engine events → OpenTelemetry spans → the store and OTLP backends. */
export { ATTR, type SpanKindName, TRACER_NAME } from './attributes.js';
export {
  aggregateCosts,
  COST_GROUPINGS,
  type CostGrouping,
  type CostReport,
  type CostRow,
  parseDuration,
} from './costs.js';
export { formatDuration, formatRunList, formatSpanTree, formatUsd, type TextColors } from './format.js';
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
  createTracePipeline,
  DEFAULT_BATCH,
  type TracePipeline,
  type TracePipelineOptions,
} from './pipeline.js';
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
export { getRunSpans, listRuns, type RunPage, spansSince } from './read.js';
export { RecordingSpanExporter } from './record-exporter.js';
export { createRedactor, REDACTED, type Redactor, type RedactorOptions, redactValue } from './redact.js';
export { createTelemetry, type Telemetry, type TelemetryOptions } from './setup.js';
export { StoreSpanExporter, toSpanRecord } from './store-exporter.js';
export {
  buildSpanTree,
  isModelSpan,
  isRunSpan,
  type RunState,
  type RunSummary,
  type SpanNode,
  summarizeRun,
} from './summary.js';
export { isTraceId, traceIdForJob } from './trace-id.js';
export { createRunTracer, type RunTracer, type RunTracerOptions } from './tracer.js';
