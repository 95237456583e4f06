/**
 * The engine's public types: its injected dependencies, its events and its result.
 * Every outer surface (CLI, server, traces) is built from `EngineEvent`s, so they are
 * the contract: add fields, never change the meaning of one.
 */
import type { Reachability } from '../config/graph.js';
import type { Edge, NodeDef, StateField, Workflow } from '../config/types.js';
import type { ModelClient, Usage } from '../models/types.js';
import type { NetworkAccess } from '../net/index.js';
import type { CodeFailure, CodeSandbox, SandboxMode } from '../sandbox/types.js';
import type { ToolRegistry } from '../tools/types.js';
import type { NextStep } from './routing.js';

export interface Clock {
  now(): number;
}

export interface EngineDeps {
  models: ModelClient;
  tools: ToolRegistry;
  /** Environment tools and credential checks read (defaults to process.env at the host). */
  env: Record<string, string | undefined>;
  /** Working directory for file tools' default `allowed_paths`. */
  cwd: string;
  /** What tools' outbound requests may reach beyond the public internet (default: nothing). */
  network?: NetworkAccess;
  clock?: Clock;
  newId?: () => string;
  /**
   * Awaited after each completed node, before the run goes on: a host that persists it can
   * resume an interrupted run from the last completed node. `final`: nothing is left to run and
   * the run ends right after it, so a host that stores the run's end in one write may store
   * this checkpoint only when the run does not end by itself (no one resumes a finished run).
   * `memory` holds the memory writes of the nodes this checkpoint completes: the host keeps
   * them in the same transaction as the checkpoint (or, for a final one it does not store, as
   * the run's end), so a crash leaves both or neither (a resumed node would otherwise write
   * twice). Without a checkpoint sink the engine writes them to `memory` itself.
   */
  checkpoint?: (
    checkpoint: Checkpoint,
    info: { final: boolean; memory: readonly MemoryChange[] },
  ) => Promise<void> | void;
  /** Runs code nodes; a workflow with code nodes cannot run without one. */
  sandbox?: CodeSandbox;
  /** Keeps memory across runs; a workflow whose nodes have memory cannot run without one. */
  memory?: MemoryBackend;
}

/** A memory part: agent, workflow (or `*`), node (or `*`). See engine/memory.ts. */
export interface MemoryScopeAddress {
  agent: string;
  workflow: string;
  node: string;
}

/** What the engine needs of a memory store (the job store's `memory` fits it). */
export interface MemoryBackend {
  list(options: MemoryScopeAddress & { limit: number; cursor?: string }): Promise<{
    entries: Array<{ key: string; value: unknown }>;
    nextCursor: string | null;
  }>;
  apply(changes: readonly MemoryChange[]): Promise<void>;
}

/** One memory write of a node, addressed to its scope. */
export type MemoryChange =
  | (MemoryScopeAddress & { op: 'set'; key: string; value: unknown; jobId?: string })
  | (MemoryScopeAddress & { op: 'delete'; key: string; jobId?: string });

/** Everything needed to resume a run after the last completed node. */
export interface Checkpoint {
  runId: string;
  /** How many node executions (a parallel map counts once) have completed. */
  step: number;
  state: Record<string, unknown>;
  /** Node ids that completed, in completion order (with repeats for loops). */
  completed: string[];
  /** Nodes that must (re)run on resume: queued or running when this was taken. */
  pending: Array<{ nodeId: string; arrivals: number }>;
  /** Parallel maps queued or running when this was taken (a running one starts over). */
  pendingMaps?: Array<{ edgeIndex: number; targetNode: string; itemsField: string; collectField: string }>;
  usage: Usage;
  /** Wall-clock ms spent before this checkpoint (so the run timeout survives a resume). */
  elapsedMs: number;
}

export interface ExecuteOptions {
  runId?: string;
  signal?: AbortSignal;
  /** Resume from this checkpoint instead of starting from `inputs`. */
  resume?: Checkpoint;
  onEvent?: (event: EngineEvent) => void;
  /** Overrides `config.execution.timeout_seconds` (ms). */
  timeoutMs?: number;
  /**
   * Put prompt and response text on `model-call` events for every node (a host flag such as
   * `serve --log-prompts`); otherwise only nodes/workflows with `log_prompts` do.
   */
  logPrompts?: boolean;
}

