/**
 * `httpFetch`: the default transport for model calls, a `fetch` built on `node:http(s)` with
 * keep-alive agents. Model calls are the server's hot path (one per node of every run), and
 * Node's global fetch (undici) spends more than twice the client CPU per loopback call that
 * `http.request` on a keep-alive agent does.
 *
 * It behaves like Node's fetch for what the AI SDK sends (a string or URL, a string or bytes
 * body, headers as a Headers object, pairs or a record):
 * - the same default request headers (`accept`, `accept-language`, `sec-fetch-mode`,
 *   `user-agent: node`, `accept-encoding: gzip, deflate`, and `content-type` for string
 *   bodies), each only when the caller gave none; `content-length` for every known body and
 *   `0` for a bodiless POST/PUT;
 * - responses decoded like fetch decodes them (gzip, x-gzip, deflate with or without its zlib
 *   wrapper, br, zstd where Node has it; an unknown coding leaves the body as sent), a null body
 *   for HEAD and 204/205/304, repeated headers such as set-cookie kept one entry each;
 * - failures shaped like fetch's, which the AI SDK and `retry.ts` classify on: a network error
 *   rejects with `TypeError('fetch failed', { cause })`, a body cut off after the headers
 *   makes reading the body reject with `TypeError('terminated', { cause })`, and an abort
 *   rejects (or errors the streaming body) with `signal.reason` itself.
 *
 * Bodies are read whole into one buffer before the promise resolves (that is the speed win),
 * except streaming content types (event streams, NDJSON), whose body is handed over as it
 * arrives. Everything else goes to `globalThis.fetch(input, init)` unchanged: a `Request`
 * input, a non-http(s) URL or one with credentials, stream/Blob/FormData/URLSearchParams
 * bodies, a `redirect` mode other than 'follow', a method fetch would normalise differently,
 * headers fetch treats specially (host, connection, content-length, transfer-encoding,
 * keep-alive, upgrade, expect), a `dispatcher`, any proxy variable in the environment (the
 * global fetch is the one that honours `NODE_USE_ENV_PROXY`, and without it ignores them:
 * either way behaviour stays what it was), and any input `node:http` rejects synchronously,
 * so fetch raises its own error for it. A redirect response (3xx with a location) is
 * rare for model APIs: the request is then sent again through the global fetch, which follows
 * it and reports `redirected`/`url` truthfully.
 *
 * Known differences: a Response built here has `url` '' and `type` 'default' (a constructed
 * Response cannot carry them; nothing on the model path reads them), fetch's blocked-port
 * list is not applied, a status outside 200–599 is a network error, and a replaced undici
 * global dispatcher or a stubbed `globalThis.fetch` does not see fast-path traffic (inject a
 * `fetch` into the model client for that).
 */
import http from 'node:http';
import https from 'node:https';
import { pipeline, type Readable, Transform, type TransformCallback } from 'node:stream';
import zlib from 'node:zlib';

/**
 * Free sockets are closed after 4 s idle, as undici does, or sooner when the server's
 * `Keep-Alive: timeout=` hint asks (less the agent's 1 s margin), so a reused socket is
 * rarely one the server is closing. Node unrefs free sockets: they never keep the process up.
 */
const AGENT_OPTIONS = {
  keepAlive: true,
  keepAliveMsecs: 1000,
  maxSockets: 256,
  maxFreeSockets: 256,
  timeout: 4000,
  scheduling: 'lifo',
} as const;

export const httpAgent = new http.Agent(AGENT_OPTIONS);
export const httpsAgent = new https.Agent(AGENT_OPTIONS);

