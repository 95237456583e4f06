/**
 * The gateway's JSON log (pino): one line per chat request with everything an operator asks
 * about afterwards (route, chosen upstream, attempts, fallbacks, failovers, latency, tokens,
 * cost, key id), and the upstream keys and virtual keys scrubbed from every line.
 */
import { pino } from 'pino';
import { createRedactor } from '../../secrets/index.js';
import type { RequestRecord } from '../routing/record.js';

export interface GatewayLogger {
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  /** Writes what is still buffered (call before the process exits). */
  flush?(): void;
}

export const silentGatewayLogger: GatewayLogger = {
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
};

export function createGatewayLogger(options: {
  level?: string;
  env: Record<string, string | undefined>;
  secrets: readonly string[];
  destination?: NodeJS.WritableStream;
}): GatewayLogger {
  const redact = createRedactor({ env: options.env, secrets: options.secrets });
  // stdout through sonic-boom, asynchronously: a line per request must not cost a blocking
  // write each (lines written while one write is in flight go out together in the next).
  const boom = options.destination === undefined ? pino.destination({ dest: 1, sync: false }) : undefined;
  const sink: { write(text: string): unknown } =
    options.destination ?? (boom as { write(text: string): unknown });
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { service: 'agentcrate-gateway' },
      redact: { paths: ['authorization', 'headers.authorization', 'apiKey'], censor: '[REDACTED]' },
    },
    { write: (line: string) => sink.write(redact(line)) },
  );
  return Object.assign(logger, {
    flush: () => {
      try {
        boom?.flushSync();
      } catch {
        // nothing buffered, or stdout already closed
      }
    },
  });
}

/** The fields of a request's log line. */
export function requestLogFields(
  record: RequestRecord,
  method: string,
  path: string,
  durationMs: number,
): object {
  return {
    reqId: record.requestId,
    method,
    path,
    status: record.status,
    route: record.alias,
    upstream: record.upstream,
    model: record.model,
    stream: record.stream,
    key: record.keyId,
    attempts: record.attempts.length,
    fallbacks: record.fallbacks,
    ...(record.failovers.length > 0 ? { failovers: record.failovers } : {}),
    ...(record.attempts.length > 1 || record.attempts.some((a) => a.outcome !== 'ok')
      ? {
          tried: record.attempts.map((a) => ({
            upstream: a.upstream,
            outcome: a.outcome,
            ...(a.status !== undefined ? { status: a.status } : {}),
            ms: a.ms,
            ...(a.error !== undefined ? { error: a.error } : {}),
          })),
        }
      : {}),
    ms: Math.round(durationMs * 10) / 10,
    ...(record.ttftMs !== undefined ? { ttftMs: record.ttftMs } : {}),
    inputTokens: record.usage.inputTokens,
    outputTokens: record.usage.outputTokens,
    ...(record.usage.estimated ? { tokensEstimated: true } : {}),
    costUsd: record.costUsd ?? null,
    ...(record.streamEnd !== undefined ? { streamEnd: record.streamEnd } : {}),
    ...(record.error !== undefined ? { error: record.error } : {}),
  };
}
