/**
 * The studio controls Docker and writes files, so it is guarded like a root shell. In front of
 * every route, in order:
 *
 * 1. **The request guard every agentcrate server shares** (`http/request-guard.ts`): only
 *    loopback `Host` names (plus `--allowed-hosts` and a specific bound address) — always, the
 *    token notwithstanding, so a DNS-rebinding page cannot reach the studio under its own name;
 *    a request carrying `Origin` must come from the studio's own origin; bodies must be JSON.
 * 2. **The token**: a random token printed at start (as Jupyter does). `?token=` on any page
 *    sets an HttpOnly, SameSite=Strict cookie and redirects to the same URL without it, so the
 *    token does not linger in the address bar or history; scripts may send it as a Bearer token.
 * 3. **Stricter than the server for changes**: every state-changing request must say
 *    `application/json` (even without a body) and, when it has no `Origin`, must not be marked
 *    cross-site by `Sec-Fetch-Site`, so no form post or "simple request" gets through.
 */
import { randomBytes } from 'node:crypto';
import type { Context, MiddlewareHandler } from 'hono';
import { getCookie, setCookie } from 'hono/cookie';
import { AgentcrateError } from '../errors.js';
import { requestGuard } from '../http/request-guard.js';
import { createKeyCheck, presentedToken } from '../server/auth.js';

export function newAccessToken(): string {
  return randomBytes(24).toString('base64url');
}

export interface AccessOptions {
  token: string;
  /** Host names served besides loopback (`--allowed-hosts`: names, addresses, CIDR ranges). */
  allowedHosts: readonly string[];
  /** The address the studio is bound to (a specific one is served as a Host too). */
  boundHost?: string;
  /** Cookies ignore ports: one name per port keeps two studios apart. */
  cookieName: string;
}

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);
const JSON_TYPE = /^application\/(?:[\w.+-]+\+)?json\s*(?:;|$)/i;

const LOCKED_PAGE = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>agentcrate studio — locked</title>
<style>body{font:15px/1.5 system-ui,sans-serif;max-width:36rem;margin:15vh auto;padding:0 1rem;color:#1b1f24}
code{background:#f0f2f5;padding:2px 5px;border-radius:4px}</style></head>
<body><main><h1>agentcrate studio is locked</h1>
<p>Open the address that <code>agentcrate studio</code> printed when it started: it carries the access token
(<code>…/?token=…</code>). The studio controls Docker and your files, so it only answers with that token.</p></main></body></html>`;

/** The studio's guards, in order; refusals are thrown for the app's error handler. */
export function accessGuards(options: AccessOptions): MiddlewareHandler[] {
  const check = createKeyCheck([options.token]);
  const token: MiddlewareHandler = async (c, next) => {
    const queryToken = c.req.query('token');
    if (queryToken !== undefined && c.req.method === 'GET') {
      if (!check(queryToken)) return locked(c);
      setCookie(c, options.cookieName, options.token, { httpOnly: true, sameSite: 'Strict', path: '/' });
      const url = new URL(c.req.url);
      url.searchParams.delete('token');
      return c.redirect(`${url.pathname}${url.search}`, 303);
    }
    const presented =
      presentedToken(c.req.header('authorization'), undefined) ?? getCookie(c, options.cookieName);
    if (!check(presented)) return locked(c);
    if (!SAFE_METHODS.has(c.req.method)) refuseCrossSite(c);
    await next();
    c.header('X-Content-Type-Options', 'nosniff');
    c.header('Referrer-Policy', 'no-referrer');
    c.header('X-Frame-Options', 'DENY');
    return undefined;
  };
  return [
    requestGuard({
      authenticated: false,
      allowedHosts: options.allowedHosts,
      ...(options.boundHost !== undefined ? { boundHost: options.boundHost } : {}),
      anyHostPaths: new Set(),
    }),
    token,
  ];
}

function locked(c: Context): Response {
  const wantsHtml = (c.req.header('accept') ?? '').includes('text/html') && !c.req.path.startsWith('/api/');
  if (wantsHtml) return c.html(LOCKED_PAGE, 401);
  throw new AgentcrateError(
    'E_UNAUTHORIZED',
    'missing or invalid studio token; open the URL agentcrate studio printed at start',
  );
}

function refuseCrossSite(c: Context): void {
  const site = c.req.header('sec-fetch-site');
  if (
    c.req.header('origin') === undefined &&
    site !== undefined &&
    site !== 'same-origin' &&
    site !== 'none'
  ) {
    throw new AgentcrateError('E_FORBIDDEN', `cross-site requests (${site}) are not accepted`);
  }
  const type = c.req.header('content-type') ?? '';
  if (!JSON_TYPE.test(type)) {
    throw new AgentcrateError(
      'E_UNSUPPORTED_MEDIA_TYPE',
      `send 'Content-Type: application/json' (got '${type.slice(0, 100) || 'none'}'); the studio accepts no form posts`,
    );
  }
}
