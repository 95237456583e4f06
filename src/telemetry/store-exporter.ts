/**
 * A SpanExporter that writes spans to the agentcrate `Store`, so traces are always on with
 * no sidecar. Put it behind a BatchSpanProcessor (createTracePipeline does): one store
 * transaction per batch, never one per span, and never on the run's path.
 */
import { type HrTime, SpanStatusCode } from '@opentelemetry/api';
import type { ReadableSpan, SpanExporter } from '@opentelemetry/sdk-trace-base';
import type { SpanRecord, SpanStatus, Store } from '../store/types.js';
import { ATTR } from './attributes.js';

type ExportCallback = Parameters<SpanExporter['export']>[1];
type ExportResult = Parameters<ExportCallback>[0];

/** `ExportResultCode` of @opentelemetry/core (SUCCESS = 0, FAILED = 1), without depending on it. */
const SUCCESS = 0 as ExportResult['code'];
const FAILED = 1 as ExportResult['code'];

function ms(time: HrTime): number {
  return time[0] * 1000 + time[1] / 1_000_000;
}

function status(code: SpanStatusCode): SpanStatus {
  return code === SpanStatusCode.ERROR ? 'error' : code === SpanStatusCode.OK ? 'ok' : 'unset';
}

/** The store's shape of an OpenTelemetry span (attributes kept as they are, events folded in). */
export function toSpanRecord(span: ReadableSpan): SpanRecord {
  const ctx = span.spanContext();
  const attributes: Record<string, unknown> = { ...span.attributes };
  if (span.status.message) attributes['otel.status_description'] = span.status.message;
  if (span.events.length > 0) {
    attributes['otel.events'] = span.events.map((e) => ({
      name: e.name,
      timeMs: ms(e.time),
      ...(e.attributes ? { attributes: e.attributes } : {}),
    }));
  }
  const jobId = span.attributes[ATTR.jobId];
  const parent = span.parentSpanContext?.spanId;
  return {
    traceId: ctx.traceId,
    spanId: ctx.spanId,
    ...(parent ? { parentSpanId: parent } : {}),
    name: span.name,
    startMs: ms(span.startTime),
    endMs: ms(span.endTime),
    status: status(span.status.code),
    attributes,
    ...(typeof jobId === 'string' ? { jobId } : {}),
  };
}

export class StoreSpanExporter implements SpanExporter {
  readonly #store: Store;
  readonly #onError: ((error: unknown) => void) | undefined;
  #pending = new Set<Promise<void>>();
  #shutdown = false;

  constructor(store: Store, options: { onError?: (error: unknown) => void } = {}) {
    this.#store = store;
    this.#onError = options.onError;
  }

  export(spans: ReadableSpan[], resultCallback: (result: ExportResult) => void): void {
    if (this.#shutdown) {
      resultCallback({ code: FAILED, error: new Error('the store span exporter is shut down') });
      return;
    }
    const write = this.#store
      .saveSpans(spans.map(toSpanRecord))
      .then(
        () => resultCallback({ code: SUCCESS }),
        (error: unknown) => {
          this.#onError?.(error);
          resultCallback({ code: FAILED, error: error instanceof Error ? error : new Error(String(error)) });
        },
      )
      .finally(() => this.#pending.delete(write));
    this.#pending.add(write);
  }

  async forceFlush(): Promise<void> {
    await Promise.all([...this.#pending]);
  }

  async shutdown(): Promise<void> {
    await this.forceFlush();
    // The store belongs to its opener (server, CLI); closing it is theirs.
    this.#shutdown = true;
  }
}
