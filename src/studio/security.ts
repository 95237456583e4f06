/**
 * The studio controls Docker and writes files, so it is guarded like a root shell:
 *
 * - **Host**: only loopback names (plus `--allowed-hosts` and a specific bound address) are
 *   served, so a DNS-rebinding page cannot reach it under its own name.
 * - **Token**: a random token printed at start (as Jupyter does). `?token=` on any page sets
 *   an HttpOnly, SameSite=Strict cookie and redirects to the same URL without it, so the token
 *   does not linger in the address bar or history; API clients may send it as a Bearer token.
 * - **Origin**: a request that changes something must come from the studio's own origin
 *   (`Origin`, else `Sec-Fetch-Site`) and carry `application/json`, so no cross-site form or
 *   "simple request" gets through even with the cookie.
 */
import { randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { AgentcrateError } from '../errors.js';
import { createKeyCheck, presentedToken } from '../server/auth.js';
import { errorResponse } from '../server/errors.js';

export function newAccessToken(): string {
  return randomBytes(24).toString('base64url');
}

export interface AccessOptions {
  token: string;
  /** Host names served besides loopback (lower case, no port). */
  allowedHosts: readonly string[];
  /** Cookies ignore ports: one name per port keeps two studios apart. */
  cookieName: string;
}

const LOOPBACK = new Set(['localhost', '127.0.0.1', '[::1]', '::1']);
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

/** `Host: name:port` → `name` (lower case; IPv6 keeps its brackets). */
export function hostName(host: string | undefined): string | undefined {
  if (host === undefined || host === '') return undefined;
  const h = host.trim().toLowerCase();
  if (h.startsWith('[')) {
    const end = h.indexOf(']');
    return end === -1 ? undefined : h.slice(0, end + 1);
  }
  return h.split(':')[0];
}

export function isAllowedHost(host: string | undefined, allowed: readonly string[]): boolean {
  const name = hostName(host);
  if (name === undefined) return false;
  if (LOOPBACK.has(name) || name.endsWith('.localhost')) return true;
  return allowed.includes(name);
}

function forbidden(message: string): Response {
  return errorResponse(new AgentcrateError('E_FORBIDDEN', message));
}

const LOCKED_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>agentcrate studio — locked</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1rem;color:#1b1f24}
code{background:#f0f2f5;padding:2px 5px;border-radius:4px}</style></head>
<body><main><h1>agentcrate studio is locked</h1>
<p>Open the address that <code>agentcrate studio</code> printed when it started: it carries the access token
(<code>…/?token=…</code>). The studio controls Docker and your files, so it only answers with that token.</p></main></body></html>`;

export function accessGuard(options: AccessOptions): MiddlewareHandler {
  const check = createKeyCheck([options.token]);
  return async (c, next) => {
    if (!isAllowedHost(c.req.header('host'), options.allowedHosts)) {
      return forbidden(
        `host '${c.req.header('host') ?? ''}' is not served; open the studio at 127.0.0.1 or localhost, or start it with --allowed-hosts`,
      );
    }
    const queryToken = c.req.query('token');
    if (queryToken !== undefined && c.req.method === 'GET') {
      if (!check(queryToken)) return locked(c);
      setCookie(c, options.cookieName, options.token, {
        httpOnly: true,
        sameSite: 'Strict',
        path: '/',
      });
      const url = new URL(c.req.url);
      url.searchParams.delete('token');
      return c.redirect(`${url.pathname}${url.search}`, 303);
    }
    const presented =
      presentedToken(c.req.header('authorization'), undefined) ?? getCookie(c, options.cookieName);
    if (!check(presented)) return locked(c);
    if (!SAFE_METHODS.has(c.req.method)) {
      const problem = crossSiteProblem(c);
      if (problem !== undefined) return forbidden(problem);
    }
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    return undefined;
  };
}

function locked(c: Context): Response {
  const wantsHtml = (c.req.header('accept') ?? '').includes('text/html') && !c.req.path.startsWith('/api/');
  if (wantsHtml) return c.html(LOCKED_PAGE, 401);
  return errorResponse(
    new AgentcrateError(
      'E_UNAUTHORIZED',
      'missing or invalid studio token; open the URL agentcrate studio printed at start',
    ),
  );
}

/** Why a state-changing request is refused as cross-site, or undefined when it is fine. */
function crossSiteProblem(c: Context): string | undefined {
  const origin = c.req.header('origin');
  const host = c.req.header('host');
  if (origin !== undefined && origin !== 'null') {
    let originHost: string;
    try {
      originHost = new URL(origin).host.toLowerCase();
    } catch {
      return `unreadable Origin '${origin}'`;
    }
    if (originHost !== (host ?? '').toLowerCase()) return `requests from ${origin} are not accepted`;
  } else if (origin === 'null') {
    return 'requests from an opaque origin are not accepted';
  } else {
    const site = c.req.header('sec-fetch-site');
    if (site !== undefined && site !== 'same-origin' && site !== 'none') {
      return `cross-site requests (${site}) are not accepted`;
    }
  }
  const type = (c.req.header('content-type') ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') {
    return `send application/json (got '${type || 'no content type'}'); the studio accepts no form posts`;
  }
  return undefined;
}
