/**
 * The runner's fetch API: `@whatwg-node/node-fetch`'s `Headers`, `Response`, `TransformStream`
 * and `fetch` (over `node:http`), not Node's own.
 *
 * Node's `Headers`, `Request`, `Response` and `fetch` globals load Node's whole internal undici
 * (fetch, its dispatchers, web sockets) on first touch, and every request of an AI SDK provider
 * builds a `Headers` (provider-utils' `withUserAgentSuffix`) before it calls the injected
 * fetch: a one-shot start spent about a third of its time to the first model request there
 * (BENCHMARKS.md, "One-shot images"). The runner's process therefore gives the SDK this
 * `Headers` as the global one and sends its model requests with this fetch, so Node's undici is
 * never loaded unless a tool uses Node's own fetch.
 *
 * The global is assigned, never redefined or described: `Object.defineProperty` and
 * `Object.getOwnPropertyDescriptor` on Node's lazy global load undici themselves. The kit's
 * esbuild plugin also keeps `import … from 'node:http'` out of the bundle (an ES-module import of
 * a built-in reads every export of it, `WebSocket` included, which loads undici).
 */
import { Headers, fetch as ponyfillFetch, Response, TransformStream } from '@whatwg-node/node-fetch';

/** Makes the package's `Headers` the process's: before the first model request is built. */
export function installWebHeaders(): void {
  globalThis.Headers = Headers as unknown as typeof globalThis.Headers;
}

/** Only http: and https: go out: the package's fetch would also read file: and data: URLs. */
export const runnerFetch: typeof fetch = (input, init) => {
  const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
  if (!/^https?:/i.test(url)) {
    return Promise.reject(
      new TypeError(`the model's URL must be http: or https:, not ${url.split(':')[0]}:`),
    );
  }
  return ponyfillFetch(
    input as Parameters<typeof ponyfillFetch>[0],
    init as Parameters<typeof ponyfillFetch>[1],
  ) as unknown as Promise<globalThis.Response>;
};

export { Response as RunnerResponse, TransformStream as RunnerTransformStream };
