/**
 * What a host does to each engine event before keeping it (the server's job store, the CLI's
 * `run --trace`): the job's event log is the trace's only record (event-trace.ts rebuilds the
 * spans from it), so it must hold what the trace needs and nothing it must not.
 *
 * - `redactEvent` masks secrets in the free text an event carries (prompts, responses, tool
 *   arguments and results, error messages), as the trace and the SSE stream would otherwise
 *   show them. Events without such text pass untouched.
 * - `createEventAnnotator` prices each model call with the host's price table (the workflow's
 *   overrides included) at the time of the call, so a trace or a cost report read later, by a
 *   process without that configuration, shows the same cost; and marks the run's start when
 *   tool arguments and results are to be shown.
 *
 * Both change the event in place: it is the host's copy, and a new object per event would be
 * garbage on the hot path for nothing.
 */
import type { EngineEvent } from '../engine/types.js';
import { estimateCost, type PriceTable } from './prices.js';
import { type Redactor, redactValue } from './redact.js';

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
    case 'model-call':
      if (event.prompt !== undefined) e.prompt = redact(event.prompt);
      if (event.response !== undefined) e.response = redact(event.response);
      if (event.error !== undefined) e.error = redact(event.error);
      return;
    case 'tool-call':
      e.args = redactValue(event.args, redact);
      if (event.result !== undefined) e.result = redactValue(event.result, redact);
      if (event.error !== undefined) e.error = redact(event.error);
      return;
    case 'node-end':
    case 'run-end':
      if (event.error !== undefined) e.error = { ...event.error, message: redact(event.error.message) };
      return;
    default:
      return;
  }
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
