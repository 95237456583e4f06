/**
 * The one JSON result a run writes to stdout, in the shape of `agentcrate run --json` and the
 * server's answers: `{status, outputs, error, usage, duration_ms}`; batch lines add `index`.
 * Exit codes: 0 success, 1 the run failed, 2 the input (or the command line) was bad.
 */
import type { RunResult } from '../../../engine/types.js';
import { toAgentcrateError } from '../../../errors.js';
import { type Redactor, redactValue } from '../../../secrets/index.js';

export interface OneshotResult {
  status: 'success' | 'failed' | 'cancelled';
  outputs: Record<string, unknown> | null;
  error: { code: string; message: string; node?: string; details?: Record<string, unknown> } | null;
  usage: { input_tokens: number; output_tokens: number };
  duration_ms: number;
  dry_run?: true;
}

export const EXIT_SUCCESS = 0;
export const EXIT_FAILED = 1;
export const EXIT_BAD_INPUT = 2;

const BAD_INPUT_CODES = new Set(['E_INVALID_INPUT', 'E_USAGE']);

export function fromRunResult(result: RunResult, redact: Redactor): OneshotResult {
  const out: OneshotResult = {
    status: result.status,
    outputs: result.outputs,
    error:
      result.error === undefined
        ? null
        : {
            code: result.error.code,
            message: result.error.message,
            ...(result.error.nodeId !== undefined ? { node: result.error.nodeId } : {}),
            ...(result.error.details !== undefined ? { details: result.error.details } : {}),
          },
    usage: { input_tokens: result.usage.inputTokens, output_tokens: result.usage.outputTokens },
    duration_ms: Math.round(result.durationMs),
    ...(result.dryRun ? { dry_run: true as const } : {}),
  };
  return redactValue(out, redact) as OneshotResult;
}

/** A failure before the engine ran (unreadable input, a bad command line, a broken image). */
export function fromError(error: unknown, durationMs: number, redact: Redactor): OneshotResult {
  const e = toAgentcrateError(error);
  return redactValue(
    {
      status: 'failed',
      outputs: null,
      error: {
        code: e.code,
        message: e.message,
        ...(e.details !== undefined ? { details: e.details } : {}),
      },
      usage: { input_tokens: 0, output_tokens: 0 },
      duration_ms: Math.round(durationMs),
    },
    redact,
  ) as OneshotResult;
}

export function exitCodeOf(result: OneshotResult): number {
  if (result.status === 'success') return EXIT_SUCCESS;
  return result.error !== null && BAD_INPUT_CODES.has(result.error.code) ? EXIT_BAD_INPUT : EXIT_FAILED;
}
