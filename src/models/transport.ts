/**
 * The transport of model calls: the `fetch` the AI SDK providers are given, built on undici's
 * `dispatch` over one keep-alive `Agent` with undici's decompression and redirect
 * interceptors, the answer read by our own handler (answer-reader.ts). Model calls are the
 * server's hot path (one per node of every run), and this costs clearly less client CPU per
 * call than undici's `fetch` (the numbers are in BENCHMARKS.md, "Model transport"), because it
 * skips the fetch standard's request and response machinery the providers do not use, and
 * the Node stream `request()` would put each answer's body behind.
 *
 * What it adds is what fetch promises the providers and what a server needs:
 * - fetch's shape: a `Response` (null body for HEAD, 204, 205 and 304), a network failure
 *   rejected as `TypeError('fetch failed', { cause })`, a body cut off as
 *   `TypeError('terminated', { cause })`, an abort as the signal's reason — the AI SDK and
 *   `retry.ts` classify on those;
 * - a cap on the bytes of an answer (`maxAnswerBytes`, counted after decompression): past it
 *   the call fails with `E_MODEL` instead of buffering whatever a provider sends;
 * - the caller's signal honoured while the body is read, so a slow or endless answer ends at
 *   the run's timeout;
 * - streaming answers (event streams, NDJSON) handed over as they arrive, under the same cap.
 *
 * A `Request` input, a stream or form body, or a redirect mode other than 'follow' goes to
 * Node's own `fetch` unchanged (the providers send none of them). Proxy variables are
 * honoured as Node's fetch honours them: with `NODE_USE_ENV_PROXY=1`.
 */
import { Agent, type Dispatcher, EnvHttpProxyAgent, interceptors } from 'undici';
import { AnswerHeaders } from './answer-headers.js';
import { type AnswerHead, type AnswerOptions, networkError, readAnswer } from './answer-reader.js';
import { BufferedAnswer } from './buffered-answer.js';

export { ModelAnswerTooLargeError } from './answer-reader.js';

/** What the global Response takes as its body (named here: the build's lib has no DOM types). */
type ResponseBody = ConstructorParameters<typeof Response>[0];

export const DEFAULT_MAX_ANSWER_BYTES = 8 * 1024 * 1024;

export interface ModelTransportOptions {
  /** Largest answer body accepted, after decompression (default 8 MiB). */
  maxAnswerBytes?: number;
}

/** Content types whose body a caller reads as it arrives. */
const STREAMING_TYPE = /event-?stream|ndjson|jsonl|json-seq/i;
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
/** What fetch sends when the caller says nothing (providers set content-type themselves). */
const DEFAULT_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['accept', '*/*'],
  ['accept-encoding', 'gzip, deflate, br'],
];

const REDIRECT_STATUSES = new Set([300, 301, 302, 303, 307, 308]);

let shared: { direct: Dispatcher; following: Dispatcher } | undefined;

/**
 * One pool for every model client of the process. Idle sockets close after 4 s (undici's
 * default) or sooner when the server's `Keep-Alive` hint asks, and never keep the process up.
 * Two ways through it: `direct`, which every call takes first, and `following`, with undici's
 * redirect handler, taken only when an answer is a redirect (model APIs hardly ever answer
 * one, and the redirect handler parses two URLs for every answer it sees).
 */
function dispatchers(): { direct: Dispatcher; following: Dispatcher } {
  if (shared === undefined) {
    const options = { keepAliveTimeout: 4000, connections: 256 };
    const base = process.env.NODE_USE_ENV_PROXY === '1' ? new EnvHttpProxyAgent(options) : new Agent(options);
    // Error answers decoded too: providers put the reason in them.
    const decompress = interceptors.decompress({ skipErrorResponses: false });
    shared = {
      direct: base.compose(decompress),
      following: base.compose(interceptors.redirect({ maxRedirections: 5 }), decompress),
    };
  }
  return shared;
}

/** A request URL's parts undici is given (each a getter of the parsed URL). */
interface Target {
  url: URL;
  origin: string;
  path: string;
  href: string;
}

const target = (url: URL): Target => ({
  url,
  origin: url.origin,
  path: `${url.pathname}${url.search}`,
  href: url.href,
});

/** The last URL string seen, parsed: a model client calls the same endpoint every time. */
let lastUrl: { href: string; target: Target } | undefined;
function parseUrl(href: string): Target | null {
  if (lastUrl?.href === href) return lastUrl.target;
  const url = URL.parse(href);
  if (url === null) return null;
  lastUrl = { href, target: target(url) };
  return lastUrl.target;
}

