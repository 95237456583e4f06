/** The runner's JSON answer → a `CodeOutcome` (both modes answer in the same envelope). */
import type { CodeFailure, CodeOutcome, CodeRequest, MemoryOp, SandboxLimits, SandboxMode } from './types.js';

interface Envelope {
  ok: boolean;
  result?: unknown;
  error?: { kind: string; type?: string; message: string; line?: number | null; traceback?: string };
  stdout?: string;
  stderr?: string;
  memory?: MemoryOp[];
  duration_ms?: number;
}

/** The request as the runner reads it (`memory_enabled` and `node` by its own names). */
export function requestText(request: CodeRequest): string {
  return JSON.stringify({
    node: request.nodeId,
    code: request.code,
    inputs: request.inputs,
    memory: request.memory.enabled ? request.memory.values : {},
    memory_enabled: request.memory.enabled,
  });
}

const KIND_CODES: Record<string, CodeFailure['code']> = {
  memory: 'E_SANDBOX_MEMORY',
  violation: 'E_SANDBOX_VIOLATION',
};

export function outcomeFromEnvelope(
  text: string,
  mode: SandboxMode,
  limits: SandboxLimits,
  wallMs: number,
): CodeOutcome {
  const envelope = JSON.parse(text) as Envelope;
  const outcome: CodeOutcome = {
    ok: envelope.ok,
    stdout: envelope.stdout ?? '',
    stderr: envelope.stderr ?? '',
    memory: envelope.memory ?? [],
    durationMs: envelope.duration_ms ?? wallMs,
    mode,
    limits,
  };
  if (envelope.ok) outcome.result = envelope.result ?? null;
  else {
    const e = envelope.error ?? { kind: 'exception', message: 'the code failed' };
    const failure: CodeFailure = { code: KIND_CODES[e.kind] ?? 'E_CODE', message: e.message };
    if (e.type !== undefined) failure.type = e.type;
    if (typeof e.line === 'number') failure.line = e.line;
    if (e.traceback) failure.traceback = e.traceback;
    outcome.failure = failure;
  }
  return outcome;
}

/** An outcome for a call that never answered (a limit ended it, or the run was cancelled). */
export function failedOutcome(
  failure: CodeFailure,
  mode: SandboxMode,
  limits: SandboxLimits,
  durationMs: number,
  output: { stdout?: string; stderr?: string } = {},
): CodeOutcome {
  return {
    ok: false,
    failure,
    stdout: output.stdout ?? '',
    stderr: output.stderr ?? '',
    memory: [],
    durationMs,
    mode,
    limits,
  };
}

/** The outcome of a call stopped because its run was cancelled. */
export function cancelledOutcome(
  request: CodeRequest,
  mode: SandboxMode,
  limits: SandboxLimits,
  durationMs: number,
): CodeOutcome {
  return failedOutcome(
    {
      code: 'E_CANCELLED',
      message: `the code of node '${request.nodeId}' was stopped: the run was cancelled`,
    },
    mode,
    limits,
    durationMs,
  );
}
