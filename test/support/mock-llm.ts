/**
 * A scripted, OpenAI-compatible model server on 127.0.0.1 for tests, benchmarks and the
 * container e2e tests. It imports only `node:` built-ins and the dry-run model's schema
 * sampler (by its `.ts` name), all erasable TypeScript, so Node 24 can run it directly as a
 * standalone process:
 *
 *   node_modules/.bin/node test/support/mock-llm.ts --port 0 --latency 50
 *   → prints {"url": "http://127.0.0.1:PORT/v1"} on one line of stdout
 *
 * A separate process cannot be scripted through function calls, so the same queue is also
 * reachable over HTTP: `POST /__mock/script` (JSON array of steps, appended),
 * `POST /__mock/reset`, `GET /__mock/requests`.
 */
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { pathToFileURL } from 'node:url';
import { placeholderFor } from '../../src/models/schema-sample.ts';

export interface MockToolCall {
  name: string;
  args: unknown;
}

/** What one request should get. Fields combine: `delayMs` delays any other behaviour. */
export interface MockStep {
  json?: unknown;
  text?: string;
  toolCalls?: MockToolCall[];
  status?: number;
  /**
   * Response body for `status` (object → JSON; default: an OpenAI-style error object). With a
   * 2xx `status` (or none) it replaces the completion: a well-formed but odd answer.
   */
  body?: unknown;
  headers?: Record<string, string>;
  delayMs?: number;
  /** 200 with a body that is not valid JSON (or an invalid SSE chunk when streaming). */
  malformed?: boolean;
  /** A plain 200 answer with exactly this body (object → JSON), e.g. `{choices: []}`. */
  rawBody?: unknown;
  /** The body ends mid-chunk and the connection is destroyed, without `[DONE]`. */
  truncateStream?: boolean;
  /** Never answer (timeout tests); the socket stays open until the client gives up. */
  hang?: boolean;
  /** Streaming: the text comes in this many pieces (default 4). */
  pieces?: number;
  /**
   * Streaming: after this many chunks following the role chunk (text pieces, tool calls) the
   * connection is destroyed: no finish reason, no `[DONE]`.
   */
  cutAfterChunks?: number;
  /** Streaming: after this many chunks nothing more is written; the socket stays open. */
  stallAfterChunks?: number;
  /** Streaming: after this many chunks a chunk that is not JSON is sent, then the stream ends. */
  malformedAfterChunks?: number;
  /**
   * By default a request whose last message is an assistant message that the answer's text
   * starts with is answered with the rest of the text only (a server continuing a prefill,
   * as llama.cpp does); this answers the whole text instead (a model that starts over).
   */
  ignorePrefill?: boolean;
  /** Destroy the socket without answering. */
  reset?: boolean;
  /**
   * Only requests this matches consume the step: a substring of the last user message or a
   * predicate over the recorded request. Unmatched requests fall through to later steps or
   * the default answer.
   */
  match?: string | ((request: MockRequest) => boolean);
}

export interface MockRequest {
  method: string;
  path: string;
  headers: Record<string, string | string[] | undefined>;
  /** Parsed JSON body, or the raw text when it was not JSON. */
  body: ChatRequestBody;
  /** Index of this request since start/reset (0-based). */
  index: number;
  /** When it arrived (epoch ms). */
  at: number;
  /** Set once its whole answer was handed to the client's socket (a client killed before gets none). */
  answered?: boolean;
}

/** The subset of an OpenAI chat request the mock looks at (everything else is kept). */
export interface ChatRequestBody {
  model?: string;
  messages?: Array<{ role: string; content?: unknown; tool_calls?: unknown; tool_call_id?: string }>;
  tools?: Array<{ type: string; function: { name: string; parameters?: unknown } }>;
  response_format?: { type: string; json_schema?: { name?: string; schema?: unknown; strict?: boolean } };
  stream?: boolean;
  stream_options?: { include_usage?: boolean };
  [key: string]: unknown;
}

export type MockAnswer = Pick<MockStep, 'json' | 'text' | 'toolCalls'>;

