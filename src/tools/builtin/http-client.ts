/**
 * `http_client` (aliases `http_get`, `http_post`): one HTTP request with the status and a
 * capped body handed back. Non-2xx answers are results, not errors, so the model can react
 * to a 404; only transport failures throw.
 */
import { z } from 'zod';
import { capText, configNumber, parseArgs } from '../args.js';
import { checkUrl, fetchFailure, guardedFetch, readBodyCapped, timeoutSignal } from '../http.js';
import type { ToolDefinition } from '../types.js';

const DEFAULT_MAX_CHARS = 20_000;
const SHOWN_HEADERS = [
  'content-type',
  'content-length',
  'location',
  'date',
  'last-modified',
  'etag',
  'retry-after',
  'cache-control',
];

const httpInput = z.object({
  url: z.string().min(1).describe('The http(s) URL to request.'),
  method: z
    .enum(['GET', 'POST', 'PUT', 'PATCH', 'DELETE', 'HEAD'])
    .optional()
    .describe('HTTP method (default GET, or POST when a body is given).'),
  headers: z.record(z.string(), z.string()).optional().describe('Request headers, name → value.'),
  body: z
    .union([z.string(), z.record(z.string(), z.unknown()), z.array(z.unknown())])
    .optional()
    .describe('Request body: a string is sent as is; an object or array is sent as JSON.'),
});

/** Default headers from tool config (`config.headers`), e.g. an auth header for an internal API. */
function configHeaders(config: Record<string, unknown>): Record<string, string> {
  const headers = config.headers;
  if (!headers || typeof headers !== 'object' || Array.isArray(headers)) return {};
  return Object.fromEntries(
    Object.entries(headers).filter((entry): entry is [string, string] => typeof entry[1] === 'string'),
  );
}

export const httpClientTool: ToolDefinition = {
  name: 'http_client',
  aliases: ['http_get', 'http_post'],
  description:
    'Make an HTTP request (GET, POST, PUT, PATCH, DELETE, HEAD). Returns the status, key response headers and the body text.',
  inputSchema: httpInput,
  requiredEnv: () => [],
  async run(args, ctx) {
    const input = parseArgs('http_client', httpInput, args);
    const url = checkUrl('http_client', input.url);
    const method = input.method ?? (input.body === undefined ? 'GET' : 'POST');
    const headers = new Headers({
      'user-agent': 'agentcrate',
      ...configHeaders(ctx.config),
      ...input.headers,
    });
    let body: string | undefined;
    if (input.body !== undefined && method !== 'GET' && method !== 'HEAD') {
      if (typeof input.body === 'string') {
        body = input.body;
      } else {
        body = JSON.stringify(input.body);
        if (!headers.has('content-type')) headers.set('content-type', 'application/json');
      }
    }
    const timeoutMs = configNumber(ctx.config, 'timeout_seconds', 30) * 1000;
    const send = guardedFetch('http_client', ctx);
    let response: Response;
    try {
      response = await send(url, {
        method,
        headers,
        body,
        signal: timeoutSignal(ctx.signal, timeoutMs),
      });
    } catch (error) {
      throw fetchFailure('http_client', `${method} ${url.href}`, error, timeoutMs);
    }
    const maxChars = configNumber(ctx.config, 'max_chars', DEFAULT_MAX_CHARS);
    const raw = await readBodyCapped(response, maxChars * 4);
    const text = capText(raw.text, maxChars);
    const shown: Record<string, string> = {};
    for (const name of SHOWN_HEADERS) {
      const value = response.headers.get(name);
      if (value !== null) shown[name] = value;
    }
    return {
      status: response.status,
      ok: response.ok,
      headers: shown,
      body: text.text,
      truncated: text.truncated || raw.truncated,
    };
  },
};