const FETCH_METHODS = new Set(['DELETE', 'GET', 'HEAD', 'OPTIONS', 'POST', 'PUT']);
/** Request headers fetch validates or replaces itself: those requests go through fetch. */
const DELEGATED_HEADERS = new Set([
  'host',
  'connection',
  'content-length',
  'transfer-encoding',
  'keep-alive',
  'upgrade',
  'expect',
]);
const DEFAULT_HEADERS: ReadonlyArray<readonly [string, string]> = [
  ['accept', '*/*'],
  ['accept-language', '*'],
  ['sec-fetch-mode', 'cors'],
  ['user-agent', 'node'],
  ['accept-encoding', 'gzip, deflate'],
];
const NULL_BODY_STATUSES = new Set([101, 103, 204, 205, 304]);
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Content types whose body a caller reads as it arrives. */
const STREAMING_TYPE = /event-?stream|ndjson|jsonl|json-seq/i;
/** undici's limit, against decompression chains built to exhaust the client. */
const MAX_CONTENT_CODINGS = 5;
/** Compressed bodies up to this size are decoded inline (cheaper than a thread-pool hop). */
const SYNC_DECODE_LIMIT = 64 * 1024;

const ZLIB_LENIENT = { flush: zlib.constants.Z_SYNC_FLUSH, finishFlush: zlib.constants.Z_SYNC_FLUSH };
const BROTLI_LENIENT = {
  flush: zlib.constants.BROTLI_OPERATION_FLUSH,
  finishFlush: zlib.constants.BROTLI_OPERATION_FLUSH,
};
/** zstd arrived in Node 22.15; before that it is an unknown coding, as for that Node's fetch. */
const HAS_ZSTD = typeof zlib.zstdDecompressSync === 'function';

type Coding = 'gzip' | 'deflate' | 'br' | 'zstd';

interface FastRequest {
  url: URL;
  method: string;
  headers: Record<string, string>;
  body: string | Buffer | undefined;
  signal: AbortSignal | undefined;
}

export const httpFetch: typeof fetch = (input, init) => {
  const request = fastRequest(input, init);
  if (request === undefined) return globalThis.fetch(input, init);
  return send(request, () => globalThis.fetch(input, init));
};

/** The request as `node:http` will send it, or undefined when fetch itself must handle it. */
function fastRequest(input: string | URL | Request, init: RequestInit | undefined): FastRequest | undefined {
  const url = typeof input === 'string' ? URL.parse(input) : input instanceof URL ? input : null;
  if (url === null) return undefined;
  if (url.protocol !== 'http:' && url.protocol !== 'https:') return undefined;
  if (url.username !== '' || url.password !== '') return undefined;
  if (init?.redirect !== undefined && init.redirect !== 'follow') return undefined;
  if (init?.integrity) return undefined;
  if ((init as { dispatcher?: unknown } | undefined)?.dispatcher !== undefined) return undefined;
  const signal = init?.signal ?? undefined;
  if (signal !== undefined && !(signal instanceof AbortSignal)) return undefined;
  if (proxyConfigured()) return undefined;

  const method = fetchMethod(init?.method);
  if (method === undefined) return undefined;

  const raw = init?.body ?? undefined;
  let body: string | Buffer | undefined;
  if (raw === undefined || typeof raw === 'string') body = raw;
  // Copied, as fetch copies: the caller may reuse its buffer once fetch has returned.
  else if (raw instanceof ArrayBuffer) body = Buffer.from(new Uint8Array(raw));
  else if (ArrayBuffer.isView(raw) && raw.buffer instanceof ArrayBuffer)
    body = Buffer.from(new Uint8Array(raw.buffer, raw.byteOffset, raw.byteLength));
  else return undefined;
  if (body !== undefined && (method === 'GET' || method === 'HEAD')) return undefined;

  const headers = requestHeaders(init?.headers);
  if (headers === undefined) return undefined;
  if (typeof body === 'string' && headers['content-type'] === undefined) {
    headers['content-type'] = 'text/plain;charset=UTF-8';
  }
  for (const [name, value] of DEFAULT_HEADERS) headers[name] ??= value;
  if (body !== undefined) headers['content-length'] = String(Buffer.byteLength(body));
  else if (method === 'POST' || method === 'PUT') headers['content-length'] = '0';
  return { url, method, headers, body, signal };
}

function proxyConfigured(): boolean {
  const env = process.env;
  return Boolean(env.HTTPS_PROXY || env.https_proxy || env.HTTP_PROXY || env.http_proxy);
}

/** fetch upper-cases the six standard methods whatever their case; others pass as written. */
function fetchMethod(method: string | undefined): string | undefined {
  if (method === undefined) return 'GET';
  const upper = method.toUpperCase();
  if (FETCH_METHODS.has(upper)) return upper;
  return method === 'PATCH' ? method : undefined;
}