export interface MockLlmOptions {
  /** Delay before every answer (ms). */
  latencyMs?: number;
  /** Delay between streamed chunks (ms), to give time-to-first-token meaning. */
  chunkDelayMs?: number;
  /** Replaces the built-in default answer used when the script queue has no matching step. */
  defaultAnswer?: (request: MockRequest) => MockAnswer;
  port?: number;
  /** Address to listen on (default 127.0.0.1; a container test may use the local bridge's). */
  host?: string;
  /** Model ids listed by `GET /v1/models`. */
  models?: string[];
}

export interface MockLlm {
  /** Base URL ending in `/v1`. */
  url: string;
  port: number;
  requests: MockRequest[];
  /** Only the `POST /v1/chat/completions` requests. */
  chatRequests(): MockRequest[];
  enqueue(step: MockStep): void;
  script(steps: MockStep[]): void;
  /** Steps not consumed yet. */
  pending(): number;
  /** Forget scripted steps and recorded requests. */
  reset(): void;
  close(): Promise<void>;
}

export async function startMockLlm(options: MockLlmOptions = {}): Promise<MockLlm> {
  const queue: MockStep[] = [];
  const requests: MockRequest[] = [];
  const sockets = new Set<Socket>();
  const models = options.models ?? ['mock-model'];
  let toolCallCounter = 0;

  const takeStep = (request: MockRequest): MockStep | undefined => {
    const index = queue.findIndex((step) => stepMatches(step, request));
    if (index < 0) return undefined;
    return queue.splice(index, 1)[0];
  };

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) sendJson(res, 500, { error: { message: String(error), type: 'mock_error' } });
      else res.destroy();
    });
  });

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const raw = await readBody(req);
    const path = (req.url ?? '/').split('?')[0] ?? '/';
    const method = req.method ?? 'GET';

    if (path.startsWith('/__mock/')) {
      control(path, method, raw, res);
      return;
    }

    let body: ChatRequestBody;
    try {
      body = raw.length > 0 ? (JSON.parse(raw) as ChatRequestBody) : {};
    } catch {
      body = { raw } as ChatRequestBody;
    }
    const request: MockRequest = {
      method,
      path,
      headers: { ...req.headers },
      body,
      index: requests.length,
      at: Date.now(),
    };
    requests.push(request);
    res.once('finish', () => {
      request.answered = true;
    });

    if (method === 'GET' && /\/models\/?$/.test(path)) {
      return sendJson(res, 200, {
        object: 'list',
        data: models.map((id) => ({ id, object: 'model', created: 0, owned_by: 'mock' })),
      });
    }
    if (method !== 'POST' || !/\/chat\/completions\/?$/.test(path)) {
      return sendJson(res, 404, {
        error: { message: `mock-llm: no route ${method} ${path}`, type: 'not_found' },
      });
    }

    const step = takeStep(request) ?? {};
    const delay = (options.latencyMs ?? 0) + (step.delayMs ?? 0);
    if (delay > 0) await sleep(delay);
    if (step.hang) return; // the socket is destroyed by the client's abort or by close()
    if (step.reset) {
      req.socket.destroy();
      return;
    }
    if (step.status !== undefined && (step.status < 200 || step.status >= 300)) {
      const errorBody = step.body ?? {
        error: { message: `mock error ${step.status}`, type: 'mock_error', code: step.status },
      };
      const text = typeof errorBody === 'string' ? errorBody : JSON.stringify(errorBody);
      res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
      res.end(text);
      return;
    }

    if (step.body !== undefined) {
      const text = typeof step.body === 'string' ? step.body : JSON.stringify(step.body);
      res.writeHead(step.status ?? 200, { 'content-type': 'application/json', ...step.headers });
      res.end(text);
      return;
    }
    const answer = step.json !== undefined || step.text !== undefined || step.toolCalls !== undefined;
    const chosen: MockAnswer = answer ? step : (options.defaultAnswer ?? defaultAnswer)(request);
    const completion = buildCompletion(
      body,
      step.ignorePrefill ? chosen : continuePrefill(body, chosen),
      () => `call_${++toolCallCounter}`,
    );

    if (body.stream === true) {
      await stream(res, body, completion, step, options.chunkDelayMs ?? 0);
      return;
    }
    if (step.malformed) {
      res.writeHead(200, { 'content-type': 'application/json', ...step.headers });
      res.end('{"id": "chatcmpl-mock", "choices": [ {"message": oops');
      return;
    }
    if (step.rawBody !== undefined) {
      res.writeHead(200, { 'content-type': 'application/json', ...step.headers });
      res.end(typeof step.rawBody === 'string' ? step.rawBody : JSON.stringify(step.rawBody));
      return;
    }
    const text = JSON.stringify(completion.response);
    if (step.truncateStream) {
      res.writeHead(200, { 'content-type': 'application/json', 'content-length': String(text.length) });
      res.write(text.slice(0, Math.floor(text.length / 2)));
      setTimeout(() => res.destroy(), 5);
      return;
    }
    res.writeHead(200, { 'content-type': 'application/json', ...step.headers });
    res.end(text);
  }

  function control(path: string, method: string, raw: string, res: ServerResponse): void {
    if (path === '/__mock/script' && method === 'POST') {
      const steps = JSON.parse(raw) as MockStep | MockStep[];
      queue.push(...(Array.isArray(steps) ? steps : [steps]));
      sendJson(res, 200, { pending: queue.length });
      return;
    }
    if (path === '/__mock/reset' && method === 'POST') {
      queue.length = 0;
      requests.length = 0;
      sendJson(res, 200, { ok: true });
      return;
    }
    if (path === '/__mock/requests' && method === 'GET') sendJson(res, 200, requests);
    else sendJson(res, 404, { error: { message: `mock-llm: no control route ${method} ${path}` } });
  }

  server.on('connection', (socket) => {
    sockets.add(socket);
    socket.on('close', () => sockets.delete(socket));
  });
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(options.port ?? 0, options.host ?? '127.0.0.1', () => resolve());
  });
  const port = (server.address() as AddressInfo).port;

  return {
    url: `http://${options.host ?? '127.0.0.1'}:${port}/v1`,
    port,
    requests,
    chatRequests: () => requests.filter((r) => r.method === 'POST' && /chat\/completions/.test(r.path)),
    enqueue: (step) => {
      queue.push(step);
    },
    script: (steps) => {
      queue.push(...steps);
    },
    pending: () => queue.length,
    reset: () => {
      queue.length = 0;
      requests.length = 0;
    },
    close: () =>
      new Promise<void>((resolve) => {
        for (const socket of sockets) socket.destroy();
        server.close(() => resolve());
      }),
  };
}

