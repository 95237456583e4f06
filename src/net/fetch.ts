/**
 * The guarded outbound client: a `fetch` for every request a workflow author or a model can
 * point at the network (tools, webhooks). Connections go through the guarded Agent
 * (connector.ts), so the address is checked when the socket is opened; redirects are
 * followed here, one hop at a time, so each hop is a new request through the same check,
 * with its scheme checked, credentials dropped when it leaves the origin, and a cap on hops.
 *
 * Clients are cached per policy: a workflow's tools share keep-alive connections.
 */
import { type Agent, Headers, fetch as undiciFetch } from 'undici';
import { guardedAgent } from './connector.js';
import {
  checkHostName,
  type HostLookup,
  type OutboundPolicy,
  type ResolvedPolicy,
  resolvePolicy,
} from './policy.js';

export const DEFAULT_MAX_REDIRECTS = 5;
const REDIRECT_STATUSES = new Set([301, 302, 303, 307, 308]);
/** Dropped when a redirect leaves the origin (the fetch standard drops Authorization). */
const CREDENTIAL_HEADERS = ['authorization', 'proxy-authorization', 'cookie'];
const BODY_HEADERS = [
  'content-type',
  'content-length',
  'content-encoding',
  'content-language',
  'content-location',
];
/** Distinct policies kept per resolver before the oldest client is closed. */
const MAX_CACHED_CLIENTS = 32;

export type OutboundFetch = (input: string | URL, init?: RequestInit) => Promise<Response>;

export interface OutboundClient {
  fetch: OutboundFetch;
  /** Closes idle connections and waits for requests in flight. */
  close(): Promise<void>;
}

function failed(cause: Error): TypeError {
  return new TypeError('fetch failed', { cause });
}

/** A body fetch can send again on a 307/308 hop (a stream cannot be replayed). */
function replayable(body: RequestInit['body']): boolean {
  return (
    body === undefined ||
    body === null ||
    typeof body === 'string' ||
    body instanceof ArrayBuffer ||
    ArrayBuffer.isView(body) ||
    body instanceof URLSearchParams
  );
}

function checkUrl(policy: ResolvedPolicy, url: URL): void {
  if (url.protocol !== 'http:' && url.protocol !== 'https:') {
    throw failed(new Error(`only http and https URLs are fetched, not '${url.protocol.replace(/:$/, '')}'`));
  }
  const refused = checkHostName(policy, url.hostname);
  if (refused) throw failed(refused);
}

export function createOutboundClient(policy: OutboundPolicy = {}): OutboundClient {
  const resolved = resolvePolicy(policy);
  const agent: Agent = guardedAgent(resolved, policy.lookup);
  const maxRedirects = Math.max(0, policy.maxRedirects ?? DEFAULT_MAX_REDIRECTS);

  const guardedFetch: OutboundFetch = async (input, init = {}) => {
    let url = new URL(String(input));
    let method = (init.method ?? 'GET').toUpperCase();
    let body = init.body ?? undefined;
    const headers = new Headers(init.headers as ConstructorParameters<typeof Headers>[0]);
    const mode = init.redirect ?? 'follow';
    for (let hop = 0; ; hop++) {
      // Refused before dispatch for a clear error; the connector checks again at connect.
      checkUrl(resolved, url);
      const response = (await undiciFetch(url, {
        method,
        headers,
        body: body as never,
        signal: init.signal ?? null,
        redirect: 'manual',
        dispatcher: agent,
      })) as unknown as Response;
      const location = response.headers.get('location');
      if (!REDIRECT_STATUSES.has(response.status) || location === null || mode === 'manual') return response;
      if (mode === 'error') {
        await response.body?.cancel().catch(() => undefined);
        throw failed(new Error(`unexpected redirect to ${location}`));
      }
      if (hop >= maxRedirects) {
        await response.body?.cancel().catch(() => undefined);
        throw failed(new Error(`more than ${maxRedirects} redirects (last to ${location})`));
      }
      let next: URL;
      try {
        next = new URL(location, url);
      } catch {
        await response.body?.cancel().catch(() => undefined);
        throw failed(new Error(`redirect to an invalid URL '${location.slice(0, 200)}'`));
      }
      const toGet =
        (response.status === 303 && method !== 'HEAD') ||
        ((response.status === 301 || response.status === 302) && method === 'POST');
      // A stream body cannot be sent twice: hand the redirect back rather than lose it.
      if (!toGet && !replayable(body)) return response;
      await response.body?.cancel().catch(() => undefined);
      if (toGet) {
        method = 'GET';
        body = undefined;
        for (const name of BODY_HEADERS) headers.delete(name);
      }
      if (next.origin !== url.origin) for (const name of CREDENTIAL_HEADERS) headers.delete(name);
      url = next;
    }
  };

  return { fetch: guardedFetch, close: () => agent.close() };
}

const cache = new WeakMap<HostLookup, Map<string, OutboundClient>>();
const defaultResolverKey: HostLookup = () => Promise.resolve([]);

/**
 * The shared client for a policy (same settings → same connections). Evicted clients close
 * once their requests finish.
 */
export function outboundClient(policy: OutboundPolicy = {}): OutboundClient {
  const resolverKey = policy.lookup ?? defaultResolverKey;
  let clients = cache.get(resolverKey);
  if (clients === undefined) {
    clients = new Map();
    cache.set(resolverKey, clients);
  }
  const resolved = resolvePolicy(policy);
  const key = JSON.stringify([
    resolved.allowPrivateNetwork,
    policy.maxRedirects ?? DEFAULT_MAX_REDIRECTS,
    resolved.allowHint,
    resolved.allow.entries,
  ]);
  let client = clients.get(key);
  if (client === undefined) {
    client = createOutboundClient({ ...policy, allowedHosts: resolved.allow });
    clients.set(key, client);
    if (clients.size > MAX_CACHED_CLIENTS) {
      const oldest = clients.keys().next().value as string;
      void clients
        .get(oldest)
        ?.close()
        .catch(() => undefined);
      clients.delete(oldest);
    }
  }
  return client;
}
