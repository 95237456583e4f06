/**
 * The `CodeSandbox` seam: how a code node's Python runs, behind one interface so the engine
 * never knows whether it ran in WebAssembly in a worker thread or in a throw-away container.
 * The engine imports only these types; the host (CLI, server) injects an implementation
 * through `EngineDeps.sandbox`, as it does the model client and the tool registry.
 */

export type SandboxMode = 'python' | 'docker';
export type SandboxPreset = 'low' | 'medium' | 'high' | 'max';

/** A node's `sandbox:` block as the workflow states it (config fills the defaults). */
export interface SandboxSettings {
  mode: SandboxMode;
  /** `false` is accepted for compatibility, but code always runs sandboxed. */
  enabled: boolean;
  /** Network for the code (docker mode only; python mode never has any). */
  network: boolean;
  preset: SandboxPreset;
  /** Seconds; overrides the preset's. */
  timeout?: number;
  /** `resources:` overrides: cpu (cores), memory ("256m", "1g" or bytes), timeout (seconds). */
  resources?: { cpu?: number; memory?: string | number; timeout?: number };
}

/** The limits a call runs under, resolved from the preset and the overrides. */
export interface SandboxLimits {
  timeoutMs: number;
  memoryBytes: number;
  /** CPU cores (docker mode). */
  cpus: number;
  /** Processes and threads (docker mode). */
  pids: number;
}

export interface CodeRequest {
  /** The node id, for messages. */
  nodeId: string;
  code: string;
  /** The node's `inputs:`, typed values (the code reads them as the `inputs` dict). */
  inputs: Record<string, unknown>;
  /** The `memory` object: enabled or not, and the values visible in the node's scope. */
  memory: { enabled: boolean; values: Record<string, unknown> };
  settings: SandboxSettings;
  signal?: AbortSignal;
}

/** A change the code made through `memory.write` / `memory.delete`, in call order. */
export type MemoryOp = { op: 'set'; key: string; value: unknown } | { op: 'delete'; key: string };

/**
 * Why a call failed: `code` is the error code the node fails with.
 * - E_CODE: the code raised (or has a syntax error, or its `result` is not JSON)
 * - E_SANDBOX_TIMEOUT / E_SANDBOX_MEMORY: a limit was hit and the interpreter was ended
 * - E_SANDBOX_VIOLATION: the code tried something the sandbox forbids (network, a module
 *   outside the standard library)
 */
export interface CodeFailure {
  code: 'E_CODE' | 'E_SANDBOX_TIMEOUT' | 'E_SANDBOX_MEMORY' | 'E_SANDBOX_VIOLATION' | 'E_CANCELLED';
  message: string;
  /** The Python exception's class, when there is one. */
  type?: string;
  /** 1-based line in the node's code, when known. */
  line?: number;
  traceback?: string;
}

export interface CodeOutcome {
  ok: boolean;
  /** The code's `result` variable (JSON), when ok. */
  result?: unknown;
  failure?: CodeFailure;
  stdout: string;
  stderr: string;
  /** Memory changes to store; only applied by the engine when the node succeeds. */
  memory: MemoryOp[];
  durationMs: number;
  mode: SandboxMode;
  limits: SandboxLimits;
}

export interface CodeSandbox {
  /**
   * Runs one call. Resolves with an outcome for everything the code did (including limits
   * hit); rejects only when the sandbox itself cannot run (E_SANDBOX_UNAVAILABLE: no Docker
   * engine, no image, the interpreter failed to load).
   */
  run(request: CodeRequest): Promise<CodeOutcome>;
  /** Ends workers and forgets clients; idempotent. */
  close(): Promise<void>;
}