// ---------------------------------------------------------------- answers

/** The rest of the answer when the request ends with an assistant message the text starts with. */
function continuePrefill(body: ChatRequestBody, answer: MockAnswer): MockAnswer {
  const last = body.messages?.at(-1);
  if (last?.role !== 'assistant' || typeof last.content !== 'string' || last.content === '') return answer;
  if (answer.text === undefined || !answer.text.startsWith(last.content)) return answer;
  return { ...answer, text: answer.text.slice(last.content.length) };
}

interface Completion {
  response: Record<string, unknown>;
  content: string | null;
  toolCalls: Array<{ id: string; name: string; arguments: string }>;
  finishReason: 'stop' | 'tool_calls';
  usage: { prompt_tokens: number; completion_tokens: number; total_tokens: number };
}

function buildCompletion(body: ChatRequestBody, answer: MockAnswer, nextId: () => string): Completion {
  const toolCalls = (answer.toolCalls ?? []).map((call) => ({
    id: nextId(),
    name: call.name,
    arguments: JSON.stringify(call.args ?? {}),
  }));
  let content: string | null = null;
  if (answer.json !== undefined) content = JSON.stringify(answer.json);
  else if (answer.text !== undefined) content = answer.text;
  else if (toolCalls.length === 0) content = '';
  const promptTokens = Math.ceil(JSON.stringify(body.messages ?? []).length / 4);
  const completionTokens = Math.max(
    1,
    Math.ceil(((content ?? '').length + toolCalls.reduce((n, c) => n + c.arguments.length, 0)) / 4),
  );
  const usage = {
    prompt_tokens: promptTokens,
    completion_tokens: completionTokens,
    total_tokens: promptTokens + completionTokens,
  };
  const finishReason = toolCalls.length > 0 ? 'tool_calls' : 'stop';
  const message: Record<string, unknown> = { role: 'assistant', content };
  if (toolCalls.length > 0) {
    message.tool_calls = toolCalls.map((c) => ({
      id: c.id,
      type: 'function',
      function: { name: c.name, arguments: c.arguments },
    }));
  }
  return {
    response: {
      id: `chatcmpl-mock-${Date.now()}`,
      object: 'chat.completion',
      created: Math.floor(Date.now() / 1000),
      model: body.model ?? 'mock-model',
      choices: [{ index: 0, message, finish_reason: finishReason, logprobs: null }],
      usage,
    },
    content,
    toolCalls,
    finishReason,
    usage,
  };
}

