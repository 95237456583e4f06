/**
 * The page's files: `index.html`, the esbuild bundle (`app.js`, `app.css`) built into
 * `dist/studio/web/` at build time, and the shared trace waterfall. Read once at start; no
 * CDN and nothing fetched at run time. Hashed names are not needed: the studio serves one
 * version at a time, with `no-cache` so a rebuilt package is picked up on reload.
 */
import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Hono } from 'hono';
import { AgentcrateError } from '../errors.js';
import { WATERFALL_SCRIPT, WATERFALL_STYLE } from '../server/traces/waterfall.js';

/** Where the bundle is: beside this module in dist/, or dist/ when running from src/ (tests). */
function webDir(): string {
  for (const rel of ['./web/', '../../dist/studio/web/']) {
    const dir = fileURLToPath(new URL(rel, import.meta.url));
    if (existsSync(`${dir}app.js`)) return dir;
  }
  throw new AgentcrateError(
    'E_IO',
    'the studio page is not built (dist/studio/web/app.js is missing); run `npm run build`',
  );
}

const CSP = [
  "default-src 'none'",
  "script-src 'self'",
  // CodeMirror injects its theme as style elements.
  "style-src 'self' 'unsafe-inline'",
  "connect-src 'self'",
  "img-src 'self' data:",
  "font-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

function indexHtml(title: string): string {
  const safe = title.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${safe}</title>
<link rel="stylesheet" href="/assets/app.css">
<link rel="stylesheet" href="/assets/traces.css">
<link rel="icon" href="data:,">
</head>
<body>
<div id="app"><p style="padding:2rem;font-family:system-ui">Loading the studio…</p></div>
<script src="/assets/traces.js"></script>
<script type="module" src="/assets/app.js"></script>
</body>
</html>`;
}

export function registerAssets(app: Hono, title: string): void {
  const dir = webDir();
  const files: Record<string, { body: string; type: string }> = {
    'app.js': { body: readFileSync(`${dir}app.js`, 'utf8'), type: 'text/javascript; charset=utf-8' },
    'app.css': { body: readFileSync(`${dir}app.css`, 'utf8'), type: 'text/css; charset=utf-8' },
    'traces.js': { body: WATERFALL_SCRIPT, type: 'text/javascript; charset=utf-8' },
    'traces.css': { body: WATERFALL_STYLE, type: 'text/css; charset=utf-8' },
  };
  const html = indexHtml(title);
  app.get('/assets/:file', (c) => {
    const file = files[c.req.param('file')];
    if (file === undefined) return c.notFound();
    return c.body(file.body, 200, { 'content-type': file.type, 'cache-control': 'no-cache' });
  });
  // Every page path is the single-page app (client-side routes).
  app.get('*', (c) => {
    if (c.req.path.startsWith('/api/')) return c.notFound();
    c.header('Content-Security-Policy', CSP);
    c.header('Cache-Control', 'no-store');
    return c.html(html);
  });
}
