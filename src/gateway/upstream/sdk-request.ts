/**
 * An OpenAI chat request → the AI SDK's provider call options (LanguageModelV3), so Anthropic,
 * Google, Bedrock and Ollama upstreams are reached through the same provider packages the
 * engine uses. Images stay URLs or inline data: the gateway never downloads what a client
 * points at.
 */
import type { LanguageModelV3CallOptions, LanguageModelV3Message } from '@ai-sdk/provider';
import type { ChatMessage, ChatRequest, ContentPart } from '../openai/types.js';
import { UpstreamError } from './errors.js';

type UserPart = Extract<LanguageModelV3Message, { role: 'user' }>['content'][number];
type AssistantPart = Extract<LanguageModelV3Message, { role: 'assistant' }>['content'][number];

const bad = (message: string): UpstreamError =>
  new UpstreamError('status', message, {
    status: 400,
    body: JSON.stringify({
      error: { message, type: 'invalid_request_error', code: 'unsupported_parameter' },
    }),
    contentType: 'application/json',
  });

export function toCallOptions(body: ChatRequest, signal: AbortSignal): LanguageModelV3CallOptions {
  if (typeof body.n === 'number' && body.n > 1) {
    throw bad('n > 1 is only supported by openai and openai-compatible upstreams');
  }
  const options: LanguageModelV3CallOptions = { prompt: toPrompt(body.messages), abortSignal: signal };
  const maxTokens = body.max_completion_tokens ?? body.max_tokens;
  if (typeof maxTokens === 'number') options.maxOutputTokens = maxTokens;
  if (typeof body.temperature === 'number') options.temperature = body.temperature;
  if (typeof body.top_p === 'number') options.topP = body.top_p;
  if (typeof body.presence_penalty === 'number') options.presencePenalty = body.presence_penalty;
  if (typeof body.frequency_penalty === 'number') options.frequencyPenalty = body.frequency_penalty;
  if (typeof body.seed === 'number') options.seed = body.seed;
  if (typeof body.stop === 'string') options.stopSequences = [body.stop];
  else if (Array.isArray(body.stop)) options.stopSequences = body.stop;
  const format = body.response_format;
  if (format?.type === 'json_object') options.responseFormat = { type: 'json' };
  else if (format?.type === 'json_schema') {
    const spec = format.json_schema;
    options.responseFormat = {
      type: 'json',
      ...(spec?.schema !== undefined ? { schema: spec.schema as never } : {}),
      ...(spec?.name !== undefined ? { name: spec.name } : {}),
      ...(spec?.description !== undefined ? { description: spec.description } : {}),
    };
  }
  if (Array.isArray(body.tools) && body.tools.length > 0) {
    options.tools = body.tools.map((tool) => ({
      type: 'function' as const,
      name: tool.function.name,
      ...(tool.function.description !== undefined ? { description: tool.function.description } : {}),
      inputSchema: (tool.function.parameters ?? { type: 'object', properties: {} }) as never,
      ...(tool.function.strict !== undefined ? { strict: tool.function.strict } : {}),
    }));
    const choice = body.tool_choice;
    if (choice === 'none' || choice === 'auto' || choice === 'required')
      options.toolChoice = { type: choice };
    else if (choice !== undefined && typeof choice === 'object') {
      options.toolChoice = { type: 'tool', toolName: choice.function.name };
    }
  }
  return options;
}

function toPrompt(messages: ChatMessage[]): LanguageModelV3Message[] {
  if (!Array.isArray(messages) || messages.length === 0) throw bad('messages must be a non-empty list');
  const toolNames = new Map<string, string>();
  const prompt: LanguageModelV3Message[] = [];
  for (const message of messages) {
    switch (message.role) {
      case 'system':
      case 'developer':
        prompt.push({ role: 'system', content: textOf(message.content) });
        break;
      case 'user':
        prompt.push({ role: 'user', content: userParts(message.content) });
        break;
      case 'assistant': {
        const content: AssistantPart[] = [];
        const text = textOf(message.content);
        if (text !== '') content.push({ type: 'text', text });
        for (const call of message.tool_calls ?? []) {
          toolNames.set(call.id, call.function.name);
          content.push({
            type: 'tool-call',
            toolCallId: call.id,
            toolName: call.function.name,
            input: parseArguments(call.function.arguments),
          });
        }
        prompt.push({ role: 'assistant', content });
        break;
      }
      case 'tool': {
        const id = message.tool_call_id ?? '';
        prompt.push({
          role: 'tool',
          content: [
            {
              type: 'tool-result',
              toolCallId: id,
              toolName: toolNames.get(id) ?? message.name ?? 'tool',
              output: { type: 'text', value: textOf(message.content) },
            },
          ],
        });
        break;
      }
      default:
        throw bad(`unsupported message role '${String(message.role)}'`);
    }
  }
  return prompt;
}

function textOf(content: ChatMessage['content']): string {
  if (typeof content === 'string') return content;
  if (!Array.isArray(content)) return '';
  return content
    .filter(
      (part): part is { type: 'text'; text: string } => part.type === 'text' && typeof part.text === 'string',
    )
    .map((part) => part.text)
    .join('');
}

function userParts(content: ChatMessage['content']): UserPart[] {
  if (typeof content === 'string') return [{ type: 'text', text: content }];
  if (!Array.isArray(content)) return [{ type: 'text', text: '' }];
  return content.map((part: ContentPart): UserPart => {
    if (part.type === 'text') return { type: 'text', text: String((part as { text: unknown }).text ?? '') };
    if (part.type === 'image_url') {
      const url = String((part as { image_url?: { url?: unknown } }).image_url?.url ?? '');
      const inline = /^data:([^;,]+);base64,(.*)$/s.exec(url);
      if (inline !== null) return { type: 'file', mediaType: inline[1] as string, data: inline[2] as string };
      try {
        return { type: 'file', mediaType: 'image/*', data: new URL(url) };
      } catch {
        throw bad('image_url.url must be an http(s) URL or a base64 data URL');
      }
    }
    throw bad(`unsupported content part type '${String(part.type)}'`);
  });
}

function parseArguments(text: string): unknown {
  try {
    return JSON.parse(text);
  } catch {
    return text;
  }
}
