/**
 * JSON logs through pino. Authorization headers and API keys are redacted by path, and every
 * line's text goes through the one redactor (secrets/redact.ts: credential values from the
 * environment, the API keys, URL passwords, token shapes), so a provider error that echoes a
 * key never reaches the log.
 */
import { pino } from 'pino';
import { createRedactor, REDACTED } from '../secrets/index.js';

/** The subset of pino's logger the server uses, so tests can pass a silent or recording one. */
export interface Logger {
  debug(obj: object, msg?: string): void;
  info(obj: object, msg?: string): void;
  warn(obj: object, msg?: string): void;
  error(obj: object, msg?: string): void;
  isLevelEnabled?(level: string): boolean;
}

export const silentLogger: Logger = {
  debug: () => undefined,
  info: () => undefined,
  warn: () => undefined,
  error: () => undefined,
  isLevelEnabled: () => false,
};

export interface CreateLoggerOptions {
  level?: string;
  env?: Record<string, string | undefined>;
  apiKeys?: readonly string[];
  /** Where lines go (default stdout). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const redact = createRedactor({ env: options.env ?? {}, secrets: options.apiKeys ?? [] });
  const sink = options.destination ?? process.stdout;
  const stream = {
    write(line: string): void {
      sink.write(redact(line));
    },
  };
  return pino(
    {
      level: options.level ?? 'info',
      base: { service: 'agentcrate' },
      redact: {
        paths: [
          'req.headers.authorization',
          'req.headers["x-api-key"]',
          'headers.authorization',
          'headers["x-api-key"]',
          'authorization',
          'apiKeys',
        ],
        censor: REDACTED,
      },
    },
    stream,
  );
}
