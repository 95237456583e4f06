/**
 * The gateway's JSON log (pino): one line per chat request with everything an operator asks
 * about afterwards (route, chosen upstream, attempts, fallbacks, failovers, latency, tokens,
 * cost, key id), and the upstream keys and virtual keys scrubbed from every line.
 */
import { fstatSync, mkdirSync, openSync, renameSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
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
  /** Also append every line to this file (the container keeps it on its volume), rotated by size. */
  file?: string;
  /** Rotate the file past this many bytes, keeping one previous file (`<file>.1`). */
  fileMaxBytes?: number;
}): GatewayLogger {
  const redact = createRedactor({ env: options.env, secrets: options.secrets });
  // stdout through sonic-boom. The lines of one turn of the event loop go out as one write
  // (below); into a regular file that write is made at once (it waits on no reader, and an
  // asynchronous one costs a hand-off to the thread pool and back per write), into a pipe or a
  // terminal asynchronously, as a slow reader must not hold the gateway up.
  const boom =
    options.destination === undefined ? pino.destination({ dest: 1, sync: isRegularFile(1) }) : undefined;
  const sink: { write(text: string): unknown } =
    options.destination ?? (boom as { write(text: string): unknown });
  const file =
    options.file !== undefined && options.file !== ''
      ? rotatingFile(options.file, options.fileMaxBytes)
      : undefined;
  const out = (clean: string): void => {
    sink.write(clean);
    file?.write(clean);
  };
  // Lines of one turn of the event loop go out as one write (a line per request each written
  // on its own cost more than building it); a given destination (tests) gets each line as
  // it is made. What is pending is written at exit and by flush().
  let pending = '';
  const drain = (): void => {
    if (pending === '') return;
    const text = pending;
    pending = '';
    out(text);
  };
  const write =
    options.destination !== undefined
      ? (line: string): void => out(redact(line))
      : (line: string): void => {
          if (pending === '') setImmediate(drain);
          pending += redact(line);
        };
  const logger = pino(
    {
      level: options.level ?? 'info',
      base: { service: 'agentcrate-gateway' },
      redact: { paths: ['authorization', 'headers.authorization', 'apiKey'], censor: '[REDACTED]' },
    },
    { write },
  );
  const flush = (): void => {
    drain();
    for (const b of [boom, file?.boom]) {
      try {
        b?.flushSync();
      } catch {
        // nothing buffered, or the stream already closed
      }
    }
  };
  if (options.destination === undefined) process.once('exit', flush);
  return Object.assign(logger, { flush });
}

function isRegularFile(fd: number): boolean {
  try {
    return fstatSync(fd).isFile();
  } catch {
    return false;
  }
}

const DEFAULT_LOG_FILE_BYTES = 20 * 1024 * 1024;

/**
 * A log file that cannot fill its volume: past `maxBytes` it becomes `<file>.1` (replacing the
 * previous one) and a new file starts, so at most twice the limit is kept.
 */
function rotatingFile(path: string, maxBytes = DEFAULT_LOG_FILE_BYTES) {
  // Opened here, synchronously, so the first lines and an early flush find it ready; a regular
  // file, so written at once, like stdout into a file (above).
  const open = () => {
    mkdirSync(dirname(path), { recursive: true });
    return pino.destination({ dest: openSync(path, 'a'), sync: true });
  };
  const out = { boom: open(), write };
  let size = statSync(path).size;
  function write(line: string): void {
    out.boom.write(line);
    size += Buffer.byteLength(line);
    if (size < maxBytes) return;
    try {
      out.boom.flushSync();
      out.boom.end();
      renameSync(path, `${path}.1`);
      out.boom = open();
      size = 0;
    } catch {
      // rotation failed (a read-only or full volume): keep appending rather than lose lines
    }
  }
  return out;
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
