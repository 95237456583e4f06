/**
 * The tool seam: name → { input schema, run(args, ctx) }. The engine wraps each tool into
 * an AI SDK tool (events, `on_error`), so tools themselves know nothing of models.
 */
import type { z } from 'zod';
import type { Workflow } from '../config/types.js';
import type { NetworkAccess } from '../net/index.js';

export interface ToolContext {
  /** The run this call belongs to (`process` lets a run see only the programs it started). */
  runId: string;
  /** Working directory file tools resolve relative paths against. */
  cwd: string;
  /** Resolved real paths file tools are confined to (default: [cwd]). */
  allowedPaths: string[];
  /** Environment the tool may read (keys, base URL overrides). Never process.env directly. */
  env: Record<string, string | undefined>;
  /** Merged `tool_config` of the node and the tool's own `config`. */
  config: Record<string, unknown>;
  /**
   * What the host lets outbound requests reach (`--allow-private-network`, a resolver for
   * tests). Tools that fetch a URL an author or a model chose go through the guarded client
   * with it and the node's `allowed_hosts` (tools/http.ts), never through a bare fetch.
   */
  network: NetworkAccess;
  signal: AbortSignal;
}

export interface ToolDefinition {
  name: string;
  aliases: string[];
  description: string;
  inputSchema: z.ZodType;
  /** Env var sets this tool needs; each inner array is "any one of". */
  requiredEnv(config: Record<string, unknown>): string[][];
  /**
   * Problems with this tool's settings (`tool_config` merged with its `config`) that would make
   * every call fail, each saying which setting and how to fix it; checked before the run starts.
   */
  configProblems?(config: Record<string, unknown>): string[];
  run(args: unknown, ctx: ToolContext): Promise<unknown>;
}

/**
 * The engine's view of tools. Like `ModelClient`, everything the engine asks of tools before
 * and around a run is a method here, so the engine imports only this room's types.
 */
export interface ToolRegistry {
  /** Canonical name for a name or alias, or undefined. */
  canonical(name: string): string | undefined;
  get(name: string): ToolDefinition | undefined;
  names(): string[];
  /** Every credential the workflow's tools need that `env` lacks, as variable names. */
  missingCredentials(workflow: Workflow, env: Record<string, string | undefined>): ToolCredentialProblem[];
  /** Tool settings of the workflow that would make every call fail, naming node and setting. */
  configProblems(workflow: Workflow): ToolConfigProblem[];
  /** The real paths a node's tools are confined to (`allowed_paths`, `ALLOWED_PATHS`, else cwd). */
  allowedPaths(
    toolConfig: Record<string, unknown>,
    cwd: string,
    env: Record<string, string | undefined>,
  ): string[];
}

export interface ToolCredentialProblem {
  /** Node ids that use the tool with this unmet requirement. */
  nodes: string[];
  /** Canonical tool name. */
  tool: string;
  /** Any one of these variables would satisfy the requirement. */
  variables: string[];
  message: string;
}

export interface ToolConfigProblem {
  node: string;
  tool: string;
  message: string;
}
