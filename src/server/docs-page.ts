/**
 * `GET /docs`: a small self-contained API explorer. Containers may have no internet, so no
 * CDN and no asset files: the page is this module string. It loads `openapi.json`, lists
 * every endpoint with its parameters and schemas, and sends requests (POST /run with the
 * example input prefilled, an optional API key, Prefer: respond-async).
 */

export function docsPage(title: string): string {
  const safeTitle = title.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${safeTitle} — API docs</title>
<style>
:root { color-scheme: light dark; --fg:#1b1f24; --muted:#57606a; --bg:#fff; --panel:#f6f8fa; --line:#d0d7de; --accent:#0969da; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6edf3; --muted:#8d96a0; --bg:#0d1117; --panel:#161b22; --line:#30363d; --accent:#4493f8; } }
* { box-sizing: border-box; }
body { margin:0; font:15px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header { padding:20px 28px; border-bottom:1px solid var(--line); }
header h1 { margin:0 0 4px; font-size:22px; }
header p { margin:0; color:var(--muted); }
main { max-width:1000px; margin:0 auto; padding:20px 28px 60px; }
details.op { border:1px solid var(--line); border-radius:8px; margin:10px 0; background:var(--panel); }
details.op > summary { cursor:pointer; padding:10px 14px; list-style:none; display:flex; gap:12px; align-items:center; }
.method { font:600 12px/1 ui-monospace, monospace; padding:5px 8px; border-radius:5px; color:#fff; min-width:56px; text-align:center; }
.get { background:#1f883d; } .post { background:#0969da; } .delete { background:#cf222e; }
.path { font-family:ui-monospace, monospace; font-weight:600; }
.summary { color:var(--muted); }
.body { padding:4px 16px 16px; border-top:1px solid var(--line); }
pre, textarea { font:13px/1.45 ui-monospace, SFMono-Regular, Menlo, monospace; }
pre { background:var(--bg); border:1px solid var(--line); border-radius:6px; padding:10px; overflow:auto; max-height:360px; }
textarea { width:100%; min-height:140px; padding:8px; border-radius:6px; border:1px solid var(--line); background:var(--bg); color:var(--fg); }
input[type=text], input[type=password] { padding:6px 8px; border-radius:6px; border:1px solid var(--line); background:var(--bg); color:var(--fg); min-width:260px; }
button { padding:7px 14px; border-radius:6px; border:1px solid var(--accent); background:var(--accent); color:#fff; cursor:pointer; font-weight:600; }
label { display:inline-flex; gap:6px; align-items:center; margin:6px 14px 6px 0; }
table { border-collapse:collapse; width:100%; margin:6px 0; }
td, th { text-align:left; padding:4px 8px; border-bottom:1px solid var(--line); font-size:14px; }
.status { font-weight:600; }
.bar { display:flex; gap:12px; align-items:center; flex-wrap:wrap; margin-top:10px; }
</style>
</head>
<body>
<header>
  <h1 id="title">${safeTitle}</h1>
  <p id="description">Loading the API description…</p>
  <div class="bar"><label>API key <input id="apikey" type="password" placeholder="only if the server requires one" autocomplete="off"></label></div>
</header>
<main>
  <h2>Endpoints</h2>
  <div id="ops"></div>
  <h2>Schemas</h2>
  <div id="schemas"></div>
</main>
<script>
(function () {
  'use strict';
  var base = location.pathname.replace(/\\/docs\\/?$/, '');
  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    for (var k in attrs || {}) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'class') node.className = attrs[k];
      else node.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { if (c) node.appendChild(c); });
    return node;
  }
  function pretty(v) { return JSON.stringify(v, null, 2); }
  function resolveRef(doc, schema) {
    if (!schema || !schema.$ref) return schema;
    return schema.$ref.slice(2).split('/').reduce(function (n, p) { return n && n[p]; }, doc);
  }
  function headers(extra) {
    var h = extra || {};
    var key = document.getElementById('apikey').value.trim();
    if (key) h['Authorization'] = 'Bearer ' + key;
    return h;
  }
  function send(method, url, body, extraHeaders, out) {
    out.textContent = 'Sending…';
    var init = { method: method, headers: headers(extraHeaders) };
    if (body !== undefined) { init.body = body; init.headers['Content-Type'] = 'application/json'; }
    var started = performance.now();
    fetch(base + url, init).then(function (res) {
      return res.text().then(function (text) {
        var shown = text;
        try { shown = pretty(JSON.parse(text)); } catch (e) {}
        out.textContent = 'HTTP ' + res.status + ' ' + res.statusText + ' · ' + Math.round(performance.now() - started) + ' ms\\n\\n' + shown;
      });
    }).catch(function (err) { out.textContent = 'Request failed: ' + err; });
  }
  function paramTable(params) {
    if (!params || !params.length) return null;
    var rows = params.map(function (p) {
      return el('tr', {}, [el('td', { text: p.name }), el('td', { text: p.in }), el('td', { text: (p.schema && (p.schema.type || (p.schema.enum || []).join('|'))) || '' }), el('td', { text: p.description || '' })]);
    });
    return el('table', {}, [el('tr', {}, [el('th', { text: 'parameter' }), el('th', { text: 'in' }), el('th', { text: 'type' }), el('th', { text: '' })])].concat(rows));
  }
  function operation(doc, path, method, op) {
    var body = el('div', { class: 'body' });
    if (op.description) body.appendChild(el('p', { text: op.description }));
    var table = paramTable(op.parameters);
    if (table) body.appendChild(table);
    var out = el('pre', { text: 'No request sent yet.' });
    var pathInputs = (path.match(/\\{[^}]+\\}/g) || []).map(function (name) {
      var input = el('input', { type: 'text', placeholder: name.slice(1, -1) });
      body.appendChild(el('label', {}, [document.createTextNode(name.slice(1, -1)), input]));
      return { name: name, input: input };
    });
    var textarea, asyncBox, query;
    if (op.requestBody) {
      var media = op.requestBody.content['application/json'];
      var schema = resolveRef(doc, media.schema);
      body.appendChild(el('h4', { text: 'Request body' }));
      body.appendChild(el('pre', { text: pretty(schema) }));
      textarea = el('textarea', {});
      textarea.value = pretty(media.example || {});
      body.appendChild(textarea);
      asyncBox = el('input', { type: 'checkbox' });
      body.appendChild(el('label', {}, [asyncBox, document.createTextNode('Prefer: respond-async')]));
    }
    if (method === 'get' && path === '/jobs') {
      query = el('input', { type: 'text', placeholder: 'status=completed&limit=10' });
      body.appendChild(el('label', {}, [document.createTextNode('query'), query]));
    }
    var button = el('button', { text: 'Send ' + method.toUpperCase() + ' ' + path });
    button.addEventListener('click', function () {
      var url = path;
      pathInputs.forEach(function (p) { url = url.replace(p.name, encodeURIComponent(p.input.value.trim())); });
      if (query && query.value.trim()) url += '?' + query.value.trim();
      var extra = {};
      if (asyncBox && asyncBox.checked) extra['Prefer'] = 'respond-async';
      send(method.toUpperCase(), url, textarea ? textarea.value : undefined, extra, out);
    });
    body.appendChild(el('div', { class: 'bar' }, [button]));
    var responses = el('table', {}, [el('tr', {}, [el('th', { text: 'status' }), el('th', { text: 'meaning' })])].concat(
      Object.keys(op.responses || {}).map(function (code) { return el('tr', {}, [el('td', { class: 'status', text: code }), el('td', { text: op.responses[code].description || '' })]); })));
    body.appendChild(el('h4', { text: 'Responses' }));
    body.appendChild(responses);
    body.appendChild(el('h4', { text: 'Response' }));
    body.appendChild(out);
    var summary = el('summary', {}, [el('span', { class: 'method ' + method, text: method.toUpperCase() }), el('span', { class: 'path', text: path }), el('span', { class: 'summary', text: op.summary || '' })]);
    return el('details', { class: 'op' }, [summary, body]);
  }
  fetch(base + '/openapi.json', { headers: headers() }).then(function (r) {
    if (!r.ok) throw new Error('HTTP ' + r.status + ' (an API key may be needed: enter it above and reload)');
    return r.json();
  }).then(function (doc) {
    document.getElementById('title').textContent = doc.info.title + ' ' + doc.info.version;
    document.getElementById('description').textContent = doc.info.description || '';
    var ops = document.getElementById('ops');
    Object.keys(doc.paths).forEach(function (path) {
      Object.keys(doc.paths[path]).forEach(function (method) {
        var node = operation(doc, path, method, doc.paths[path][method]);
        if (path === '/run') node.open = true;
        ops.appendChild(node);
      });
    });
    var schemas = document.getElementById('schemas');
    Object.keys(doc.components.schemas).forEach(function (name) {
      schemas.appendChild(el('details', { class: 'op' }, [el('summary', {}, [el('span', { class: 'path', text: name })]), el('div', { class: 'body' }, [el('pre', { text: pretty(doc.components.schemas[name]) })])]));
    });
  }).catch(function (err) {
    document.getElementById('description').textContent = 'Could not load openapi.json: ' + err.message;
  });
})();
</script>
</body>
</html>
`;
}
