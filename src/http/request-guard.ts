/**
 * The request guard every HTTP server agentcrate starts puts in front of its routes (the
 * workflow server now; the gateway and the studio import it too). It closes what a web page
 * in the user's browser could otherwise do to a server on 127.0.0.1:
 *
 * - **Host** — without an API key, only loopback names and addresses (`localhost`,
 *   `*.localhost`, `127.0.0.0/8`, `::1`), the specific address the server is bound to and the
 *   operator's `allowedHosts` are served. A DNS-rebinding page reaches the server under the
 *   attacker's name (`Host: attacker.example`), so it is refused. With a key, every client
 *   authenticates and Host is not restricted. `/health` and `/ready` answer any Host (probes
 *   use the pod's address; they disclose nothing).
 * - **Origin** — a request carrying an `Origin` must come from the server's own origin
 *   (`Origin: null` included in the refusal). Browsers send `Origin` on every cross-site
 *   request that can change state, whatever its content type; other clients send none.
 * - **Content type** — a request with a body on a method other than GET/HEAD/OPTIONS must say
 *   `application/json` (or `+json`), so no "simple" cross-origin request (text/plain, a form)
 *   reaches a handler even from a client that strips `Origin`.
 *
 * Refusals are thrown as `AgentcrateError`s (`E_FORBIDDEN` 403, `E_UNSUPPORTED_MEDIA_TYPE`
 * 415), so each server answers them in its own error format through its `onError`.
 */
import type { MiddlewareHandler } from 'hono';
import { AgentcrateError } from '../errors.js';
import { classifyAddress, ipLiteral, normaliseHostName } from '../net/address.js';
import { type AllowList, AllowListError, inRanges, parseAllowList } from '../net/allow-list.js';

