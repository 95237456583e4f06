/** The real OTLP/HTTP exporters, loaded on first use by `createOtlpExporter` (otlp.ts). */
import { OTLPTraceExporter as JsonTraceExporter } from '@opentelemetry/exporter-trace-otlp-http';
import { OTLPExporterBase } from '@opentelemetry/otlp-exporter-base';
import {
  convertLegacyHttpOptions,
  createOtlpHttpExportDelegate,
} from '@opentelemetry/otlp-exporter-base/node-http';
import { ProtobufTraceSerializer, TraceExporterMetricsHelper } from '@opentelemetry/otlp-transformer';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { OtlpTarget } from './otlp.js';

/** OTLP/HTTP with protobuf bodies: what the OTLP spec defaults to and MLflow requires. */
export class ProtobufTraceExporter extends OTLPExporterBase<ReadableSpan[]> implements SpanExporter {
  constructor(config: { url: string; headers?: OtlpTarget['headers']; timeoutMillis?: number }) {
    super(
      createOtlpHttpExportDelegate(
        convertLegacyHttpOptions(config, 'TRACES', 'v1/traces', { 'Content-Type': 'application/x-protobuf' }),
        ProtobufTraceSerializer,
        'otlp_http_span_exporter',
        TraceExporterMetricsHelper,
        undefined,
      ),
    );
  }
}

export function createRealOtlpExporter(target: OtlpTarget): SpanExporter {
  const config = { url: target.url, headers: target.headers };
  return target.protocol === 'http/json' ? new JsonTraceExporter(config) : new ProtobufTraceExporter(config);
}
