/**
 * Keeps finished spans in memory as store records, for `agentcrate run --trace`: the CLI
 * prints the tree after a local run without needing a store file.
 */
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { SpanRecord } from '../store/types.js';
import { toSpanRecord } from './store-exporter.js';

type ExportCallback = Parameters<SpanExporter['export']>[1];
type ExportResult = Parameters<ExportCallback>[0];

export class RecordingSpanExporter implements SpanExporter {
  readonly records: SpanRecord[] = [];

  export(spans: ReadableSpan[], resultCallback: ExportCallback): void {
    for (const span of spans) this.records.push(toSpanRecord(span));
    resultCallback({ code: 0 as ExportResult['code'] });
  }

  async forceFlush(): Promise<void> {}

  async shutdown(): Promise<void> {}
}
