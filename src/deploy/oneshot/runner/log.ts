/**
 * The runner's logs: one JSON object per line on stderr (stdout carries only results), every
 * line through the redactor. `AGENTCRATE_LOG_LEVEL` picks the level (error, warn, info, debug;
 * default info). A few lines per run, so no logging library is carried.
 */
import type { Redactor } from '../../../secrets/index.js';

const LEVELS = { error: 0, warn: 1, info: 2, debug: 3 } as const;
export type LogLevel = keyof typeof LEVELS;

export type Log = (level: LogLevel, msg: string, fields?: Record<string, unknown>) => void;

export function createLog(
  env: Record<string, string | undefined>,
  redact: Redactor,
  write: (line: string) => void = (line) => process.stderr.write(line),
): Log {
  const wanted = env.AGENTCRATE_LOG_LEVEL?.trim().toLowerCase() ?? 'info';
  const max = wanted in LEVELS ? LEVELS[wanted as LogLevel] : LEVELS.info;
  return (level, msg, fields) => {
    if (LEVELS[level] > max) return;
    const line = JSON.stringify({ level, time: Date.now(), msg, ...fields });
    write(`${redact(line)}\n`);
  };
}

/** The engine event lines worth a log: one per node start and end, model and tool call. */
export function describeEvent(
  event: { type: string } & Record<string, unknown>,
): { level: LogLevel; msg: string; fields: Record<string, unknown> } | undefined {
  switch (event.type) {
    case 'node-start':
      return { level: 'debug', msg: 'node started', fields: { node: event.nodeId } };
    case 'node-end':
      return {
        level: event.ok === true ? 'debug' : 'warn',
        msg: event.ok === true ? 'node finished' : 'node failed',
        fields: { node: event.nodeId, duration_ms: event.durationMs },
      };
    case 'model-call':
      return {
        level: event.ok === true ? 'debug' : 'warn',
        msg: event.ok === true ? 'model call' : 'model call failed',
        fields: {
          node: event.nodeId,
          model: `${String(event.provider)}/${String(event.model)}`,
          latency_ms: event.latencyMs,
          ...(event.ok === true ? {} : { error: event.error }),
        },
      };
    case 'tool-call':
      return {
        level: event.ok === true ? 'debug' : 'warn',
        msg: event.ok === true ? 'tool call' : 'tool call failed',
        fields: {
          node: event.nodeId,
          tool: event.tool,
          latency_ms: event.latencyMs,
          ...(event.ok === true ? {} : { error: event.error }),
        },
      };
    default:
      return undefined;
  }
}
