/**
 * The typed, normalised workflow that every other room works from. The loader turns a
 * configurable-agents YAML/JSON file into this shape once: every edge form becomes one
 * `Edge` union, type strings become `TypeNode` trees, templates and conditions are parsed
 * with their positions. Nothing downstream re-reads raw YAML.
 */

/** 1-based line and column in the source file. */
export interface Position {
  line: number;
  column: number;
}

// ---------------------------------------------------------------- type grammar

export type TypeNode =
  | { kind: 'str' }
  | { kind: 'int' }
  | { kind: 'float' }
  | { kind: 'bool' }
  /** `list` alone has `items: null` (any element). */
  | { kind: 'list'; items: TypeNode | null }
  /** `dict` alone has `key`/`value` null (any). Keys are always strings in JSON. */
  | { kind: 'dict'; key: TypeNode | null; value: TypeNode | null }
  | { kind: 'object'; fields: ObjectField[] }
  /** Untyped value (used for `object` without a schema on inert nodes, and internally). */
  | { kind: 'any' };

export interface ObjectField {
  name: string;
  type: TypeNode;
  description?: string;
  /** Properties of an object output are all required in model answers. */
  required: boolean;
}

// ---------------------------------------------------------------- templates

export type TemplatePart =
  | { kind: 'text'; text: string }
  /**
   * `{a.b.c}` → path ['a','b','c']; `{state.x}` keeps 'state' as path[0] so the renderer
   * knows to skip node inputs. `offset` is the character offset of `{` in the source.
   */
  | { kind: 'ref'; path: string[]; raw: string; offset: number };

export interface Template {
  source: string;
  parts: TemplatePart[];
  /** Where the template string starts in the file, when known. */
  pos?: Position;
}

// ---------------------------------------------------------------- conditions

export type CompareOp = '==' | '!=' | '<' | '<=' | '>' | '>=' | 'in' | 'not in';

export type Expr =
  | { kind: 'literal'; value: unknown }
  /**
   * A reference into state. `state.a.b` and `{state.a.b}` → path ['a','b'];
   * `_loop_iteration_review` → path ['_loop_iteration_review'].
   */
  | { kind: 'ref'; path: string[]; column: number }
  | { kind: 'list'; items: Expr[] }
  | { kind: 'not'; operand: Expr }
  | { kind: 'and' | 'or'; left: Expr; right: Expr }
  | { kind: 'compare'; op: CompareOp; left: Expr; right: Expr };

export interface Condition {
  source: string;
  expr: Expr;
  pos?: Position;
}

// ---------------------------------------------------------------- models

export interface LlmSettings {
  provider?: string;
  model?: string;
  temperature?: number;
  max_tokens?: number;
  api_base?: string;
}

export interface LlmConfig extends LlmSettings {
  /** `config.llm.providers.<provider>`: per-provider defaults. */
  providers?: Record<string, LlmSettings>;
}

// ---------------------------------------------------------------- nodes

export interface StateField {
  name: string;
  type: TypeNode;
  /** The type as written, for messages and docs. */
  typeText: string;
  required: boolean;
  /** True when the YAML gave a `default` key (even `null`). */
  hasDefault: boolean;
  default: unknown;
  description?: string;
  pos?: Position;
}

export type OutputSchema =
  /** `{type: <simple>}`: the model returns one value, written to `outputs[0]`. */
  | { kind: 'single'; type: TypeNode; description?: string }
  /** `{type: object, fields: [...]}`: one property per output field. */
  | { kind: 'object'; fields: Array<{ name: string; type: TypeNode; description?: string }> };

export interface NodeTool {
  /** The name as written in the workflow (may be an alias). */
  name: string;
  /** The registry's canonical name (aliases resolved). */
  canonical: string;
  onError: 'fail' | 'continue';
  config: Record<string, unknown>;
}

export type MemoryScope = 'agent' | 'workflow' | 'node';

/** `memory:` of a node over `config.memory`: whether the node has memory, and in which scope. */
export interface MemorySettings {
  enabled: boolean;
  scope: MemoryScope;
}

/** A node's `sandbox:` block with its defaults filled in. */
export interface CodeSandboxConfig {
  mode: 'python' | 'docker';
  /** `false` is accepted for compatibility; code always runs sandboxed (a warning says so). */
  enabled: boolean;
  /** Docker mode only: `--network none` unless true. */
  network: boolean;
  preset: 'low' | 'medium' | 'high' | 'max';
  /** Seconds; overrides the preset's and `resources.timeout`. */
  timeout?: number;
  /** `resources:` overrides; memory in bytes. */
  resources?: { cpu?: number; memory?: number; timeout?: number };
}

