/**
 * Span names and attribute keys, in one place so the tracer, the store summaries, the CLI and
 * the `/ui` page agree. GenAI keys follow the OpenTelemetry GenAI semantic conventions so
 * MLflow, Jaeger and Langfuse show them without mapping; `agentcrate.*` keys are ours.
 */
export const ATTR = {
  // GenAI semantic conventions
  genAiSystem: 'gen_ai.system',
  genAiProvider: 'gen_ai.provider.name',
  genAiOperation: 'gen_ai.operation.name',
  genAiRequestModel: 'gen_ai.request.model',
  genAiResponseModel: 'gen_ai.response.model',
  genAiInputTokens: 'gen_ai.usage.input_tokens',
  genAiOutputTokens: 'gen_ai.usage.output_tokens',
  genAiFinishReasons: 'gen_ai.response.finish_reasons',
  genAiInputMessages: 'gen_ai.input.messages',
  genAiOutputMessages: 'gen_ai.output.messages',
  genAiToolName: 'gen_ai.tool.name',
  genAiToolArgs: 'gen_ai.tool.call.arguments',
  genAiToolResult: 'gen_ai.tool.call.result',
  genAiAgentName: 'gen_ai.agent.name',
  errorType: 'error.type',
  // agentcrate
  workflow: 'agentcrate.workflow',
  jobId: 'agentcrate.job.id',
  runId: 'agentcrate.run.id',
  runStatus: 'agentcrate.run.status',
  runResumed: 'agentcrate.run.resumed',
  runDryRun: 'agentcrate.run.dry_run',
  runSteps: 'agentcrate.run.steps',
  spanKind: 'agentcrate.span.kind',
  nodeId: 'agentcrate.node.id',
  nodeStep: 'agentcrate.node.step',
  nodeIteration: 'agentcrate.node.iteration',
  nodeParallelIndex: 'agentcrate.node.parallel_index',
  modelAttempt: 'agentcrate.model.attempt',
  modelTransportAttempts: 'agentcrate.model.transport_attempts',
  costUsd: 'agentcrate.cost.usd',
  costUnknown: 'agentcrate.cost.unknown',
  /** Totals on the run span, so listing runs never needs every span. */
  totalInputTokens: 'agentcrate.usage.input_tokens',
  totalOutputTokens: 'agentcrate.usage.output_tokens',
  /** On spans of a run still going: they end "now" and will change. */
  inProgress: 'agentcrate.span.in_progress',
  /** Code nodes: the sandbox mode, what the code printed, its limits. */
  codeMode: 'agentcrate.code.mode',
  codeStdout: 'agentcrate.code.stdout',
  codeStderr: 'agentcrate.code.stderr',
  codeTimeoutMs: 'agentcrate.code.limit.timeout_ms',
  codeMemoryBytes: 'agentcrate.code.limit.memory_bytes',
  /** Memory writes: the entry's namespace, set or delete, and (with prompt capture) the value. */
  memoryNamespace: 'agentcrate.memory.namespace',
  memoryOp: 'agentcrate.memory.op',
  memoryValue: 'agentcrate.memory.value',
  errorCode: 'agentcrate.error.code',
  errorMessage: 'agentcrate.error.message',
} as const;

/** What a span stands for; stored as `agentcrate.span.kind` so readers need not parse names. */
export type SpanKindName = 'run' | 'node' | 'item' | 'model' | 'tool' | 'code' | 'memory';

export const TRACER_NAME = 'agentcrate';
