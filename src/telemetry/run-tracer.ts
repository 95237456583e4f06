/**
 * Turns one run's engine events into OpenTelemetry spans: run → node (→ parallel item) →
 * model call / tool call. Events arrive after the fact (a model-call event carries its
 * latency), so every span gets explicit start and end times, and a node's children are
 * buffered until its node-end, when the node span and then its children are built. Spans
 * are keyed by node id + parallel index, so concurrent branches and items nest correctly.
 *
 * The same tracer serves two hosts: live, fed by the engine as a run goes (spans exported over
 * OTLP), and after the fact, fed a job's stored events (trace-from-events.ts: the trace that
 * `/traces`, `/ui` and the CLI show). Both see the same events, so both build the same tree.
 */
import {
  type Attributes,
  type Context,
  ROOT_CONTEXT,
  type Span,
  SpanKind,
  SpanStatusCode,
  trace,
} from '@opentelemetry/api';
import type { EngineEvent, RunError, RunStatus } from '../engine/types.js';
import type { Redactor } from '../secrets/index.js';
import { ATTR, type SpanKindName } from './attributes.js';
import { DEFAULT_PRICES, type PriceTable } from './prices.js';
import {
  callCost,
  clip,
  codeCallAttributes,
  memoryWriteAttributes,
  modelCallAttributes,
  toolCallAttributes,
} from './span-attributes.js';
import { traceIdForJob } from './trace-id.js';
import type { TracePipeline } from './trace-pipeline.js';

export interface RunTracerOptions {
  /** The workflow's name (flow.name). */
  workflow: string;
  /** The server's job id; the trace id derives from it (else from the run id). */
  jobId?: string;
  /**
   * Where spans go: the host's shared pipeline (telemetry/setup.ts), or one made for this run
   * with `createExportPipeline` (tests). Taken, not made, so the OpenTelemetry SDK is loaded
   * only by hosts that export spans.
   */
  pipeline: TracePipeline;
  /**
   * Record tool arguments and results. Prompt and response text is recorded whenever an event
   * carries it: the engine puts it there only where `log_prompts` (or the host's flag) asks.
   */
  capturePrompts: boolean;
  /** Applied to every recorded text before it becomes an attribute. */
  redact: Redactor;
  priceTable?: PriceTable;
}

/** How a run that has no `run-end` event (yet) is shown. */
export type SettleOutcome =
  /** Still going: open spans end now, marked in progress, with no status. */
  | { state: 'in-progress' }
  /** The process stopped (crash, shutdown): open spans fail with this message. */
  | { state: 'interrupted'; message: string }
  /** The job ended without this run's end event (e.g. failed by the crash-loop guard). */
  | { state: 'finished'; status: RunStatus; error?: RunError };

export interface RunTracer {
  onEvent(event: EngineEvent): void;
  /**
   * Ends the run's open spans when no `run-end` event will come (a trace rebuilt from the
   * events of a run that is still going or was interrupted). Does nothing once the run ended.
   */
  settle(atMs: number, outcome: SettleOutcome): void;
  /** Exports what has ended; never throws (tracing must not fail a run). */
  flush(): Promise<void>;
  /** The run's trace id, once the run has started. */
  readonly traceId: string | undefined;
}

type ChildEvent = Extract<
  EngineEvent,
  { type: 'model-call' } | { type: 'tool-call' } | { type: 'code-call' } | { type: 'memory-write' }
>;

interface OpenNode {
  nodeId: string;
  startMs: number;
  step: number;
  iteration: number;
  parallelIndex?: number;
  children: ChildEvent[];
}

function keyOf(nodeId: string, parallelIndex: number | undefined): string {
  return parallelIndex === undefined ? nodeId : `${nodeId}#${parallelIndex}`;
}

