/**
 * A trace pipeline that turns the run tracer's spans into plain `SpanRecord`s, handed to a
 * callback as each span ends: the tracer drives the OpenTelemetry `Tracer` API, but none of
 * the SDK's per-span machinery (processors, limits, resource merging, ReadableSpan
 * conversion) runs. Stored traces are rebuilt through it from a job's events
 * (trace-from-events.ts); spans exported over OTLP go through the SDK pipeline (export-pipeline.ts).
 *
 * Span ids are a fixed 8-hex prefix and a counter, so the same events always give the same
 * ids (a trace reads the same every time) and a run resumed by another process (another
 * prefix) never collides with the first.
 */
import {
  type Attributes,
  type Context,
  type Exception,
  type HrTime,
  type Link,
  type Span,
  type SpanContext,
  type SpanOptions,
  type SpanStatus,
  SpanStatusCode,
  type TimeInput,
  TraceFlags,
  type Tracer,
  trace,
} from '@opentelemetry/api';
import { ATTR } from './attributes.js';
import type { SpanRecord } from './span-record.js';
import type { TracePipeline } from './trace-pipeline.js';

function toMs(time: TimeInput | undefined): number {
  if (time === undefined) return Date.now();
  if (typeof time === 'number') return time;
  if (time instanceof Date) return time.getTime();
  const hr = time as HrTime;
  return hr[0] * 1000 + hr[1] / 1_000_000;
}

class RecordSpan implements Span {
  readonly #ctx: SpanContext;
  readonly #parent: string | undefined;
  readonly #name: string;
  readonly #start: number;
  readonly #attributes: Record<string, unknown>;
  readonly #events: Array<{ name: string; timeMs: number; attributes?: Attributes }> = [];
  readonly #onEnd: (record: SpanRecord) => void;
  #status: SpanStatus = { code: SpanStatusCode.UNSET };
  #ended = false;

  constructor(
    ctx: SpanContext,
    parent: string | undefined,
    name: string,
    options: SpanOptions,
    onEnd: (record: SpanRecord) => void,
  ) {
    this.#ctx = ctx;
    this.#parent = parent;
    this.#name = name;
    this.#start = toMs(options.startTime);
    // The run tracer hands every span a fresh attributes object; adopting it saves a copy per span.
    this.#attributes = (options.attributes as Record<string, unknown> | undefined) ?? {};
    this.#onEnd = onEnd;
  }

  spanContext(): SpanContext {
    return this.#ctx;
  }
  setAttribute(key: string, value: unknown): this {
    if (!this.#ended && value !== undefined) this.#attributes[key] = value;
    return this;
  }
  setAttributes(attributes: Attributes): this {
    if (!this.#ended)
      for (const k in attributes) {
        const v = attributes[k];
        if (v !== undefined) this.#attributes[k] = v;
      }
    return this;
  }
  addEvent(name: string, attributesOrTime?: Attributes | TimeInput, time?: TimeInput): this {
    const isTime =
      typeof attributesOrTime === 'number' ||
      attributesOrTime instanceof Date ||
      Array.isArray(attributesOrTime);
    this.#events.push({
      name,
      timeMs: toMs(isTime ? (attributesOrTime as TimeInput) : time),
      ...(!isTime && attributesOrTime ? { attributes: attributesOrTime as Attributes } : {}),
    });
    return this;
  }
  addLink(_link: Link): this {
    return this;
  }
  addLinks(_links: Link[]): this {
    return this;
  }
  setStatus(status: SpanStatus): this {
    if (!this.#ended) this.#status = status;
    return this;
  }
  updateName(): this {
    return this;
  }
  end(endTime?: TimeInput): void {
    if (this.#ended) return;
    this.#ended = true;
    const attributes = this.#attributes;
    if (this.#status.message) attributes['otel.status_description'] = this.#status.message;
    if (this.#events.length > 0) attributes['otel.events'] = this.#events;
    const jobId = attributes[ATTR.jobId];
    const code = this.#status.code;
    const record: SpanRecord = {
      traceId: this.#ctx.traceId,
      spanId: this.#ctx.spanId,
      name: this.#name,
      startMs: this.#start,
      endMs: toMs(endTime),
      status: code === SpanStatusCode.ERROR ? 'error' : code === SpanStatusCode.OK ? 'ok' : 'unset',
      attributes,
    };
    if (this.#parent) record.parentSpanId = this.#parent;
    if (typeof jobId === 'string') record.jobId = jobId;
    this.#onEnd(record);
  }
  isRecording(): boolean {
    return !this.#ended;
  }
  recordException(exception: Exception, time?: TimeInput): void {
    const e = typeof exception === 'string' ? { message: exception } : exception;
    this.addEvent(
      'exception',
      {
        'exception.type': String((e as { name?: string }).name ?? 'Error'),
        'exception.message': String(e.message ?? ''),
      },
      time,
    );
  }
}

export interface RecordPipelineOptions {
  /** Receives each span as it ends, synchronously. */
  onSpan: (record: SpanRecord) => void;
  /** 8 hex digits in front of every span id (default 00000001). */
  spanIdPrefix?: string;
}

export function createRecordPipeline(options: RecordPipelineOptions): TracePipeline {
  const prefix = (options.spanIdPrefix ?? '1').padStart(8, '0').slice(-8);
  let counter = 0;
  let nextTraceId: string | undefined;
  const spanId = (): string => {
    counter += 1;
    return prefix + counter.toString(16).padStart(8, '0');
  };
  const randomTraceId = (): string => {
    let id = '';
    for (let i = 0; i < 4; i++)
      id += Math.floor(Math.random() * 0x1_0000_0000)
        .toString(16)
        .padStart(8, '0');
    return id;
  };
  const tracer: Tracer = {
    startSpan(name: string, spanOptions: SpanOptions = {}, context?: Context): Span {
      const parent = context ? trace.getSpan(context)?.spanContext() : undefined;
      const ctx: SpanContext = {
        traceId: parent?.traceId ?? nextTraceId ?? randomTraceId(),
        spanId: spanId(),
        traceFlags: TraceFlags.SAMPLED,
      };
      return new RecordSpan(ctx, parent?.spanId, name, spanOptions, options.onSpan);
    },
    startActiveSpan(): never {
      throw new Error('startActiveSpan is not used by the run tracer');
    },
  };
  return {
    tracer,
    withTraceId<T>(traceId: string, start: () => T): T {
      nextTraceId = traceId;
      try {
        return start();
      } finally {
        nextTraceId = undefined;
      }
    },
    async forceFlush() {},
    async shutdown() {},
  };
}