export interface RequestGuardOptions {
  /**
   * API keys are configured: every client authenticates, so Host is not restricted. A function
   * for servers whose keys can appear while they run (the gateway's virtual keys).
   */
  authenticated: boolean | (() => boolean);
  /**
   * More Host values to serve without a key (`--allowed-hosts` / `AGENTCRATE_ALLOWED_HOSTS`):
   * names, IP addresses or CIDR ranges; `*` serves any Host.
   */
  allowedHosts?: readonly string[];
  /** The address the server listens on; a specific IP is served as a Host value too. */
  boundHost?: string;
  /** Paths answered whatever the Host (liveness and readiness probes). */
  anyHostPaths?: ReadonlySet<string>;
  /** How a refused Host is told to get in: this server's own settings (default: the workflow server's). */
  hostHint?: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;
const DEFAULT_ANY_HOST_PATHS: ReadonlySet<string> = new Set(['/health', '/ready']);
const DEFAULT_HOST_HINT =
  'add it with --allowed-hosts (AGENTCRATE_ALLOWED_HOSTS), or set AGENTCRATE_API_KEYS';

/** Validates `--allowed-hosts` entries up front, so a typo stops the server from starting. */
export function parseAllowedHosts(entries: readonly string[] = []): { any: boolean; list: AllowList } {
  const any = entries.some((e) => e.trim() === '*');
  try {
    return { any, list: parseAllowList(entries.filter((e) => e.trim() !== '*')) };
  } catch (error) {
    if (!(error instanceof AllowListError)) throw error;
    throw new AgentcrateError('E_USAGE', `--allowed-hosts: ${error.message}`, {
      details: { entry: error.entry },
    });
  }
}

/** host[:port] of a Host header or an origin, split; undefined when it is not one. */
function splitAuthority(authority: string): { hostname: string; port: string } | undefined {
  const parsed = URL.parse(`http://${authority}`);
  if (parsed === null || parsed.username !== '' || parsed.pathname !== '/' || authority.includes('/')) {
    return undefined;
  }
  return { hostname: normaliseHostName(parsed.hostname), port: parsed.port };
}

interface JudgedHost {
  host: { hostname: string; port: string } | undefined;
  /** Served without a key (loopback, the bound address, an allowed host). */
  served: boolean;
}

const MAX_JUDGED_HOSTS = 256;

function isLoopbackHost(hostname: string): boolean {
  if (hostname === 'localhost' || hostname.endsWith('.localhost')) return true;
  const literal = ipLiteral(hostname);
  return literal !== undefined && classifyAddress(literal).class === 'loopback';
}

function forbidden(message: string, details: Record<string, unknown>): AgentcrateError {
  return new AgentcrateError('E_FORBIDDEN', message, { details });
}

/** What the guard reads of a request: Hono's, or a `node:http` one on a server's own fast path. */
export interface GuardedRequest {
  method: string;
  /** The path without the query. */
  path: string;
  header(name: string): string | undefined;
  /** The Host asked for when the request carries no Host header. */
  defaultHost(): string;
}

export function requestGuard(options: RequestGuardOptions): MiddlewareHandler {
  const check = requestCheck(options);
  return async (c, next) => {
    check({
      method: c.req.method,
      path: c.req.path,
      header: (name) => c.req.header(name),
      // Without a Host header (an in-process `app.request`), the URL's host is what was asked for.
      defaultHost: () => new URL(c.req.url).host,
    });
    await next();
  };
}

/** The guard's checks as a function that throws the refusal (the middleware above calls it). */
export function requestCheck(options: RequestGuardOptions): (req: GuardedRequest) => void {
  const allowed = parseAllowedHosts(options.allowedHosts);
  const anyHostPaths = options.anyHostPaths ?? DEFAULT_ANY_HOST_PATHS;
  const hostHint = options.hostHint ?? DEFAULT_HOST_HINT;
  const bound = options.boundHost === undefined ? undefined : ipLiteral(options.boundHost);
  const boundAddress =
    bound !== undefined && classifyAddress(bound).class !== 'unspecified'
      ? classifyAddress(bound).address
      : undefined;
  const authenticated =
    typeof options.authenticated === 'function'
      ? options.authenticated
      : () => options.authenticated as boolean;

  const hostServed = (hostname: string): boolean => {
    if (isLoopbackHost(hostname)) return true;
    if (allowed.list.names.has(hostname)) return true;
    const literal = ipLiteral(hostname);
    if (literal === undefined) return false;
    const address = classifyAddress(literal).address;
    return address === boundAddress || allowed.list.addresses.has(address) || inRanges(allowed.list, address);
  };

  // Host values already judged: clients send the same few on every request, and judging one
  // (a URL parse, an IP literal classified) cost more than the rest of the guard. Bounded, so
  // a client sending ever new values cannot grow it.
  const judged = new Map<string, JudgedHost>();
  const judge = (hostHeader: string): JudgedHost => {
    let entry = judged.get(hostHeader);
    if (entry === undefined) {
      const host = splitAuthority(hostHeader);
      entry = { host, served: host !== undefined && hostServed(host.hostname) };
      if (judged.size >= MAX_JUDGED_HOSTS) judged.clear();
      judged.set(hostHeader, entry);
    }
    return entry;
  };

  return (req) => {
    const hostHeader = req.header('host') ?? req.defaultHost();
    const { host, served } = judge(hostHeader);
    const restrictHost = !allowed.any && !authenticated();
    if (restrictHost && !anyHostPaths.has(req.path) && !served) {
      throw forbidden(
        `Host '${hostHeader.slice(0, 100)}' is not served: without an API key only loopback names are (a page in a browser could otherwise reach this server through DNS rebinding); ` +
          hostHint,
        { host: hostHeader.slice(0, 100) },
      );
    }

    const origin = req.header('origin');
    if (origin !== undefined) {
      const from = URL.parse(origin);
      const fromAuthority =
        from !== null && (from.protocol === 'http:' || from.protocol === 'https:')
          ? splitAuthority(from.host)
          : undefined;
      const defaultPort = from?.protocol === 'https:' ? '443' : '80';
      const same =
        fromAuthority !== undefined &&
        host !== undefined &&
        fromAuthority.hostname === host.hostname &&
        (fromAuthority.port || defaultPort) === (host.port || defaultPort);
      if (!same) {
        throw forbidden(
          `cross-origin request from '${origin.slice(0, 100)}' refused: this server answers only its own pages (no CORS)`,
          { origin: origin.slice(0, 100) },
        );
      }
    }

    if (!SAFE_METHODS.has(req.method)) {
      const type = req.header('content-type');
      const length = req.header('content-length');
      const hasBody =
        (length !== undefined && length.trim() !== '0') || req.header('transfer-encoding') !== undefined;
      if ((type !== undefined || hasBody) && !JSON_TYPE.test(type ?? '')) {
        throw new AgentcrateError(
          'E_UNSUPPORTED_MEDIA_TYPE',
          `${req.method} bodies must be JSON: send 'Content-Type: application/json' (got ${type === undefined ? 'none' : `'${type.slice(0, 100)}'`})`,
          { details: { contentType: type ?? null } },
        );
      }
    }
  };
}