export function createRunTracer(options: RunTracerOptions): RunTracer {
  const pipeline = options.pipeline;
  const prices = options.priceTable ?? DEFAULT_PRICES;
  const redact = options.redact;
  const tracer = pipeline.tracer;

  let root: Span | undefined;
  let rootCtx: Context = ROOT_CONTEXT;
  let traceId: string | undefined;
  let ended = false;
  let knownCost = 0;
  let unknownCost = false;
  let inputTokens = 0;
  let outputTokens = 0;
  const open = new Map<string, OpenNode[]>();

  function startSpan(
    name: string,
    kind: SpanKindName,
    startMs: number,
    parent: Context,
    attributes: Attributes,
    spanKind = SpanKind.INTERNAL,
  ): Span {
    attributes[ATTR.spanKind] = kind;
    if (options.jobId !== undefined) attributes[ATTR.jobId] = options.jobId;
    return tracer.startSpan(
      name,
      {
        kind: spanKind,
        startTime: startMs,
        attributes,
      },
      parent,
    );
  }

  function fail(span: Span, code: string, message: string, atMs: number): void {
    const text = redact(message);
    span.setStatus({ code: SpanStatusCode.ERROR, message: text });
    span.setAttributes({ [ATTR.errorType]: code, [ATTR.errorCode]: code, [ATTR.errorMessage]: clip(text) });
    span.recordException({ name: code, message: text }, atMs);
  }

  function ensureRoot(runId: string, atMs: number, attributes: Attributes = {}): void {
    if (root !== undefined) return;
    traceId = traceIdForJob(options.jobId ?? runId);
    const id = traceId;
    root = pipeline.withTraceId(id, () =>
      startSpan(`run ${options.workflow}`, 'run', atMs, ROOT_CONTEXT, {
        [ATTR.workflow]: options.workflow,
        [ATTR.genAiAgentName]: options.workflow,
        [ATTR.runId]: runId,
        ...attributes,
      }),
    );
    rootCtx = trace.setSpan(ROOT_CONTEXT, root);
  }

  function modelSpan(e: Extract<EngineEvent, { type: 'model-call' }>, parent: Context): void {
    const attributes = modelCallAttributes(e, redact);
    inputTokens += e.inputTokens;
    outputTokens += e.outputTokens;
    const cost = callCost(e, prices);
    if (cost === undefined) {
      attributes[ATTR.costUnknown] = true;
      unknownCost = true;
    } else {
      attributes[ATTR.costUsd] = cost;
      knownCost += cost;
    }
    const span = startSpan(
      `chat ${e.model}`,
      'model',
      e.at - Math.max(0, e.latencyMs),
      parent,
      attributes,
      SpanKind.CLIENT,
    );
    if (!e.ok)
      fail(
        span,
        e.finishReason === 'error' ? 'E_MODEL' : 'E_MODEL_OUTPUT',
        e.error ?? 'model call failed',
        e.at,
      );
    span.end(e.at);
  }

  function toolSpan(e: Extract<EngineEvent, { type: 'tool-call' }>, parent: Context): void {
    const attributes = toolCallAttributes(e, redact, options.capturePrompts);
    const span = startSpan(
      `execute_tool ${e.tool}`,
      'tool',
      e.at - Math.max(0, e.latencyMs),
      parent,
      attributes,
    );
    if (!e.ok) fail(span, 'E_TOOL', e.error ?? 'tool call failed', e.at);
    span.end(e.at);
  }

  /** A code node's sandbox call; what it printed is kept (redacted), as a tool's result is not. */
  function codeSpan(e: Extract<EngineEvent, { type: 'code-call' }>, parent: Context): void {
    const attributes = codeCallAttributes(e, redact);
    const span = startSpan(`code ${e.nodeId}`, 'code', e.at - Math.max(0, e.durationMs), parent, attributes);
    if (!e.ok) fail(span, e.error?.code ?? 'E_CODE', e.error?.message ?? 'code failed', e.at);
    span.end(e.at);
  }

  function memorySpan(e: Extract<EngineEvent, { type: 'memory-write' }>, parent: Context): void {
    const attributes = memoryWriteAttributes(e, redact, options.capturePrompts);
    startSpan(`memory.${e.op} ${e.key}`, 'memory', e.at, parent, attributes).end(e.at);
  }

  function childSpans(children: readonly ChildEvent[], parent: Context): void {
    for (const child of children) {
      if (child.type === 'model-call') modelSpan(child, parent);
      else if (child.type === 'tool-call') toolSpan(child, parent);
      else if (child.type === 'code-call') codeSpan(child, parent);
      else memorySpan(child, parent);
    }
  }

  function closeNode(
    node: OpenNode,
    endMs: number,
    ok: boolean,
    error: RunError | undefined,
    unfinished = false,
    inProgress = false,
  ): void {
    const attributes: Attributes = {
      [ATTR.nodeId]: node.nodeId,
      [ATTR.nodeStep]: node.step,
      [ATTR.nodeIteration]: node.iteration,
    };
    if (inProgress) attributes[ATTR.inProgress] = true;
    if (node.parallelIndex !== undefined) attributes[ATTR.nodeParallelIndex] = node.parallelIndex;
    const span = startSpan(`node ${node.nodeId}`, 'node', node.startMs, rootCtx, attributes);
    if (!ok) {
      fail(
        span,
        error?.code ?? 'E_INTERNAL',
        error?.message ?? (unfinished ? 'the run ended before this node finished' : 'node failed'),
        endMs,
      );
    }
    const ctx = trace.setSpan(ROOT_CONTEXT, span);
    // A parallel-map node runs one item per parallel index; group each item's calls under
    // an item span spanning them, since the engine emits no per-item start/end.
    const direct = node.children.filter(
      (c) => node.parallelIndex !== undefined || c.parallelIndex === undefined,
    );
    childSpans(direct, ctx);
    const items = new Map<number, ChildEvent[]>();
    if (node.parallelIndex === undefined) {
      for (const c of node.children) {
        if (c.parallelIndex === undefined) continue;
        const list = items.get(c.parallelIndex) ?? [];
        list.push(c);
        items.set(c.parallelIndex, list);
      }
    }
    for (const [index, calls] of [...items.entries()].sort((a, b) => a[0] - b[0])) {
      const startMs = Math.min(...calls.map((c) => c.at - Math.max(0, spent(c))));
      const itemEndMs = Math.max(...calls.map((c) => c.at));
      const item = startSpan(`item ${node.nodeId}[${index}]`, 'item', startMs, ctx, {
        [ATTR.nodeId]: node.nodeId,
        [ATTR.nodeIteration]: node.iteration,
        [ATTR.nodeParallelIndex]: index,
      });
      const last = calls.filter((c) => c.type === 'model-call').at(-1);
      if (last && !last.ok) fail(item, 'E_MODEL', last.error ?? 'item failed', itemEndMs);
      childSpans(calls, trace.setSpan(ROOT_CONTEXT, item));
      item.end(itemEndMs);
    }
    span.end(endMs);
  }

  function takeOpen(nodeId: string, parallelIndex: number | undefined): OpenNode | undefined {
    const key = keyOf(nodeId, parallelIndex);
    const list = open.get(key);
    const node = list?.shift();
    if (list !== undefined && list.length === 0) open.delete(key);
    return node;
  }

  /** The open span a call belongs to: its own item/node, else the parallel-map node. */
  /** How long a child call took (memory writes take none of their own). */
  function spent(c: ChildEvent): number {
    return c.type === 'code-call' ? c.durationMs : c.type === 'memory-write' ? 0 : c.latencyMs;
  }

  function ownerOf(e: ChildEvent): OpenNode | undefined {
    const exact = open.get(keyOf(e.nodeId, e.parallelIndex));
    if (exact?.[0]) return exact[0];
    return e.parallelIndex === undefined ? undefined : open.get(keyOf(e.nodeId, undefined))?.[0];
  }

  function handle(e: EngineEvent): void {
    if (ended) return;
    switch (e.type) {
      case 'run-start':
        ensureRoot(e.runId, e.at, { [ATTR.runResumed]: e.resumed, [ATTR.runDryRun]: e.dryRun });
        return;
      case 'node-start': {
        ensureRoot(e.runId, e.at);
        const key = keyOf(e.nodeId, e.parallelIndex);
        const list = open.get(key) ?? [];
        list.push({
          nodeId: e.nodeId,
          startMs: e.at,
          step: e.step,
          iteration: e.iteration,
          ...(e.parallelIndex === undefined ? {} : { parallelIndex: e.parallelIndex }),
          children: [],
        });
        open.set(key, list);
        return;
      }
      case 'model-call':
      case 'tool-call':
      case 'code-call':
      case 'memory-write': {
        ensureRoot(e.runId, e.at);
        const owner = ownerOf(e);
        if (owner) owner.children.push(e);
        // A call outside any node (never expected) still shows, under the run.
        else childSpans([e], rootCtx);
        return;
      }
      case 'node-end': {
        ensureRoot(e.runId, e.at);
        const node = takeOpen(e.nodeId, e.parallelIndex) ?? {
          nodeId: e.nodeId,
          startMs: e.at - e.durationMs,
          step: e.step,
          iteration: e.iteration,
          ...(e.parallelIndex === undefined ? {} : { parallelIndex: e.parallelIndex }),
          children: [],
        };
        closeNode(node, e.at, e.ok, e.error);
        return;
      }
      case 'checkpoint':
        return;
      case 'run-end': {
        ensureRoot(e.runId, e.at - e.durationMs);
        for (const list of open.values())
          for (const node of list) closeNode(node, e.at, false, undefined, true);
        open.clear();
        endRoot(e.at, e.status, e.steps, e.usage, e.error);
        return;
      }
    }
  }

  function endRoot(
    atMs: number,
    status: RunStatus | 'interrupted' | undefined,
    steps: number | undefined,
    usage: { inputTokens: number; outputTokens: number },
    error: RunError | undefined,
  ): void {
    const span = root as Span;
    span.setAttributes({
      ...(status === undefined ? { [ATTR.inProgress]: true } : { [ATTR.runStatus]: status }),
      ...(steps === undefined ? {} : { [ATTR.runSteps]: steps }),
      [ATTR.totalInputTokens]: usage.inputTokens,
      [ATTR.totalOutputTokens]: usage.outputTokens,
      // Known part of the cost; `cost.unknown` says some calls could not be priced.
      [ATTR.costUsd]: Math.round(knownCost * 1e8) / 1e8,
      ...(unknownCost ? { [ATTR.costUnknown]: true } : {}),
    });
    if (status === 'failed' || status === 'interrupted')
      fail(span, error?.code ?? 'E_INTERNAL', error?.message ?? 'run failed', atMs);
    else if (status === 'success') span.setStatus({ code: SpanStatusCode.OK });
    span.end(atMs);
    ended = true;
  }

  function settle(atMs: number, outcome: SettleOutcome): void {
    if (ended || root === undefined) return;
    const usage = { inputTokens, outputTokens };
    if (outcome.state === 'in-progress') {
      for (const list of open.values())
        for (const node of list) closeNode(node, atMs, true, undefined, false, true);
      open.clear();
      endRoot(atMs, undefined, undefined, usage, undefined);
      return;
    }
    const error =
      outcome.state === 'interrupted' ? { code: 'E_INTERRUPTED', message: outcome.message } : outcome.error;
    for (const list of open.values()) for (const node of list) closeNode(node, atMs, false, error, true);
    open.clear();
    endRoot(atMs, outcome.state === 'interrupted' ? 'interrupted' : outcome.status, undefined, usage, error);
  }

  return {
    get traceId() {
      return traceId;
    },
    onEvent(event: EngineEvent): void {
      try {
        handle(event);
      } catch {
        // Tracing must never break a run; a malformed event only loses its span.
      }
    },
    settle(atMs: number, outcome: SettleOutcome): void {
      try {
        settle(atMs, outcome);
      } catch {
        // As above: a malformed event list loses spans, never the caller.
      }
    },
    async flush(): Promise<void> {
      try {
        await pipeline.forceFlush();
      } catch {
        // Export failures are the exporters' to report; the run's result stands.
      }
    },
  };
}
