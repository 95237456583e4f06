/**
 * The plain shape of one span as agentcrate shows it (`/traces`, `/ui`, `agentcrate traces`,
 * cost reports): OpenTelemetry's fields with times in epoch ms, status reduced to three
 * values, span events folded into `otel.events`.
 */
export type SpanStatus = 'unset' | 'ok' | 'error';

export interface SpanRecord {
  traceId: string;
  spanId: string;
  parentSpanId?: string;
  name: string;
  startMs: number;
  endMs: number;
  status: SpanStatus;
  attributes: Record<string, unknown>;
  jobId?: string;
}
