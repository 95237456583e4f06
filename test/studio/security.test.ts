import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { type Fixture, PORT, studioFixture, TOKEN } from './helpers.js';

let f: Fixture;
beforeEach(async () => {
  f = await studioFixture();
});
afterEach(() => f.close());

const bare = (path: string, headers: Record<string, string> = {}, init: RequestInit = {}) =>
  f.studio.app.request(`http://127.0.0.1:${PORT}${path}`, {
    ...init,
    headers: { host: `127.0.0.1:${PORT}`, ...headers },
  });

describe('studio access', () => {
  it('refuses every route without the token, with a page for browsers and JSON for the API', async () => {
    const page = await bare('/', { accept: 'text/html' });
    expect(page.status).toBe(401);
    expect(await page.text()).toContain('agentcrate studio is locked');
    const api = await bare('/api/workflows');
    expect(api.status).toBe(401);
    expect(((await api.json()) as { error: { code: string } }).error.code).toBe('E_UNAUTHORIZED');
    expect((await bare('/api/workflows', { authorization: 'Bearer wrong' })).status).toBe(401);
    expect((await bare('/assets/app.js')).status).toBe(401);
  });

  it('turns ?token= into an HttpOnly SameSite=Strict cookie and drops it from the URL', async () => {
    const res = await bare(`/?token=${TOKEN}`);
    expect(res.status).toBe(303);
    expect(res.headers.get('location')).toBe('/');
    const cookie = res.headers.get('set-cookie') ?? '';
    expect(cookie).toContain(`agentcrate_studio_${PORT}=${TOKEN}`);
    expect(cookie).toMatch(/HttpOnly/i);
    expect(cookie).toMatch(/SameSite=Strict/i);
    const withCookie = await bare('/api/workflows', { cookie: `agentcrate_studio_${PORT}=${TOKEN}` });
    expect(withCookie.status).toBe(200);
    expect((await bare('/?token=nope')).status).toBe(401);
  });

  it('serves loopback Host names only (DNS rebinding)', async () => {
    const auth = { authorization: `Bearer ${TOKEN}` };
    expect((await bare('/api/workflows', { ...auth, host: 'attacker.example:4242' })).status).toBe(403);
    expect((await bare('/api/workflows', { ...auth, host: `localhost:${PORT}` })).status).toBe(200);
    expect((await bare('/api/workflows', { ...auth, host: `[::1]:${PORT}` })).status).toBe(200);
    expect((await bare('/api/workflows', { ...auth, host: `127.0.0.1.nip.io:${PORT}` })).status).toBe(403);
    // The token does not lift the Host rule: the studio is a root shell.
    const refused = await bare('/?token=x', { host: 'attacker.example' });
    expect(refused.status).toBe(403);
    expect(((await refused.json()) as { error: { code: string } }).error.code).toBe('E_FORBIDDEN');
  });

  it('refuses state changes from a foreign origin, an opaque one, or without application/json', async () => {
    const body = JSON.stringify({ name: 'x.yaml', text: 'a: 1' });
    const auth = { authorization: `Bearer ${TOKEN}` };
    const post = (headers: Record<string, string>) =>
      bare('/api/workflows', { ...auth, ...headers }, { method: 'POST', body });
    expect((await post({ 'content-type': 'application/json', origin: 'http://evil.example' })).status).toBe(
      403,
    );
    expect((await post({ 'content-type': 'application/json', origin: 'null' })).status).toBe(403);
    expect((await post({ 'content-type': 'text/plain', origin: `http://127.0.0.1:${PORT}` })).status).toBe(
      415,
    );
    const noBody = await bare(
      '/api/jobs/x/cancel',
      { ...auth, origin: `http://127.0.0.1:${PORT}` },
      { method: 'POST' },
    );
    expect(noBody.status).toBe(415);
    expect((await post({ 'content-type': 'application/json', 'sec-fetch-site': 'cross-site' })).status).toBe(
      403,
    );
    expect(
      (await post({ 'content-type': 'application/json', origin: `http://127.0.0.1:${PORT}` })).status,
    ).toBe(201);
  });

  it('serves the page with a strict content security policy and no CDN', async () => {
    const res = await f.request('/');
    expect(res.status).toBe(200);
    const csp = res.headers.get('content-security-policy') ?? '';
    expect(csp).toContain("script-src 'self'");
    expect(csp).toContain("connect-src 'self'");
    const html = await res.text();
    expect(html).not.toMatch(/https?:\/\//);
    const js = await (await f.request('/assets/app.js')).text();
    expect(js.length).toBeGreaterThan(1000);
    expect(await (await f.request('/assets/traces.js')).text()).toContain('agentcrateTraces');
  });
});