/** Lower-cased names, values trimmed and repeats joined as `Headers` does. */
function requestHeaders(init: RequestInit['headers']): Record<string, string> | undefined {
  // No prototype: a header named like an Object.prototype member stays a plain entry.
  const out: Record<string, string> = Object.create(null);
  let ok = true;
  const add = (name: string, value: unknown): void => {
    const key = name.toLowerCase();
    if (DELEGATED_HEADERS.has(key)) ok = false;
    const text = trimHttpWhitespace(String(value));
    const seen = out[key];
    out[key] = seen === undefined ? text : `${seen}${key === 'cookie' ? '; ' : ', '}${text}`;
  };
  if (init === undefined || init === null) return out;
  if (init instanceof Headers) {
    init.forEach((value, name) => {
      add(name, value);
    });
  } else if (Array.isArray(init)) {
    for (const pair of init as unknown[]) {
      if (!Array.isArray(pair) || pair.length !== 2) return undefined;
      add(String(pair[0]), pair[1]);
    }
  } else if (typeof init === 'object' && isPlainObject(init)) {
    for (const [name, value] of Object.entries(init)) add(name, value);
  } else {
    return undefined;
  }
  return ok ? out : undefined;
}

function isPlainObject(value: object): boolean {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
}

function isHttpWhitespace(code: number | undefined): boolean {
  return code === 0x20 || code === 0x09 || code === 0x0a || code === 0x0d;
}

function trimHttpWhitespace(value: string): string {
  if (!isHttpWhitespace(value.charCodeAt(0)) && !isHttpWhitespace(value.charCodeAt(value.length - 1))) {
    return value;
  }
  return value.replace(/^[\t\n\r ]+|[\t\n\r ]+$/g, '');
}

function networkError(cause: unknown): TypeError {
  return new TypeError('fetch failed', { cause });
}

function send(request: FastRequest, viaFetch: () => Promise<Response>): Promise<Response> {
  const { signal } = request;
  if (signal?.aborted) return Promise.reject(signal.reason);
  return new Promise<Response>((resolve, reject) => {
    let req: http.ClientRequest;
    try {
      const options = {
        method: request.method,
        headers: request.headers,
        agent: request.url.protocol === 'https:' ? httpsAgent : httpAgent,
      };
      req =
        request.url.protocol === 'https:'
          ? https.request(request.url, options)
          : http.request(request.url, options);
    } catch {
      // An invalid header name or value: fetch rejects it with its own TypeError.
      resolve(viaFetch());
      return;
    }

    let settled = false;
    let res: http.IncomingMessage | undefined;
    let streaming: StreamingBody | undefined;

    const release = (): void => signal?.removeEventListener('abort', onAbort);
    const settle = (outcome: () => Response | Promise<Response>): void => {
      if (settled) return;
      settled = true;
      if (streaming === undefined) release();
      try {
        resolve(outcome());
      } catch (error) {
        // The response could not be represented (a status outside 200–599, a bad header).
        reject(networkError(error));
        streaming?.fail(error);
        res?.destroy();
      }
    };
    const fail = (error: unknown): void => {
      if (settled) return;
      settled = true;
      release();
      reject(error);
      req.destroy();
    };
    function onAbort(): void {
      const reason: unknown = signal?.reason;
      if (streaming !== undefined) streaming.fail(reason);
      else fail(reason);
      req.destroy();
      res?.destroy();
    }
    signal?.addEventListener('abort', onAbort, { once: true });

    req.on('error', (error) => {
      // After the headers, a socket failure also reaches the response as its own error.
      if (res === undefined) fail(networkError(error));
    });
    req.on('response', (response) => {
      res = response;
      if (settled) {
        response.destroy();
        return;
      }
      const status = response.statusCode ?? 0;
      if (REDIRECT_STATUSES.has(status) && response.headers.location !== undefined) {
        response.resume();
        settle(viaFetch);
        return;
      }
      const init: ResponseInit = {
        status,
        statusText: response.statusMessage ?? '',
        headers: headerPairs(response.rawHeaders),
      };
      if (request.method === 'HEAD' || NULL_BODY_STATUSES.has(status)) {
        response.resume();
        settle(() => new Response(null, init));
        return;
      }
      const codings = contentCodings(response.headers['content-encoding']);
      if (codings === 'too many') {
        fail(
          networkError(new Error(`too many content-encodings in response (at most ${MAX_CONTENT_CODINGS})`)),
        );
        response.destroy();
        return;
      }
      if (STREAMING_TYPE.test(response.headers['content-type'] ?? '')) {
        streaming = streamingBody(decoded(response, codings), release);
        const body = streaming.stream;
        settle(() => new Response(body, init));
        return;
      }
      readWhole(response, codings, (error, body) =>
        settle(
          () =>
            new Response(
              error === undefined ? (body as Uint8Array<ArrayBuffer>) : erroredStream(terminated(error)),
              init,
            ),
        ),
      );
    });

    if (request.body === undefined) req.end();
    else req.end(request.body);
  });
}

