/**
 * OpenAI and OpenAI-compatible upstreams, proxied with minimal parsing: the request body is
 * the client's (model replaced), sent over a keep-alive undici pool; a non-streaming answer is
 * parsed once for its usage and forwarded as the upstream wrote it; a stream is parsed chunk
 * by chunk (failover needs to know what was said) and forwarded chunk by chunk.
 */
import { Pool } from 'undici';
import type { UpstreamConfig } from '../config/types.js';
import { parseChatStream } from '../openai/sse.js';
import type { ChatCompletion } from '../openai/types.js';
import { classify, retryAfterFromHeaders, UpstreamError } from './errors.js';
import type { AttemptInput, CompleteResult, StreamItem, Upstream } from './types.js';

/** Bodies of error answers kept for the client (an HTML error page can be large). */
const MAX_ERROR_BODY = 64 * 1024;

export function createProxyUpstream(config: UpstreamConfig): Upstream {
  if (config.baseURL === undefined) {
    throw new Error(`upstream '${config.name}' has no base URL`);
  }
  const url = new URL(config.baseURL);
  const path = `${url.pathname.replace(/\/+$/, '')}/chat/completions`;
  const pool = new Pool(url.origin, {
    connections: config.maxConnections,
    connect: { timeout: config.timeouts.connectMs },
    // The gateway's own timers (first token, idle, total) decide; undici's would race them.
    headersTimeout: 0,
    bodyTimeout: 0,
    keepAliveTimeout: 30_000,
  });
  const baseHeaders: Record<string, string> = {
    'content-type': 'application/json',
    ...config.headers,
    ...(config.apiKey !== undefined ? { authorization: `Bearer ${config.apiKey}` } : {}),
  };

  async function send(input: AttemptInput, stream: boolean) {
    const body = stream
      ? {
          ...input.body,
          stream: true,
          // Usage is always asked for: keys' token limits and budgets need it.
          stream_options: { ...(input.body.stream_options ?? {}), include_usage: true },
        }
      : { ...input.body, stream: false };
    let response: Awaited<ReturnType<Pool['request']>>;
    try {
      response = await pool.request({
        path,
        method: 'POST',
        headers: {
          ...baseHeaders,
          accept: stream ? 'text/event-stream' : 'application/json',
          'x-request-id': input.requestId,
        },
        body: JSON.stringify(body),
        signal: input.signal,
      });
    } catch (error) {
      throw classify(error, input.signal, config.name, false);
    }
    input.onHeaders?.();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const text = await readLimited(response.body, input.signal, config.name).catch(() => '');
      const headers = response.headers;
      const header = (name: string): string | undefined => {
        const value = headers[name];
        return Array.isArray(value) ? value[0] : value;
      };
      const retryAfterMs = retryAfterFromHeaders({
        'retry-after': header('retry-after'),
        'retry-after-ms': header('retry-after-ms'),
      });
      throw new UpstreamError(
        'status',
        `upstream '${config.name}' answered ${response.statusCode}${describeBody(text)}`,
        {
          status: response.statusCode,
          ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
          body: text,
          contentType: header('content-type') ?? 'application/json',
        },
      );
    }
    return response;
  }

  return {
    config,
    async complete(input): Promise<CompleteResult> {
      const response = await send(input, false);
      let bytes: Buffer;
      try {
        bytes = await readAll(response.body, input.onData);
      } catch (error) {
        throw classify(error, input.signal, config.name, true);
      }
      let parsed: ChatCompletion;
      try {
        parsed = JSON.parse(bytes.toString('utf8')) as ChatCompletion;
      } catch (error) {
        throw new UpstreamError(
          'malformed',
          `upstream '${config.name}' answered with a body that is not JSON`,
          {
            cause: error,
          },
        );
      }
      if (
        parsed === null ||
        typeof parsed !== 'object' ||
        !Array.isArray(parsed.choices) ||
        parsed.choices.length === 0
      ) {
        throw new UpstreamError('malformed', `upstream '${config.name}' answered without choices`);
      }
      return {
        body: bytes,
        usage: {
          inputTokens: parsed.usage?.prompt_tokens ?? 0,
          outputTokens: parsed.usage?.completion_tokens ?? 0,
        },
        finishReason: parsed.choices[0]?.finish_reason ?? null,
      };
    },
    async stream(input): Promise<AsyncIterable<StreamItem>> {
      const response = await send(input, true);
      const type = String(response.headers['content-type'] ?? '');
      if (!type.includes('text/event-stream')) {
        response.body.destroy();
        throw new UpstreamError(
          'malformed',
          `upstream '${config.name}' answered a stream request with ${type || 'no content type'}`,
        );
      }
      const signal = input.signal;
      return {
        async *[Symbol.asyncIterator]() {
          try {
            yield* parseChatStream(response.body, config.name, input.onData);
          } catch (error) {
            throw classify(error, signal, config.name, true);
          } finally {
            // Stopping early (failover, client gone) must free the connection.
            if (!response.body.destroyed) response.body.destroy();
          }
        },
      };
    },
    close: () => pool.close(),
  };
}

/** The whole body; events, not `for await` (cheaper per small answer); `onData` per piece. */
function readAll(body: Awaited<ReturnType<Pool['request']>>['body'], onData?: () => void): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    body.on('data', (chunk: Buffer) => {
      onData?.();
      chunks.push(chunk);
    });
    body.once('end', () => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks)));
    body.once('error', reject);
  });
}

async function readLimited(body: AsyncIterable<unknown>, signal: AbortSignal, name: string): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  try {
    for await (const chunk of body) {
      const buffer = chunk as Buffer;
      size += buffer.length;
      if (size > MAX_ERROR_BODY) break;
      chunks.push(buffer);
    }
  } catch (error) {
    throw classify(error, signal, name, true);
  }
  return Buffer.concat(chunks).toString('utf8').slice(0, MAX_ERROR_BODY);
}

function describeBody(text: string): string {
  if (text === '') return '';
  try {
    const parsed = JSON.parse(text) as { error?: { message?: unknown } | string; message?: unknown };
    const message =
      typeof parsed.error === 'string'
        ? parsed.error
        : typeof parsed.error?.message === 'string'
          ? parsed.error.message
          : typeof parsed.message === 'string'
            ? parsed.message
            : undefined;
    if (message !== undefined) return `: ${message.slice(0, 300)}`;
  } catch {
    // not JSON
  }
  return `: ${text.slice(0, 200)}`;
}
