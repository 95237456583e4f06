/**
 * A scripted server speaking Anthropic's Messages API (`POST /v1/messages`, plain and SSE
 * streaming) on 127.0.0.1, for tests of the gateway's translated (AI SDK) upstreams. Steps
 * are taken in order; with no step left the answer is "mock answer".
 */
import { createServer, type ServerResponse } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';

export interface AnthropicStep {
  text?: string;
  toolUse?: { name: string; input: Record<string, unknown> };
  status?: number;
  headers?: Record<string, string>;
  /** Streaming: the text comes in this many deltas (default 4). */
  pieces?: number;
  /** Streaming: destroy the connection after this many content deltas. */
  cutAfterDeltas?: number;
}

export interface AnthropicRequest {
  headers: Record<string, string | string[] | undefined>;
  body: {
    model?: string;
    system?: unknown;
    messages?: Array<{ role: string; content: unknown }>;
    tools?: unknown[];
    stream?: boolean;
    [key: string]: unknown;
  };
}

export interface MockAnthropic {
  /** Base URL ending in /v1 (what @ai-sdk/anthropic takes as baseURL). */
  url: string;
  requests: AnthropicRequest[];
  script(steps: AnthropicStep[]): void;
  reset(): void;
  close(): Promise<void>;
}

export async function startMockAnthropic(): Promise<MockAnthropic> {
  const queue: AnthropicStep[] = [];
  const requests: AnthropicRequest[] = [];
  const sockets = new Set<Socket>();
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      const body = JSON.parse(Buffer.concat(chunks).toString('utf8') || '{}') as AnthropicRequest['body'];
      requests.push({ headers: { ...req.headers }, body });
      const step = queue.shift() ?? { text: 'mock answer' };
      if (step.status !== undefined && step.status >= 300) {
        res.writeHead(step.status, { 'content-type': 'application/json', ...step.headers });
        res.end(
          JSON.stringify({
            type: 'error',
            error: { type: 'api_error', message: `mock error ${step.status}` },
          }),
        );
        return;
      }
      if (body.stream === true) void stream(res, body, step);
      else answer(res, body, step);
    });
  });
  server.on('connection', (s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  return {
    url: `http://127.0.0.1:${port}/v1`,
    requests,
    script: (steps) => {
      queue.push(...steps);
    },
    reset: () => {
      queue.length = 0;
      requests.length = 0;
    },
    close: () =>
      new Promise((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

function usage(body: AnthropicRequest['body'], text: string) {
  return {
    input_tokens: Math.ceil(JSON.stringify(body.messages ?? []).length / 4),
    output_tokens: Math.max(1, Math.ceil(text.length / 4)),
  };
}

function answer(res: ServerResponse, body: AnthropicRequest['body'], step: AnthropicStep): void {
  const content: unknown[] = [];
  if (step.text !== undefined) content.push({ type: 'text', text: step.text });
  if (step.toolUse !== undefined)
    content.push({ type: 'tool_use', id: 'toolu_01', name: step.toolUse.name, input: step.toolUse.input });
  res.writeHead(200, { 'content-type': 'application/json' });
  res.end(
    JSON.stringify({
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      model: body.model,
      content,
      stop_reason: step.toolUse !== undefined ? 'tool_use' : 'end_turn',
      stop_sequence: null,
      usage: usage(body, step.text ?? ''),
    }),
  );
}

async function stream(
  res: ServerResponse,
  body: AnthropicRequest['body'],
  step: AnthropicStep,
): Promise<void> {
  res.writeHead(200, { 'content-type': 'text/event-stream', 'cache-control': 'no-cache' });
  const send = (event: string, data: unknown) =>
    res.write(`event: ${event}\ndata: ${JSON.stringify({ type: event, ...(data as object) })}\n\n`);
  const text = step.text ?? '';
  send('message_start', {
    message: {
      id: 'msg_01',
      type: 'message',
      role: 'assistant',
      model: body.model,
      content: [],
      stop_reason: null,
      usage: { input_tokens: 10, output_tokens: 1 },
    },
  });
  let deltas = 0;
  let index = 0;
  if (text !== '') {
    send('content_block_start', { index, content_block: { type: 'text', text: '' } });
    const size = Math.max(1, Math.ceil(text.length / (step.pieces ?? 4)));
    for (let i = 0; i < text.length; i += size) {
      if (step.cutAfterDeltas !== undefined && deltas >= step.cutAfterDeltas) {
        await new Promise((r) => setTimeout(r, 5));
        res.destroy();
        return;
      }
      send('content_block_delta', { index, delta: { type: 'text_delta', text: text.slice(i, i + size) } });
      deltas++;
    }
    send('content_block_stop', { index });
    index++;
  }
  if (step.toolUse !== undefined) {
    send('content_block_start', {
      index,
      content_block: { type: 'tool_use', id: 'toolu_01', name: step.toolUse.name, input: {} },
    });
    const json = JSON.stringify(step.toolUse.input);
    const half = Math.ceil(json.length / 2);
    send('content_block_delta', {
      index,
      delta: { type: 'input_json_delta', partial_json: json.slice(0, half) },
    });
    send('content_block_delta', {
      index,
      delta: { type: 'input_json_delta', partial_json: json.slice(half) },
    });
    send('content_block_stop', { index });
  }
  send('message_delta', {
    delta: { stop_reason: step.toolUse !== undefined ? 'tool_use' : 'end_turn', stop_sequence: null },
    usage: usage(body, text),
  });
  send('message_stop', {});
  res.end();
}
