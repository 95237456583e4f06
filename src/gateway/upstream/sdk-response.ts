/**
 * AI SDK provider answers (LanguageModelV3) → the OpenAI wire format: a generate result as a
 * `chat.completion`, stream parts as `chat.completion.chunk`s (text deltas, tool-call deltas
 * with stable indexes, the finish reason, then a usage chunk).
 */
import type {
  LanguageModelV3FinishReason,
  LanguageModelV3GenerateResult,
  LanguageModelV3StreamPart,
  LanguageModelV3Usage,
} from '@ai-sdk/provider';
import type { ChatChunk, ChatCompletion, ChunkChoice, ToolCall, WireUsage } from '../openai/types.js';
import { UpstreamError } from './errors.js';
import type { StreamItem } from './types.js';

export function finishReasonOf(reason: LanguageModelV3FinishReason | undefined): string {
  switch (reason?.unified) {
    case 'length':
      return 'length';
    case 'content-filter':
      return 'content_filter';
    case 'tool-calls':
      return 'tool_calls';
    default:
      return 'stop';
  }
}

export function wireUsage(usage: LanguageModelV3Usage | undefined): WireUsage {
  const prompt = usage?.inputTokens.total ?? 0;
  const completion = usage?.outputTokens.total ?? 0;
  return { prompt_tokens: prompt, completion_tokens: completion, total_tokens: prompt + completion };
}

export function toCompletion(
  result: LanguageModelV3GenerateResult,
  id: string,
  model: string,
): ChatCompletion {
  let text = '';
  const toolCalls: ToolCall[] = [];
  for (const part of result.content) {
    if (part.type === 'text') text += part.text;
    else if (part.type === 'tool-call') {
      toolCalls.push({
        id: part.toolCallId,
        type: 'function',
        function: { name: part.toolName, arguments: part.input },
      });
    }
  }
  return {
    id,
    object: 'chat.completion',
    created: Math.floor(Date.now() / 1000),
    model,
    choices: [
      {
        index: 0,
        message: {
          role: 'assistant',
          content: text === '' && toolCalls.length > 0 ? null : text,
          ...(toolCalls.length > 0 ? { tool_calls: toolCalls } : {}),
        },
        finish_reason: finishReasonOf(result.finishReason),
        logprobs: null,
      },
    ],
    usage: wireUsage(result.usage),
  };
}

export async function* chunksFromParts(
  parts: ReadableStream<LanguageModelV3StreamPart>,
  meta: { id: string; model: string; upstream: string },
  onData?: () => void,
): AsyncGenerator<StreamItem> {
  const created = Math.floor(Date.now() / 1000);
  const chunk = (choice: Partial<ChunkChoice> | undefined, usage?: WireUsage): StreamItem => {
    const out: ChatChunk = {
      id: meta.id,
      object: 'chat.completion.chunk',
      created,
      model: meta.model,
      choices: choice === undefined ? [] : [{ index: 0, delta: {}, finish_reason: null, ...choice }],
    };
    if (usage !== undefined) out.usage = usage;
    return { type: 'chunk', chunk: out };
  };
  const toolIndex = new Map<string, number>();
  let started = false;
  const reader = parts.getReader();
  try {
    for (;;) {
      const next = await reader.read();
      if (next.done) break;
      onData?.();
      const part = next.value;
      if (
        !started &&
        (part.type === 'text-delta' || part.type === 'tool-input-start' || part.type === 'tool-call')
      ) {
        started = true;
        yield chunk({ delta: { role: 'assistant', content: '' } });
      }
      switch (part.type) {
        case 'text-delta':
          if (part.delta !== '') yield chunk({ delta: { content: part.delta } });
          break;
        case 'tool-input-start': {
          const index = toolIndex.size;
          toolIndex.set(part.id, index);
          yield chunk({
            delta: {
              tool_calls: [
                { index, id: part.id, type: 'function', function: { name: part.toolName, arguments: '' } },
              ],
            },
          });
          break;
        }
        case 'tool-input-delta': {
          const index = toolIndex.get(part.id);
          if (index !== undefined && part.delta !== '') {
            yield chunk({ delta: { tool_calls: [{ index, function: { arguments: part.delta } }] } });
          }
          break;
        }
        case 'tool-call':
          // Providers that stream inputs announced the call already; others send it whole here.
          if (!toolIndex.has(part.toolCallId)) {
            const index = toolIndex.size;
            toolIndex.set(part.toolCallId, index);
            yield chunk({
              delta: {
                tool_calls: [
                  {
                    index,
                    id: part.toolCallId,
                    type: 'function',
                    function: { name: part.toolName, arguments: part.input },
                  },
                ],
              },
            });
          }
          break;
        case 'finish':
          if (!started) yield chunk({ delta: { role: 'assistant', content: '' } });
          yield chunk({ delta: {}, finish_reason: finishReasonOf(part.finishReason) });
          yield chunk(undefined, wireUsage(part.usage));
          yield { type: 'done' };
          return;
        case 'error':
          throw new UpstreamError(
            'closed',
            `upstream '${meta.upstream}' failed mid-stream: ${describe(part.error)}`,
            {
              cause: part.error,
            },
          );
        default:
          break;
      }
    }
    throw new UpstreamError('closed', `upstream '${meta.upstream}' ended the stream without a finish`);
  } finally {
    reader.cancel().catch(() => undefined);
    reader.releaseLock();
  }
}

function describe(error: unknown): string {
  if (error instanceof Error) return error.message;
  if (typeof error === 'string') return error;
  try {
    return JSON.stringify(error).slice(0, 300);
  } catch {
    return String(error);
  }
}