async function stream(
  res: ServerResponse,
  body: ChatRequestBody,
  completion: Completion,
  step: MockStep,
  chunkDelayMs: number,
): Promise<void> {
  res.writeHead(200, {
    'content-type': 'text/event-stream',
    'cache-control': 'no-cache',
    connection: 'keep-alive',
    ...step.headers,
  });
  const base = {
    id: completion.response.id,
    object: 'chat.completion.chunk',
    created: completion.response.created,
    model: completion.response.model,
  };
  const chunks: unknown[] = [
    { ...base, choices: [{ index: 0, delta: { role: 'assistant', content: '' }, finish_reason: null }] },
  ];
  const content = completion.content ?? '';
  // A few pieces per answer so clients really assemble deltas.
  const pieceSize = Math.max(1, Math.ceil(content.length / (step.pieces ?? 4)));
  for (let i = 0; i < content.length; i += pieceSize) {
    chunks.push({
      ...base,
      choices: [{ index: 0, delta: { content: content.slice(i, i + pieceSize) }, finish_reason: null }],
    });
  }
  completion.toolCalls.forEach((call, index) => {
    chunks.push({
      ...base,
      choices: [
        {
          index: 0,
          delta: {
            tool_calls: [
              {
                index,
                id: call.id,
                type: 'function',
                function: { name: call.name, arguments: call.arguments },
              },
            ],
          },
          finish_reason: null,
        },
      ],
    });
  });
  chunks.push({ ...base, choices: [{ index: 0, delta: {}, finish_reason: completion.finishReason }] });
  if (body.stream_options?.include_usage === true)
    chunks.push({ ...base, choices: [], usage: completion.usage });

  const lines = chunks.map((chunk) => `data: ${JSON.stringify(chunk)}\n\n`);
  const breakAt = step.cutAfterChunks ?? step.stallAfterChunks ?? step.malformedAfterChunks;
  if (breakAt !== undefined) {
    for (const line of lines.slice(0, 1 + breakAt)) {
      if (res.destroyed) return;
      res.write(line);
      if (chunkDelayMs > 0) await sleep(chunkDelayMs);
    }
    if (step.cutAfterChunks !== undefined) setTimeout(() => res.destroy(), 5);
    else if (step.malformedAfterChunks !== undefined) res.end('data: {"choices": [ {"delta": oops\n\n');
    // stallAfterChunks: nothing more; the client's idle timeout or close() ends it.
    return;
  }
  if (step.truncateStream) {
    const keep = Math.max(1, Math.floor(lines.length / 2));
    for (const line of lines.slice(0, keep)) res.write(line);
    const next = lines[keep] ?? 'data: {"id": "chatcmpl-mock", "choices": [\n\n';
    res.write(next.slice(0, Math.floor(next.length / 2)));
    setTimeout(() => res.destroy(), 5);
    return;
  }
  if (step.malformed) {
    res.write(lines[0] ?? '');
    res.write('data: {"choices": [ {"delta": oops\n\n');
    res.end('data: [DONE]\n\n');
    return;
  }
  for (const line of lines) {
    if (res.destroyed) return;
    res.write(line);
    if (chunkDelayMs > 0) await sleep(chunkDelayMs);
  }
  res.end('data: [DONE]\n\n');
}

/**
 * The built-in answer: JSON valid for the request's schema when one can be found (the
 * `json_schema` response format, or a JSON Schema written into the messages), else text.
 */
