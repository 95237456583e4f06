/**
 * OpenAI and OpenAI-compatible upstreams, proxied with minimal parsing: the request body is
 * the client's (model replaced), sent over a keep-alive undici pool; a non-streaming answer is
 * parsed once for its usage and forwarded as the upstream wrote it; a stream is parsed chunk
 * by chunk (failover needs to know what was said) and forwarded chunk by chunk.
 */
import { type Dispatcher, Pool } from 'undici';
import type { UpstreamConfig } from '../config/types.js';
import { parseChatStream } from '../openai/sse.js';
import type { ChatCompletion } from '../openai/types.js';
import { type Aborted, classify, retryAfterFromHeaders, UpstreamError } from './errors.js';
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

  const headersFor = (input: AttemptInput, stream: boolean): Record<string, string> => ({
    ...baseHeaders,
    accept: stream ? 'text/event-stream' : 'application/json',
    'x-request-id': input.requestId,
  });

  /** A non-2xx answer as the UpstreamError that carries it to the client and the walk. */
  function statusError(
    statusCode: number,
    headers: Record<string, string | string[] | undefined>,
    text: string,
  ): UpstreamError {
    const header = (name: string): string | undefined => {
      const value = headers[name];
      return Array.isArray(value) ? value[0] : value;
    };
    const retryAfterMs = retryAfterFromHeaders({
      'retry-after': header('retry-after'),
      'retry-after-ms': header('retry-after-ms'),
    });
    return new UpstreamError(
      'status',
      `upstream '${config.name}' answered ${statusCode}${describeBody(text)}`,
      {
        status: statusCode,
        ...(retryAfterMs !== undefined ? { retryAfterMs } : {}),
        body: text,
        contentType: header('content-type') ?? 'application/json',
      },
    );
  }

  async function send(input: AttemptInput) {
    const body = {
      ...input.body,
      stream: true,
      // Usage is always asked for: keys' token limits and budgets need it.
      stream_options: { ...(input.body.stream_options ?? {}), include_usage: true },
    };
    let response: Awaited<ReturnType<Pool['request']>>;
    try {
      response = await pool.request({
        path,
        method: 'POST',
        headers: headersFor(input, true),
        body: JSON.stringify(body),
        signal: input.cancel.signal,
      });
    } catch (error) {
      throw classify(error, input.cancel, config.name, false);
    }
    input.onHeaders?.();
    if (response.statusCode < 200 || response.statusCode >= 300) {
      const text = await readLimited(response.body, input.cancel, config.name).catch(() => '');
      throw statusError(response.statusCode, response.headers, text);
    }
    return response;
  }

  return {
    config,
    async complete(input): Promise<CompleteResult> {
      const answer = await exchange(
        pool,
        {
          path,
          method: 'POST',
          headers: headersFor(input, false),
          body: JSON.stringify({ ...input.body, stream: false }),
        },
        input,
      );
      if (answer.error !== undefined)
        throw classify(answer.error, input.cancel, config.name, answer.answered);
      if (answer.statusCode < 200 || answer.statusCode >= 300)
        throw statusError(
          answer.statusCode,
          answer.headers,
          answer.body.toString('utf8').slice(0, MAX_ERROR_BODY),
        );
      const bytes = answer.body;
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
      const response = await send(input);
      const type = String(response.headers['content-type'] ?? '');
      if (!type.includes('text/event-stream')) {
        response.body.destroy();
        throw new UpstreamError(
          'malformed',
          `upstream '${config.name}' answered a stream request with ${type || 'no content type'}`,
        );
      }
      const signal = input.cancel;
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

interface Exchanged {
  statusCode: number;
  headers: Record<string, string | string[] | undefined>;
  /** The whole body of a 2xx answer; at most MAX_ERROR_BODY bytes of another. */
  body: Buffer;
  /** Set when the exchange failed; `answered` says whether headers had arrived. */
  error?: unknown;
  answered: boolean;
}

const EMPTY = Buffer.alloc(0);

/**
 * One plain request and its whole answer, on undici's dispatcher directly: no response stream,
 * promise chain or AbortSignal listener per request, the attempt's cancellation subscribed with
 * a callback. `onHeaders` when the head arrives, `onData` per piece of body (the attempt's
 * clocks). Never rejects: a failure comes back as `error`.
 */
function exchange(pool: Pool, options: Dispatcher.DispatchOptions, input: AttemptInput): Promise<Exchanged> {
  return new Promise((resolve) => {
    let controller: Dispatcher.DispatchController | undefined;
    let statusCode = 0;
    let headers: Exchanged['headers'] = {};
    let answered = false;
    let done = false;
    let size = 0;
    const chunks: Buffer[] = [];
    const finish = (error?: unknown): void => {
      if (done) return;
      done = true;
      unsubscribe();
      const body =
        chunks.length === 1
          ? (chunks[0] as Buffer)
          : chunks.length === 0
            ? EMPTY
            : Buffer.concat(chunks, size);
      resolve(
        error === undefined
          ? { statusCode, headers, body, answered }
          : { statusCode, headers, body, answered, error },
      );
    };
    const cancelled = (): Error => {
      const reason = input.cancel.reason;
      return reason instanceof Error ? reason : new Error('cancelled');
    };
    const unsubscribe = input.cancel.onAbort(() => {
      finish(input.cancel.reason);
      controller?.abort(cancelled());
    });
    if (done) return;
    pool.dispatch(options, {
      onRequestStart(c) {
        controller = c;
        if (done) c.abort(cancelled());
      },
      onResponseStart(_c, code, head) {
        statusCode = code;
        headers = head as Exchanged['headers'];
        answered = true;
        input.onHeaders?.();
      },
      onResponseData(c, chunk) {
        if (done) return;
        input.onData?.();
        size += chunk.length;
        chunks.push(chunk);
        if (size > MAX_ERROR_BODY && (statusCode < 200 || statusCode >= 300)) {
          // An error page is kept only in part: stop reading it (settled first: the abort
          // reports itself as an error at once).
          finish();
          c.abort(new Error('error body over the limit'));
        }
      },
      onResponseEnd() {
        finish();
      },
      onResponseError(_c, error) {
        finish(error);
      },
    });
  });
}

async function readLimited(body: AsyncIterable<unknown>, signal: Aborted, name: string): Promise<string> {
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