export interface RunError {
  code: string;
  message: string;
  nodeId?: string;
  details?: Record<string, unknown>;
}

export type RunStatus = 'success' | 'failed' | 'cancelled';

export interface RunResult {
  runId: string;
  status: RunStatus;
  /** The final state (every field). */
  state: Record<string, unknown>;
  /** The final state minus loop/parallel bookkeeping (what users get as `outputs`). */
  outputs: Record<string, unknown>;
  error?: RunError;
  usage: Usage;
  durationMs: number;
  steps: number;
  dryRun: boolean;
}

interface EventBase {
  runId: string;
  /** ms since epoch, from the injected clock. */
  at: number;
}

export type EngineEvent =
  | (EventBase & {
      type: 'run-start';
      workflow: string;
      inputs: Record<string, unknown>;
      resumed: boolean;
      dryRun: boolean;
    })
  | (EventBase & {
      type: 'node-start';
      nodeId: string;
      step: number;
      /** 1-based: how many times this node has started in this run, including this one. */
      iteration: number;
      parallelIndex?: number;
    })
  | (EventBase & {
      type: 'model-call';
      nodeId: string;
      provider: string;
      model: string;
      /** Output-validation attempt (1 = first answer, 2 = after feedback, ...). */
      attempt: number;
      transportAttempts: number;
      inputTokens: number;
      outputTokens: number;
      latencyMs: number;
      finishReason: string;
      ok: boolean;
      error?: string;
      parallelIndex?: number;
      prompt?: string;
      response?: string;
    })
  | (EventBase & {
      type: 'tool-call';
      nodeId: string;
      tool: string;
      args: unknown;
      ok: boolean;
      latencyMs: number;
      result?: unknown;
      error?: string;
      parallelIndex?: number;
    })
  | (EventBase & {
      type: 'code-call';
      nodeId: string;
      mode: SandboxMode;
      ok: boolean;
      /** Time the code ran (the interpreter's own measure when it answered). */
      durationMs: number;
      stdout: string;
      stderr: string;
      limits: { timeoutMs: number; memoryBytes: number; cpus: number };
      error?: CodeFailure;
      parallelIndex?: number;
    })
  | (EventBase & {
      type: 'memory-write';
      nodeId: string;
      op: 'set' | 'delete';
      key: string;
      /** `{agent}:{workflow}:{node}:{key}`. */
      namespace: string;
      scope: 'agent' | 'workflow' | 'node';
      value?: unknown;
      parallelIndex?: number;
    })
  | (EventBase & {
      type: 'node-end';
      nodeId: string;
      step: number;
      iteration: number;
      ok: boolean;
      durationMs: number;
      /** Values this node wrote to state. */
      writes?: Record<string, unknown>;
      error?: RunError;
      parallelIndex?: number;
    })
  | (EventBase & { type: 'checkpoint'; checkpoint: Checkpoint })
  | (EventBase & {
      type: 'run-end';
      status: RunStatus;
      outputs: Record<string, unknown>;
      error?: RunError;
      usage: Usage;
      durationMs: number;
      steps: number;
    });

export type EngineEventType = EngineEvent['type'];

/** Compiled, immutable plan: built once per workflow, executed many times. */
export interface Plan {
  workflow: Workflow;
  nodes: ReadonlyMap<string, NodeDef>;
  /** State field name → definition. */
  fields: ReadonlyMap<string, StateField>;
  /** Outgoing edges per source (`START` included), in file order. */
  outgoing: ReadonlyMap<string, readonly Edge[]>;
  /** Which node can still lead to which (every edge form), for join decisions. */
  reachability: Reachability;
  /** Parallel edges by target node, so a target run knows its items and collector. */
  parallelTargets: ReadonlySet<string>;
  /** JSON Schema of each node's answer, built once. */
  outputSchemas: ReadonlyMap<string, Record<string, unknown>>;
  /** Each node's loop counter key in the state (`_loop_iteration_<id>`). */
  counterKeys: ReadonlyMap<string, string>;
  /** Every node's loop counter at 0: where each run's state starts. */
  zeroCounters: Readonly<Record<string, number>>;
  /** Where a node with one plain edge to one node goes, the same in every run (routing.ts). */
  fixedNext: ReadonlyMap<string, NextStep>;
}
