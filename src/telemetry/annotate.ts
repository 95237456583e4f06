/**
 * What a host does to each engine event before keeping it (the server's job store, the CLI's
 * `run --trace`): the job's event log is the trace's only record (trace-from-events.ts rebuilds the
 * spans from it), so it must hold what the trace needs and nothing it must not.
 *
 * - `redactEvent` masks secrets in what an event carries (inputs, prompts, responses, tool
 *   arguments and results, the values a node wrote, the run's outputs, error messages), as
 *   the trace and the SSE stream would otherwise show them. Events without such values pass
 *   untouched.
 * - `createEventAnnotator` prices each model call with the host's price table (the workflow's
 *   overrides included) at the time of the call, so a trace or a cost report read later, by a
 *   process without that configuration, shows the same cost; and marks the run's start when
 *   tool arguments and results are to be shown.
 *
 * Both change the event in place: it is the host's copy, and a new object per event would be
 * garbage on the hot path for nothing.
 */
import type { EngineEvent } from '../engine/types.js';
import { type Redactor, redactValue } from '../secrets/index.js';
import { estimateCost, type PriceTable } from './prices.js';

/** Fields the annotation adds to stored events (all optional: older stores lack them). */
export interface EventAnnotations {
  /** model-call: estimated cost in USD (absent when unpriced). */
  costUsd?: number;
  /** model-call: no price is known for this model. */
  costUnknown?: boolean;
  /** run-start: the trace shows tool arguments and results. */
  tracePrompts?: boolean;
}

type Mutable = Record<string, unknown>;

export function redactEvent(event: EngineEvent, redact: Redactor): void {
  const e = event as unknown as Mutable;
  switch (event.type) {
    case 'run-start':
      e.inputs = redactValue(event.inputs, redact);
      return;
    case 'model-call':
      if (event.prompt !== undefined) e.prompt = redact(event.prompt);
      if (event.response !== undefined) e.response = redact(event.response);
      if (event.error !== undefined) e.error = redact(event.error);
      return;
    case 'tool-call':
      e.args = redactValue(event.args, redact, { secretFields: true });
      if (event.result !== undefined) e.result = redactValue(event.result, redact, { secretFields: true });
      if (event.error !== undefined) e.error = redact(event.error);
      return;
    case 'code-call':
      e.stdout = redact(event.stdout);
      e.stderr = redact(event.stderr);
      if (event.error !== undefined)
        e.error = {
          ...event.error,
          message: redact(event.error.message),
          ...(event.error.traceback ? { traceback: redact(event.error.traceback) } : {}),
        };
      return;
    case 'memory-write':
      if (event.value !== undefined) e.value = redactValue(event.value, redact);
      return;
    case 'node-end':
      if (event.writes !== undefined) e.writes = redactValue(event.writes, redact);
      if (event.error !== undefined) e.error = redactRunError(event.error, redact);
      return;
    case 'run-end':
      e.outputs = redactValue(event.outputs, redact);
      if (event.error !== undefined) e.error = redactRunError(event.error, redact);
      return;
    default:
      return;
  }
}

/** A run or node error with its message and details redacted (the same object when clean). */
export function redactRunError<T extends { message: string; details?: Record<string, unknown> }>(
  error: T,
  redact: Redactor,
): T {
  const message = redact(error.message);
  const details = error.details === undefined ? undefined : redactValue(error.details, redact);
  if (message === error.message && details === error.details) return error;
  return { ...error, message, ...(details === undefined ? {} : { details }) };
}

export interface EventAnnotatorOptions {
  prices: PriceTable;
  /** Show tool arguments and results in traces (server `--log-prompts`, workflow `log_prompts`). */
  capturePrompts: boolean;
}

export function createEventAnnotator(options: EventAnnotatorOptions): (event: EngineEvent) => void {
  const { prices, capturePrompts } = options;
  return (event) => {
    if (event.type === 'model-call') {
      const e = event as EngineEvent & EventAnnotations;
      const cost = estimateCost(event.provider, event.model, event, prices);
      if (cost === undefined) e.costUnknown = true;
      else e.costUsd = cost;
    } else if (event.type === 'run-start' && capturePrompts) {
      (event as EngineEvent & EventAnnotations).tracePrompts = true;
    }
  };
}