/** rawHeaders as [name, value] pairs: repeated headers (set-cookie) stay separate entries. */
function headerPairs(raw: string[]): [string, string][] {
  const pairs: [string, string][] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) pairs.push([raw[i]!, raw[i + 1]!]);
  return pairs;
}

/** The decoders to apply, outermost coding first; none when any coding is unknown (as fetch). */
function contentCodings(header: string | undefined): Coding[] | 'too many' {
  if (header === undefined) return [];
  const listed = header.toLowerCase().split(',');
  if (listed.length > MAX_CONTENT_CODINGS) return 'too many';
  const codings: Coding[] = [];
  for (let i = listed.length - 1; i >= 0; i--) {
    const coding = listed[i]!.trim();
    if (coding === 'gzip' || coding === 'x-gzip') codings.push('gzip');
    else if (coding === 'deflate' || coding === 'br') codings.push(coding);
    else if (coding === 'zstd' && HAS_ZSTD) codings.push('zstd');
    else return [];
  }
  return codings;
}

/** Collects the whole body, then decodes it; `done` gets the bytes or the failure. */
function readWhole(
  response: http.IncomingMessage,
  codings: Coding[],
  done: (error: unknown, body: Buffer) => void,
): void {
  const chunks: Buffer[] = [];
  let size = 0;
  let finished = false;
  const finish = (error: unknown, body: Buffer): void => {
    if (finished) return;
    finished = true;
    done(error, body);
  };
  response.on('data', (chunk: Buffer) => {
    chunks.push(chunk);
    size += chunk.length;
  });
  response.on('error', (error) => finish(error, EMPTY));
  response.on('end', () => {
    const raw = chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
    if (codings.length === 0 || raw.length === 0) return finish(undefined, raw);
    if (raw.length > SYNC_DECODE_LIMIT) {
      decodeAsync(raw, codings).then(
        (body) => finish(undefined, body),
        (error: unknown) => finish(error, EMPTY),
      );
      return;
    }
    let body: Buffer;
    try {
      body = decodeSync(raw, codings);
    } catch (error) {
      return finish(error, EMPTY);
    }
    finish(undefined, body);
  });
}

const EMPTY = Buffer.alloc(0);

/** undici's deflate: a zlib wrapper when the first byte says so, raw deflate otherwise. */
function isZlibWrapped(bytes: Buffer): boolean {
  return (bytes[0]! & 0x0f) === 0x08;
}

function decodeSync(raw: Buffer, codings: Coding[]): Buffer {
  let body = raw;
  for (const coding of codings) {
    if (body.length === 0) break;
    if (coding === 'gzip') body = zlib.gunzipSync(body, ZLIB_LENIENT);
    else if (coding === 'deflate')
      body = isZlibWrapped(body)
        ? zlib.inflateSync(body, ZLIB_LENIENT)
        : zlib.inflateRawSync(body, ZLIB_LENIENT);
    else if (coding === 'br') body = zlib.brotliDecompressSync(body, BROTLI_LENIENT);
    else body = zlib.zstdDecompressSync(body);
  }
  return body;
}