export function defaultAnswer(request: MockRequest): MockAnswer {
  const body = request.body;
  const format = body.response_format;
  if (format?.type === 'json_schema' && format.json_schema?.schema !== undefined) {
    return { json: sampleFromSchema(format.json_schema.schema) };
  }
  const texts = (body.messages ?? [])
    .filter((m) => m.role === 'system' || m.role === 'user')
    .map((m) => messageText(m.content));
  const wantsJson = format?.type === 'json_object' || texts.some((t) => /\bjson\b/i.test(t));
  if (wantsJson) {
    for (const text of texts) {
      const schema = findSchemaInText(text);
      if (schema !== undefined) return { json: sampleFromSchema(schema) };
    }
  }
  return { text: 'mock answer' };
}

/** A value that satisfies a JSON Schema (the subset agentcrate and the AI SDK emit), strings `mock <field>`. */
export function sampleFromSchema(schema: unknown): unknown {
  return placeholderFor(schema, 'value', 'mock');
}

/** The first balanced `{...}` in the text that parses as a JSON Schema of an object. */
function findSchemaInText(text: string): unknown {
  for (let start = text.indexOf('{'); start >= 0; start = text.indexOf('{', start + 1)) {
    let depth = 0;
    let inString = false;
    for (let i = start; i < text.length; i++) {
      const ch = text[i];
      if (inString) {
        if (ch === '\\') i++;
        else if (ch === '"') inString = false;
        continue;
      }
      if (ch === '"') inString = true;
      else if (ch === '{') depth++;
      else if (ch === '}' && --depth === 0) {
        try {
          const value = JSON.parse(text.slice(start, i + 1)) as Record<string, unknown>;
          if (value !== null && typeof value === 'object' && (value.properties || value.type === 'object')) {
            return value;
          }
        } catch {
          // not JSON: try the next brace
        }
        break;
      }
    }
  }
  return undefined;
}

function messageText(content: unknown): string {
  if (typeof content === 'string') return content;
  if (Array.isArray(content)) {
    return content
      .map((part) => (typeof part === 'object' && part !== null && 'text' in part ? String(part.text) : ''))
      .join('\n');
  }
  return '';
}

function lastUserText(request: MockRequest): string {
  const messages = request.body.messages ?? [];
  for (let i = messages.length - 1; i >= 0; i--) {
    const message = messages[i];
    if (message?.role === 'user') return messageText(message.content);
  }
  return '';
}

function stepMatches(step: MockStep, request: MockRequest): boolean {
  if (step.match === undefined) return true;
  if (typeof step.match === 'string') return lastUserText(request).includes(step.match);
  return step.match(request);
}

// ---------------------------------------------------------------- plumbing

function readBody(req: IncomingMessage): Promise<string> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => resolve(Buffer.concat(chunks).toString('utf8')));
    req.on('error', reject);
  });
}

function sendJson(res: ServerResponse, status: number, value: unknown): void {
  res.writeHead(status, { 'content-type': 'application/json' });
  res.end(JSON.stringify(value));
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

// ---------------------------------------------------------------- standalone

function parseArgs(argv: string[]): MockLlmOptions {
  const options: MockLlmOptions = {};
  for (let i = 0; i < argv.length; i++) {
    const flag = argv[i];
    const value = argv[i + 1];
    const number = Number(value);
    if (flag === '--port' || flag === '--latency' || flag === '--chunk-delay') {
      if (value === undefined || !Number.isFinite(number) || number < 0) {
        throw new Error(`mock-llm: ${flag} needs a non-negative number, got ${String(value)}`);
      }
      if (flag === '--port') options.port = number;
      else if (flag === '--latency') options.latencyMs = number;
      else options.chunkDelayMs = number;
      i++;
    } else if (flag === '--model' && value !== undefined) {
      options.models = [...(options.models ?? []), value];
      i++;
    } else {
      throw new Error(
        `mock-llm: unknown argument ${String(flag)} (use --port N --latency MS --chunk-delay MS)`,
      );
    }
  }
  return options;
}

const invokedPath = process.argv[1];
if (invokedPath !== undefined && import.meta.url === pathToFileURL(invokedPath).href) {
  const mock = await startMockLlm(parseArgs(process.argv.slice(2)));
  process.stdout.write(`${JSON.stringify({ url: mock.url })}\n`);
  const stop = (): void => {
    void mock.close().then(() => process.exit(0));
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}
