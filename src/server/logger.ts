/**
 * JSON logs through pino. Authorization headers and API keys are redacted by path, and any
 * secret-looking environment value (keys, tokens, passwords) is scrubbed from every log
 * line's text, so a provider error that echoes a key never reaches the log.
 */
import { pino } from 'pino';

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

const SECRET_NAME = /(KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIAL|AUTH)/i;

/** Values of secret-named variables (and the API keys) long enough to be worth scrubbing. */
export function secretValues(
  env: Record<string, string | undefined>,
  extra: readonly string[] = [],
): string[] {
  const values = new Set<string>();
  for (const [name, value] of Object.entries(env)) {
    if (value && value.length >= 8 && SECRET_NAME.test(name)) {
      for (const part of name === 'AGENTCRATE_API_KEYS' ? value.split(',') : [value]) {
        if (part.trim().length >= 8) values.add(part.trim());
      }
    }
  }
  for (const value of extra) if (value.length >= 8) values.add(value);
  // Longest first, so a key that contains another is replaced whole.
  return [...values].sort((a, b) => b.length - a.length);
}

export function scrub(text: string, secrets: readonly string[]): string {
  let out = text;
  for (const secret of secrets) if (out.includes(secret)) out = out.split(secret).join('[REDACTED]');
  return out;
}

export interface CreateLoggerOptions {
  level?: string;
  env?: Record<string, string | undefined>;
  apiKeys?: readonly string[];
  /** Where lines go (default stdout). */
  destination?: NodeJS.WritableStream;
}

export function createLogger(options: CreateLoggerOptions = {}): Logger {
  const secrets = secretValues(options.env ?? {}, options.apiKeys ?? []);
  const sink = options.destination ?? process.stdout;
  const stream = {
    write(line: string): void {
      sink.write(secrets.length > 0 ? scrub(line, secrets) : line);
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
        censor: '[REDACTED]',
      },
    },
    stream,
  );
}