/** Large bodies decode on the thread pool so the event loop keeps serving. */
async function decodeAsync(raw: Buffer, codings: Coding[]): Promise<Buffer> {
  let body = raw;
  for (const coding of codings) {
    if (body.length === 0) break;
    const input = body;
    body = await new Promise<Buffer>((resolve, reject) => {
      const done = (error: Error | null, out: Buffer): void => (error ? reject(error) : resolve(out));
      if (coding === 'gzip') zlib.gunzip(input, ZLIB_LENIENT, done);
      else if (coding === 'deflate')
        (isZlibWrapped(input) ? zlib.inflate : zlib.inflateRaw)(input, ZLIB_LENIENT, done);
      else if (coding === 'br') zlib.brotliDecompress(input, BROTLI_LENIENT, done);
      else zlib.zstdDecompress(input, done);
    });
  }
  return body;
}

/** The response piped through its decoders, for a body read as it arrives. */
function decoded(response: http.IncomingMessage, codings: Coding[]): Readable {
  if (codings.length === 0) return response;
  const decoders = codings.map(decoderStream);
  // Failures surface as the last stream's 'error', which the body adapter listens to.
  return pipeline([response, ...decoders], () => {}) as unknown as Readable;
}

function decoderStream(coding: Coding): Transform {
  if (coding === 'gzip') return zlib.createGunzip(ZLIB_LENIENT);
  if (coding === 'deflate') return new InflateEither();
  if (coding === 'br') return zlib.createBrotliDecompress(BROTLI_LENIENT);
  return zlib.createZstdDecompress();
}

/** Streaming deflate that picks zlib-wrapped or raw from the first byte, as undici does. */
class InflateEither extends Transform {
  private inner: zlib.Inflate | zlib.InflateRaw | undefined;

  override _transform(chunk: Buffer, _encoding: BufferEncoding, callback: TransformCallback): void {
    if (this.inner === undefined) {
      if (chunk.length === 0) {
        callback();
        return;
      }
      const inner = isZlibWrapped(chunk)
        ? zlib.createInflate(ZLIB_LENIENT)
        : zlib.createInflateRaw(ZLIB_LENIENT);
      inner.on('data', (data: Buffer) => this.push(data));
      inner.on('error', (error) => this.destroy(error));
      this.inner = inner;
    }
    this.inner.write(chunk, () => callback());
  }

  override _flush(callback: TransformCallback): void {
    if (this.inner === undefined) {
      callback();
      return;
    }
    this.inner.once('end', () => callback());
    this.inner.end();
  }

  override _destroy(error: Error | null, callback: (error?: Error | null) => void): void {
    this.inner?.destroy();
    callback(error);
  }
}

interface StreamingBody {
  stream: ReadableStream<Uint8Array>;
  /** Errors the body with `reason` (an abort) and drops the connection. */
  fail(reason: unknown): void;
}

/**
 * A web stream over the node stream, pulled on demand. Written out rather than
 * `Readable.toWeb` so the errors are fetch's: the abort reason itself, or `terminated`.
 */
function streamingBody(source: Readable, onDone: () => void): StreamingBody {
  let controller!: ReadableStreamDefaultController<Uint8Array>;
  let finished = false;
  const finish = (): boolean => {
    if (finished) return false;
    finished = true;
    onDone();
    return true;
  };
  const fail = (reason: unknown): void => {
    if (!finish()) return;
    controller.error(reason);
    source.destroy();
  };
  const stream = new ReadableStream<Uint8Array>({
    start(c) {
      controller = c;
    },
    pull() {
      source.resume();
    },
    cancel() {
      if (finish()) source.destroy();
    },
  });
  source.pause();
  source.on('data', (chunk: Buffer) => {
    if (finished) return;
    controller.enqueue(chunk);
    if ((controller.desiredSize ?? 0) <= 0) source.pause();
  });
  source.on('end', () => {
    if (finish()) controller.close();
  });
  source.on('error', (error) => fail(terminated(error)));
  return { stream, fail };
}

function terminated(cause: unknown): TypeError {
  return new TypeError('terminated', { cause });
}

function erroredStream(error: unknown): ReadableStream<Uint8Array> {
  return new ReadableStream<Uint8Array>({
    start(controller) {
      controller.error(error);
    },
  });
}
