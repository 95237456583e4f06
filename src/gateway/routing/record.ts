/**
 * What happened to one request, built while it runs and used three times when it ends: the
 * one log line, the metrics, and the key's usage. Plus the shared dependencies of dispatch.
 */
import type { PriceTable } from '../../telemetry/prices.js';
import { estimateCost } from '../../telemetry/prices.js';
import type { TokenCount } from '../openai/types.js';
import type { FailureKind } from '../upstream/errors.js';
import type { UpstreamPool } from './pool.js';

export type AttemptOutcome = 'ok' | FailureKind | 'client-gone' | 'request-error';

export interface AttemptRecord {
  upstream: string;
  model: string;
  outcome: AttemptOutcome;
  status?: number;
  ms: number;
  /** Time to the first token, for streams that produced one. */
  ttftMs?: number;
  usage?: TokenCount;
  costUsd?: number;
  error?: string;
}

export interface FailoverRecord {
  from: string;
  to: string;
  /** Characters of answer text the client had when the upstream broke. */
  afterChars: number;
  reason: FailureKind;
  /** How long the client waited, from the break to the next token. */
  gapMs?: number;
}

export interface RequestRecord {
  requestId: string;
  alias?: string;
  stream: boolean;
  keyId?: string;
  attempts: AttemptRecord[];
  /** Moves to another target before anything reached the client. */
  fallbacks: number;
  /** Moves to another target after part of a stream reached the client. */
  failovers: FailoverRecord[];
  /** The target that gave the answer. */
  upstream?: string;
  model?: string;
  status: number;
  ttftMs?: number;
  usage: TokenCount;
  costUsd?: number;
  error?: string;
  /** How a stream ended: completed, error-event (a well-formed error), client-gone. */
  streamEnd?: 'completed' | 'error-event' | 'client-gone';
}

export interface DispatchDeps {
  pool: UpstreamPool;
  prices: PriceTable;
  /** Scrubs keys and token shapes from upstream error texts before they are kept anywhere. */
  redact: (text: string) => string;
  midStreamFailover: boolean;
  now: () => number;
  random: () => number;
  sleep: (ms: number, signal?: AbortSignal) => Promise<void>;
}

export function newRecord(requestId: string, stream: boolean): RequestRecord {
  return {
    requestId,
    stream,
    attempts: [],
    fallbacks: 0,
    failovers: [],
    status: 0,
    usage: { inputTokens: 0, outputTokens: 0 },
  };
}

/** Adds an attempt's tokens and priced cost to the request's totals. */
export function addUsage(
  record: RequestRecord,
  attempt: AttemptRecord,
  provider: string,
  usage: TokenCount,
  prices: PriceTable,
): void {
  attempt.usage = usage;
  record.usage.inputTokens += usage.inputTokens;
  record.usage.outputTokens += usage.outputTokens;
  if (usage.estimated) record.usage.estimated = true;
  const cost = estimateCost(provider, attempt.model, usage, prices);
  if (cost !== undefined) {
    attempt.costUsd = cost;
    record.costUsd = Math.round(((record.costUsd ?? 0) + cost) * 1e8) / 1e8;
  }
}
