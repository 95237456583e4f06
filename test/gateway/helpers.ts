/** Shared set-up for gateway tests: configurations from YAML text, a gateway on a real socket, SSE reading. */
import { createServer } from 'node:net';
import { loadGatewayConfig } from '../../src/gateway/config/load.js';
import type { GatewayConfig } from '../../src/gateway/config/types.js';
import { type RunningGateway, type StartGatewayOptions, startGateway } from '../../src/gateway/serve.js';

/** A loopback port free at the time of asking (for a gateway started as its own process). */
export function freePort(): Promise<number> {
  return new Promise((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

export function configFrom(yaml: string, env: Record<string, string | undefined> = {}): GatewayConfig {
  const result = loadGatewayConfig(yaml, env, 'gateway.yaml');
  const errors = result.diagnostics.filter((d) => d.severity === 'error');
  if (result.config === undefined) {
    throw new Error(
      `test config invalid:\n${errors.map((d) => `${d.line}:${d.column} ${d.path}: ${d.message}`).join('\n')}`,
    );
  }
  return result.config;
}

/** One proxied upstream `local` serving `mock-model` at `url`, and the alias `fast` for it. */
export function localUpstreamYaml(url: string): string {
  return `
upstreams:
  local:
    provider: openai-compatible
    base_url: ${url}
    models: [mock-model]
routes:
  fast:
    targets: [local/mock-model]
`;
}

export async function startTestGateway(
  yaml: string,
  options: Omit<StartGatewayOptions, 'config'> & { env?: Record<string, string | undefined> } = {},
): Promise<RunningGateway> {
  const env = options.env ?? {};
  return startGateway({
    ...options,
    env,
    config: configFrom(yaml, env),
    flags: { port: 0, keysDb: ':memory:', ...options.flags },
    app: { sleep: async () => undefined, ...options.app },
  });
}

export async function chat(
  url: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<{ status: number; headers: Headers; json: Record<string, unknown> }> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
  const text = await response.text();
  return {
    status: response.status,
    headers: response.headers,
    json: text === '' ? {} : (JSON.parse(text) as Record<string, unknown>),
  };
}

export interface StreamRead {
  status: number;
  headers: Headers;
  raw: string;
  /** Parsed `data:` payloads, `[DONE]` kept as the string. */
  events: Array<Record<string, unknown> | '[DONE]'>;
  comments: string[];
  /** The concatenated text deltas of choice 0. */
  text: string;
}

export async function streamChat(
  url: string,
  body: Record<string, unknown>,
  headers: Record<string, string> = {},
): Promise<StreamRead> {
  const response = await fetch(`${url}/v1/chat/completions`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify({ ...body, stream: true }),
  });
  const raw = await response.text();
  return { status: response.status, headers: response.headers, raw, ...parseSse(raw) };
}

export function parseSse(raw: string): Omit<StreamRead, 'status' | 'headers' | 'raw'> {
  const events: StreamRead['events'] = [];
  const comments: string[] = [];
  let text = '';
  for (const block of raw.split('\n\n')) {
    if (block.trim() === '') continue;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line.startsWith('data: ')) {
        const data = line.slice(6);
        if (data === '[DONE]') events.push('[DONE]');
        else {
          const event = JSON.parse(data) as Record<string, unknown>;
          events.push(event);
          const choices = event.choices as Array<{ delta?: { content?: string } }> | undefined;
          const piece = choices?.[0]?.delta?.content;
          if (typeof piece === 'string') text += piece;
        }
      }
    }
  }
  return { events, comments, text };
}
