/**
 * The model seam. The engine asks a `ModelClient` for one structured answer per node
 * attempt; the client owns provider selection (AI SDK), credentials, transport retries
 * and the tool loop. Dry-run is just another client whose model answers placeholders.
 */
import type { LanguageModel, ModelMessage, Tool } from 'ai';
import type { LlmSettings, Workflow } from '../config/types.js';

/** Settings after merging node `llm` over `config.llm`, provider defaults and overrides. */
export interface ResolvedLlm {
  provider: string;
  model: string;
  temperature?: number;
  maxTokens?: number;
  baseURL?: string;
}

/** Whole-run override (`AGENTCRATE_LLM_*` or `--provider/--model/--base-url`). */
export interface LlmOverride {
  provider?: string;
  model?: string;
  baseURL?: string;
}

export interface Usage {
  inputTokens: number;
  outputTokens: number;
}

export interface ModelRequest {
  nodeId: string;
  llm: ResolvedLlm;
  system?: string;
  messages: ModelMessage[];
  /** JSON Schema (draft 2020-12 subset) of the object the model must return. */
  outputSchema: Record<string, unknown>;
  /** AI SDK tools with `execute`, already wrapped by the engine for events/on_error. */
  tools: Record<string, Tool>;
  /** Tool-loop step limit for this node. */
  maxToolSteps: number;
  /** Transport retries on retryable errors (429, 5xx, timeouts, resets). */
  maxRetries: number;
  signal: AbortSignal;
}

export interface ModelResponse {
  /**
   * The parsed JSON object the model returned (not yet validated against state types);
   * `undefined` when the answer was not JSON for the schema — then `parseError` says why,
   * and the engine feeds that back to the model (it is not a transport error).
   */
  output: unknown;
  parseError?: string;
  /** Raw text of the final answer, for error messages. */
  text: string;
  usage: Usage;
  finishReason: string;
  latencyMs: number;
  /** How many transport attempts were made (1 = no retry). */
  attempts: number;
  provider: string;
  model: string;
}

export interface ModelClient {
  /** Merge node settings over workflow settings, provider defaults and the override. */
  resolve(workflowLlm: Workflow['config']['llm'], nodeLlm: LlmSettings): ResolvedLlm;
  generate(request: ModelRequest): Promise<ModelResponse>;
  /** Every credential the workflow needs that the environment lacks, as env var names. */
  missingCredentials(workflow: Workflow): CredentialProblem[];
  /** True when answers are placeholders (dry-run). */
  readonly dryRun: boolean;
}

export interface CredentialProblem {
  /** Which node(s) need it. */
  nodes: string[];
  provider: string;
  /** Env variables, any one of which satisfies the need. */
  variables: string[];
  message: string;
}

/** Builds an AI SDK model for resolved settings. Injected so tests can swap transports. */
export type LanguageModelFactory = (llm: ResolvedLlm) => LanguageModel;
