/**
 * The attributes of the spans under a node, one builder per event kind (GenAI semantic
 * conventions where they exist): what the run tracer puts on a model call, a tool call, a
 * code node's sandbox call and a memory write. Free text goes through the redactor and is cut
 * at MAX_TEXT.
 */
import type { Attributes } from '@opentelemetry/api';
import type { EngineEvent } from '../engine/types.js';
import { type Redactor, redactValue } from '../secrets/index.js';
import { ATTR } from './attributes.js';
import { estimateCost, type PriceTable } from './prices.js';

/** Longest text kept in one attribute; the rest is cut with a marker. */
const MAX_TEXT = 32 * 1024;

/** GenAI semconv provider names for the providers agentcrate knows. */
const GEN_AI_PROVIDER: Record<string, string> = {
  google: 'gcp.gemini',
  openai: 'openai',
  anthropic: 'anthropic',
  bedrock: 'aws.bedrock',
  ollama: 'ollama',
};

/** What the event annotation (annotate.ts) adds to a kept model-call event. */
interface PricedCall {
  costUsd?: number;
  costUnknown?: boolean;
}

export function clip(text: string): string {
  return text.length <= MAX_TEXT
    ? text
    : `${text.slice(0, MAX_TEXT)}… [truncated ${text.length - MAX_TEXT} chars]`;
}

function safeJson(value: unknown): string {
  try {
    return JSON.stringify(value) ?? 'null';
  } catch {
    return String(value);
  }
}

/** The call's cost: priced when it was made (that host's price table), else priced now; undefined when unknown. */
export function callCost(
  e: Extract<EngineEvent, { type: 'model-call' }>,
  prices: PriceTable,
): number | undefined {
  const priced = e as PricedCall;
  if (typeof priced.costUsd === 'number') return priced.costUsd;
  if (priced.costUnknown === true) return undefined;
  return estimateCost(e.provider, e.model, e, prices);
}

export function modelCallAttributes(
  e: Extract<EngineEvent, { type: 'model-call' }>,
  redact: Redactor,
): Attributes {
  const provider = GEN_AI_PROVIDER[e.provider] ?? e.provider;
  const attributes: Attributes = {
    [ATTR.genAiOperation]: 'chat',
    [ATTR.genAiSystem]: provider,
    [ATTR.genAiProvider]: provider,
    [ATTR.genAiRequestModel]: e.model,
    [ATTR.genAiResponseModel]: e.model,
    [ATTR.genAiInputTokens]: e.inputTokens,
    [ATTR.genAiOutputTokens]: e.outputTokens,
    [ATTR.genAiFinishReasons]: [e.finishReason],
    [ATTR.nodeId]: e.nodeId,
    [ATTR.modelAttempt]: e.attempt,
    [ATTR.modelTransportAttempts]: e.transportAttempts,
    'agentcrate.model.provider': e.provider,
  };
  if (e.parallelIndex !== undefined) attributes[ATTR.nodeParallelIndex] = e.parallelIndex;
  if (e.prompt !== undefined) {
    attributes[ATTR.genAiInputMessages] = clip(
      safeJson([{ role: 'user', parts: [{ type: 'text', content: redact(e.prompt) }] }]),
    );
  }
  if (e.response !== undefined) {
    attributes[ATTR.genAiOutputMessages] = clip(
      safeJson([
        {
          role: 'assistant',
          parts: [{ type: 'text', content: redact(e.response) }],
          finish_reason: e.finishReason,
        },
      ]),
    );
  }
  return attributes;
}

/** Arguments and result only when the trace shows them (`capture`), secret-named fields hidden whole. */
export function toolCallAttributes(
  e: Extract<EngineEvent, { type: 'tool-call' }>,
  redact: Redactor,
  capture: boolean,
): Attributes {
  const attributes: Attributes = {
    [ATTR.genAiOperation]: 'execute_tool',
    [ATTR.genAiToolName]: e.tool,
    [ATTR.nodeId]: e.nodeId,
  };
  if (e.parallelIndex !== undefined) attributes[ATTR.nodeParallelIndex] = e.parallelIndex;
  if (capture) {
    attributes[ATTR.genAiToolArgs] = clip(safeJson(redactValue(e.args, redact, { secretFields: true })));
    if (e.result !== undefined) {
      attributes[ATTR.genAiToolResult] = clip(
        safeJson(redactValue(e.result, redact, { secretFields: true })),
      );
    }
  }
  return attributes;
}

export function codeCallAttributes(
  e: Extract<EngineEvent, { type: 'code-call' }>,
  redact: Redactor,
): Attributes {
  const attributes: Attributes = {
    [ATTR.nodeId]: e.nodeId,
    [ATTR.codeMode]: e.mode,
    [ATTR.codeTimeoutMs]: e.limits.timeoutMs,
    [ATTR.codeMemoryBytes]: e.limits.memoryBytes,
  };
  if (e.parallelIndex !== undefined) attributes[ATTR.nodeParallelIndex] = e.parallelIndex;
  if (e.stdout !== '') attributes[ATTR.codeStdout] = clip(redact(e.stdout));
  if (e.stderr !== '') attributes[ATTR.codeStderr] = clip(redact(e.stderr));
  return attributes;
}

export function memoryWriteAttributes(
  e: Extract<EngineEvent, { type: 'memory-write' }>,
  redact: Redactor,
  capture: boolean,
): Attributes {
  const attributes: Attributes = {
    [ATTR.nodeId]: e.nodeId,
    [ATTR.memoryNamespace]: e.namespace,
    [ATTR.memoryOp]: e.op,
  };
  if (capture && e.value !== undefined)
    attributes[ATTR.memoryValue] = clip(safeJson(redactValue(e.value, redact)));
  return attributes;
}