/**
 * Request headers as undici's flat list (`[name, value, …]`: read without a list of a record's
 * keys), names lower-cased and repeats joined as `Headers` joins them.
 */
function flatHeaders(init: RequestInit['headers']): string[] {
  const out: string[] = [];
  if (init instanceof Headers) {
    init.forEach((value, name) => {
      addHeader(out, name, value);
    });
  } else if (Array.isArray(init)) {
    for (const [name, value] of init as [string, string][]) addHeader(out, name, value);
  } else if (init) {
    // The providers' own form (a record): read in place, without a list of its entries.
    const record = init as Record<string, unknown>;
    for (const name in record) if (Object.hasOwn(record, name)) addHeader(out, name, record[name]);
  }
  for (const [name, value] of DEFAULT_HEADERS) if (indexOfHeader(out, name) < 0) out.push(name, value);
  return out;
}

/** Where `name` (lower-case) is in a flat list, or -1: a request has a handful of headers. */
function indexOfHeader(out: string[], name: string): number {
  for (let i = 0; i < out.length; i += 2) if (out[i] === name) return i;
  return -1;
}

function addHeader(out: string[], name: string, value: unknown): void {
  if (value === undefined) return;
  const key = name.toLowerCase();
  const at = indexOfHeader(out, key);
  if (at < 0) out.push(key, String(value));
  else out[at + 1] = `${out[at + 1]}, ${String(value)}`;
}

function plainBody(body: RequestInit['body']): string | Uint8Array | undefined | false {
  if (body === undefined || body === null) return undefined;
  if (typeof body === 'string') return body;
  // Copied, as fetch copies: the caller may reuse its buffer once fetch has returned.
  if (body instanceof ArrayBuffer) return new Uint8Array(body.slice(0));
  if (ArrayBuffer.isView(body))
    return new Uint8Array(body.buffer.slice(body.byteOffset, body.byteOffset + body.byteLength));
  return false;
}

const isRedirect = (statusCode: number, headers: AnswerHead): boolean =>
  REDIRECT_STATUSES.has(statusCode) && headers.location !== undefined;
const streams = (contentType: string): boolean => STREAMING_TYPE.test(contentType);
const bodilessStatus = (statusCode: number): boolean => NULL_BODY_STATUSES.has(statusCode);
const bodilessHead = (): boolean => true;

export function createModelTransport(options: ModelTransportOptions = {}): typeof fetch {
  const limit = options.maxAnswerBytes ?? DEFAULT_MAX_ANSWER_BYTES;
  return async (input, init = {}) => {
    const body = plainBody(init.body);
    const url = typeof input === 'string' ? parseUrl(input) : input instanceof URL ? target(input) : null;
    if (url === null || body === false || (init.redirect !== undefined && init.redirect !== 'follow')) {
      // What the providers never send (a Request, a stream or form body, manual redirects).
      return globalThis.fetch(input, init);
    }
    const method = (init.method ?? 'GET').toUpperCase();
    const request: Dispatcher.DispatchOptions = {
      origin: url.origin,
      path: url.path,
      method: method as Dispatcher.HttpMethod,
      headers: flatHeaders(init.headers),
      body: body ?? (method === 'POST' || method === 'PUT' ? '' : null),
    };
    const how: AnswerOptions = {
      limit,
      href: url.href,
      signal: init.signal ?? undefined,
      bodiless: method === 'HEAD' ? bodilessHead : bodilessStatus,
      streams,
      redirects: isRedirect,
    };
    const { direct, following } = dispatchers();
    let answer = await readAnswer(direct, request, how);
    if (answer.redirected) {
      // Asked again through the redirect handler, which follows it as fetch would (method,
      // body and headers per the fetch standard); the body is a string or bytes, so it can be sent again.
      answer = await readAnswer(following, request, { ...how, redirects: () => false });
    }
    const { statusCode, statusText } = answer;
    const headers = new AnswerHeaders(answer.headers) as unknown as Headers;
    try {
      // An answer read whole (every non-streaming model call) skips the fetch Response.
      if (Buffer.isBuffer(answer.body)) {
        return new BufferedAnswer(
          answer.body as Uint8Array<ArrayBuffer>,
          statusCode,
          statusText,
          headers,
        ) as never;
      }
      return new Response(answer.body as ResponseBody, { status: statusCode, statusText, headers });
    } catch (error) {
      // A status outside 200–599 or a header fetch would not accept: a network error, as in fetch.
      if (answer.body instanceof ReadableStream) void answer.body.cancel().catch(() => {});
      throw networkError(error);
    }
  };
}
