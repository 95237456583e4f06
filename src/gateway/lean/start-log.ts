/**
 * The log of the lean container entry until its serving part is loaded: the few lines of a
 * start (serving, configuration warnings, a refusal to start, shutdown) in the line format of
 * the gateway's pino log (level number, time, service, fields, msg: ../ops/log.ts), written
 * synchronously to stdout and the log file. pino itself (and the worker_threads it loads) comes
 * with the serving part, on the first request; an idle gateway does not hold it.
 */
import { appendFileSync, mkdirSync, writeSync } from 'node:fs';
import { dirname } from 'node:path';
import { createRedactor } from '../../secrets/index.js';
import type { GatewayLogger } from '../ops/log.js';

/** pino's level numbers. */
const LEVELS: Readonly<Record<string, number>> = {
  trace: 10,
  debug: 20,
  info: 30,
  warn: 40,
  error: 50,
  fatal: 60,
  silent: Number.POSITIVE_INFINITY,
};

/** The provider keys given to the gateway (`GATEWAY_<PROVIDER>_API_KEY`): never written to a log. */
export function gatewaySecrets(env: Record<string, string | undefined>): string[] {
  return Object.entries(env)
    .filter(([name, value]) => /^GATEWAY_.*_API_KEY$/.test(name) && value !== undefined && value !== '')
    .map(([, value]) => value as string);
}

export function startLogger(options: {
  level: string;
  env: Record<string, string | undefined>;
  secrets: readonly string[];
  /** Also append the lines to this file (the serving part's logger rotates it). */
  file?: string;
  /** Where lines go (tests); stdout by default. */
  write?: (line: string) => void;
}): GatewayLogger {
  const threshold = LEVELS[options.level] ?? LEVELS.info;
  const redact = createRedactor({ env: options.env, secrets: options.secrets });
  let fileReady = false;
  const out =
    options.write ??
    ((line: string): void => {
      writeSync(1, line);
      if (options.file === undefined || options.file === '') return;
      try {
        if (!fileReady) mkdirSync(dirname(options.file), { recursive: true });
        fileReady = true;
        appendFileSync(options.file, line);
      } catch {
        // an unwritable log file: the lines still reach stdout
      }
    });
  const line = (level: number, obj: object, msg?: string): void => {
    if (level < (threshold as number)) return;
    const fields = JSON.stringify(obj).slice(1, -1);
    const text = `{"level":${level},"time":${Date.now()},"service":"agentcrate-gateway"${fields === '' ? '' : `,${fields}`}${
      msg !== undefined ? `,"msg":${JSON.stringify(msg)}` : ''
    }}\n`;
    out(redact(text));
  };
  return {
    info: (obj, msg) => line(30, obj, msg),
    warn: (obj, msg) => line(40, obj, msg),
    error: (obj, msg) => line(50, obj, msg),
  };
}