/** A code node's Python: its `result` variable becomes the node's output. */
export interface CodeSpec {
  source: string;
  sandbox: CodeSandboxConfig;
  pos?: Position;
}

export interface NodeDef {
  id: string;
  index: number;
  /** A display name (configurable-agents files carry one); edges and traces use the id. */
  name?: string;
  description?: string;
  prompt: Template;
  /** Local name → template, rendered before the prompt. */
  inputs: Array<{ name: string; template: Template }>;
  outputs: string[];
  outputSchema: OutputSchema;
  tools: NodeTool[];
  toolConfig: Record<string, unknown>;
  /** Per-node override of `config.llm`, as written (merged later, key by key). */
  llm: LlmSettings;
  /**
   * Features the format accepts but agentcrate cannot run. A node that uses a feature which
   * changes what it computes cannot run: the engine stops before the run naming the node and
   * the feature. (Empty today: `code` and `sandbox` run.)
   */
  unsupported: string[];
  /** Present on a code node: its Python runs in the sandbox instead of a model call. */
  code?: CodeSpec;
  /** Resolved from the node's `memory:` over `config.memory`; absent means no memory. */
  memory?: MemorySettings;
  logPrompts: boolean;
  pos?: Position;
}

// ---------------------------------------------------------------- edges

/** One normalised edge. `index` is its position in `edges:` for messages. */
export type Edge =
  /** Forms 1–3: `to: X`, `to: [A, B]`, `to: X` + `condition:`. */
  | { kind: 'direct'; index: number; from: string; to: string[]; condition?: Condition; pos?: Position }
  /** Form 4: ordered routes; `condition: null` is the default route. */
  | {
      kind: 'routes';
      index: number;
      from: string;
      routes: Array<{ condition: Condition | null; to: string }>;
      pos?: Position;
    }
  /** Form 5. */
  | {
      kind: 'loop';
      index: number;
      from: string;
      conditionField: string;
      maxIterations: number;
      exitTo: string;
      pos?: Position;
    }
  /** Form 6: after `from`, run `targetNode` once per item; then continue with its edges. */
  | {
      kind: 'parallel';
      index: number;
      from: string;
      itemsField: string;
      targetNode: string;
      collectField: string;
      pos?: Position;
    };

export const START = 'START';
export const END = 'END';

// ---------------------------------------------------------------- workflow

export interface ExecutionConfig {
  /** Whole-run timeout in seconds (default 120). */
  timeoutSeconds: number;
  /** Extra attempts per LLM call (default 3; 0 → one attempt). */
  maxRetries: number;
  /** Step limit (default 100). */
  maxSteps: number;
  /** Concurrency bound for `parallel` maps (default 8). */
  maxParallel: number;
  /** Tool-loop step limit per node (default 10). */
  maxToolSteps: number;
}

export interface ObservabilityConfig {
  logPrompts: boolean;
  mlflow?: { enabled: boolean; trackingUri?: string; experimentName?: string };
  /** Price overrides in USD per million tokens, keyed by model (or provider/model). */
  prices?: Record<string, { input: number; output: number }>;
}

export interface Workflow {
  schemaVersion: '1.0';
  flow: { name: string; description?: string; version?: string };
  state: StateField[];
  nodes: NodeDef[];
  edges: Edge[];
  config: {
    llm: LlmConfig;
    execution: ExecutionConfig;
    observability: ObservabilityConfig;
    /** `config.memory`: the default of every node's `memory:`. */
    memory?: MemorySettings;
    /** Anything else under `config` (storage, ...) kept as written. */
    extra: Record<string, unknown>;
  };
  /** Absolute path of the file, when loaded from disk. */
  file?: string;
  /** The source text, kept so deploy can bake the exact file into an image. */
  source: string;
}

// ---------------------------------------------------------------- diagnostics

export interface Diagnostic {
  severity: 'error' | 'warning';
  /** Stable machine code, e.g. `unknown-node`. */
  code: string;
  /** Path into the document, e.g. `edges[3].to` or `nodes[2].outputs[0]`. */
  path: string;
  message: string;
  /** "did you mean" candidate, when a name is close. */
  suggestion?: string;
  file?: string;
  line?: number;
  column?: number;
}

export interface LoadResult {
  /** Present when there are no errors (warnings allowed). */
  workflow?: Workflow;
  diagnostics: Diagnostic[];
  file?: string;
}
