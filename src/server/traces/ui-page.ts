/**
 * `GET /ui`: the trace page. Containers may have no internet, so no CDN and no asset files:
 * HTML, CSS and JS are this module string. It lists recent runs (GET /traces) and draws a
 * run's spans (GET /traces/{job_id}) as a waterfall: one row per span, nested by parent,
 * bars on a shared timeline, errors in red; clicking a span shows its attributes. Every
 * value from the server is inserted as text (never as HTML), since span names and
 * attributes come from workflows and model answers.
 */

const STYLE = `
:root { color-scheme: light dark; --fg:#1b1f24; --muted:#57606a; --bg:#fff; --panel:#f6f8fa; --line:#d0d7de;
  --accent:#0969da; --run:#8250df; --node:#0969da; --item:#54aeff; --model:#1a7f37; --tool:#bf8700; --err:#cf222e; }
@media (prefers-color-scheme: dark) { :root { --fg:#e6edf3; --muted:#8d96a0; --bg:#0d1117; --panel:#161b22; --line:#30363d;
  --accent:#4493f8; --err:#f85149; } }
* { box-sizing: border-box; }
body { margin:0; font:14px/1.45 system-ui, -apple-system, "Segoe UI", sans-serif; color:var(--fg); background:var(--bg); }
header { display:flex; gap:16px; align-items:center; padding:12px 20px; border-bottom:1px solid var(--line); flex-wrap:wrap; }
header h1 { margin:0; font-size:18px; }
header .muted { color:var(--muted); }
header form { margin-left:auto; display:flex; gap:6px; align-items:center; }
input { padding:5px 8px; border-radius:6px; border:1px solid var(--line); background:var(--bg); color:var(--fg); }
button { padding:5px 12px; border-radius:6px; border:1px solid var(--accent); background:var(--accent); color:#fff; cursor:pointer; }
main { padding:12px 20px 40px; }
h2 { font-size:15px; margin:14px 0 8px; }
table { border-collapse:collapse; width:100%; }
th, td { text-align:left; padding:5px 8px; border-bottom:1px solid var(--line); white-space:nowrap; }
th { color:var(--muted); font-weight:600; font-size:12px; }
td.num, th.num { text-align:right; font-variant-numeric:tabular-nums; }
tr.run { cursor:pointer; }
tr.run:hover, tr.run.selected { background:var(--panel); }
.badge { display:inline-block; padding:1px 8px; border-radius:10px; font-size:12px; font-weight:600; color:#fff; }
.badge.success { background:#1a7f37; } .badge.failed { background:var(--err); } .badge.cancelled { background:#6e7781; } .badge.running { background:#bf8700; }
.mono { font-family:ui-monospace, SFMono-Regular, Menlo, monospace; font-size:12px; }
#error { color:var(--err); margin:8px 0; white-space:pre-wrap; }
#detail { display:grid; grid-template-columns: minmax(0, 3fr) minmax(260px, 1fr); gap:16px; }
#waterfall { border:1px solid var(--line); border-radius:8px; overflow:hidden; }
.wf-row { display:grid; grid-template-columns: 300px 1fr 80px; align-items:center; min-height:26px; border-bottom:1px solid var(--line); cursor:pointer; }
.wf-row:last-child { border-bottom:0; }
.wf-row:hover, .wf-row.selected { background:var(--panel); }
.wf-name { overflow:hidden; text-overflow:ellipsis; white-space:nowrap; padding:0 8px; }
.wf-track { position:relative; height:26px; border-left:1px solid var(--line); }
.wf-bar { position:absolute; top:6px; height:14px; border-radius:3px; min-width:2px; background:var(--node); }
.wf-bar.run { background:var(--run); } .wf-bar.item { background:var(--item); } .wf-bar.model { background:var(--model); } .wf-bar.tool { background:var(--tool); }
.wf-row.error .wf-bar { background:var(--err); }
.wf-row.error .wf-name { color:var(--err); font-weight:600; }
.wf-dur { text-align:right; padding-right:8px; color:var(--muted); font-variant-numeric:tabular-nums; font-size:12px; }
#attrs { border:1px solid var(--line); border-radius:8px; padding:8px 10px; background:var(--panel); align-self:start; overflow:auto; max-height:80vh; }
#attrs table td { white-space:pre-wrap; word-break:break-word; vertical-align:top; }
#attrs td:first-child { color:var(--muted); }
.legend span { display:inline-flex; align-items:center; gap:4px; margin-right:12px; color:var(--muted); font-size:12px; }
.legend i { display:inline-block; width:10px; height:10px; border-radius:2px; }
`;

const SCRIPT = `
(function () {
  'use strict';
  var KEY = 'agentcrate.apiKey';
  var $ = function (id) { return document.getElementById(id); };
  var selectedRun = null;

  function el(tag, attrs, children) {
    var node = document.createElement(tag);
    if (attrs) for (var k in attrs) {
      if (k === 'text') node.textContent = attrs[k];
      else if (k === 'class') node.className = attrs[k];
      else if (k === 'style') node.setAttribute('style', attrs[k]);
      else node.setAttribute(k, attrs[k]);
    }
    (children || []).forEach(function (c) { node.appendChild(typeof c === 'string' ? document.createTextNode(c) : c); });
    return node;
  }
  function fmtMs(ms) {
    if (ms <= 0) return '0 ms';
    if (ms < 1) return ms.toFixed(2) + ' ms';
    if (ms < 1000) return Math.round(ms) + ' ms';
    if (ms < 60000) return (ms / 1000).toFixed(2) + ' s';
    return Math.floor(ms / 60000) + ' m ' + Math.round((ms % 60000) / 1000) + ' s';
  }
  function fmtCost(usd, unknown) {
    if (usd === null || usd === undefined) return 'unknown';
    var t = usd === 0 ? '$0' : usd < 0.01 ? '$' + usd.toPrecision(2) : '$' + usd.toFixed(4);
    return unknown ? '\\u2265' + t + ' *' : t;
  }
  function showError(text) { $('error').textContent = text || ''; }

  function api(path) {
    var headers = { accept: 'application/json' };
    var key = sessionStorage.getItem(KEY);
    if (key) headers.authorization = 'Bearer ' + key;
    return fetch(path, { headers: headers }).then(function (res) {
      return res.json().catch(function () { return {}; }).then(function (body) {
        if (!res.ok) {
          var msg = body && body.error ? body.error.message : 'HTTP ' + res.status;
          if (res.status === 401) msg += ' \\u2014 paste an API key above.';
          throw new Error(msg);
        }
        return body;
      });
    });
  }

  function loadRuns() {
    return api('traces?limit=50').then(function (body) {
      showError('');
      var tbody = $('runs-body');
      tbody.textContent = '';
      if (!body.runs.length) {
        tbody.appendChild(el('tr', null, [el('td', { colspan: '8', class: 'muted', text: 'No traced runs yet. Run the workflow (POST /run) and refresh.' })]));
      }
      body.runs.forEach(function (run) {
        var id = run.job_id || run.trace_id;
        var tr = el('tr', { class: 'run' + (id === selectedRun ? ' selected' : ''), 'data-id': id }, [
          el('td', null, [el('span', { class: 'badge ' + run.status, text: run.status })]),
          el('td', { class: 'mono', text: id }),
          el('td', { text: run.workflow }),
          el('td', { text: new Date(run.start_ms).toLocaleString() }),
          el('td', { class: 'num', text: fmtMs(run.duration_ms) }),
          el('td', { class: 'num', text: String(run.input_tokens) }),
          el('td', { class: 'num', text: String(run.output_tokens) }),
          el('td', { class: 'num', text: fmtCost(run.cost_usd, run.cost_unknown) })
        ]);
        tr.addEventListener('click', function () { openRun(id); });
        tbody.appendChild(tr);
      });
    }).catch(function (e) { showError(e.message); });
  }

  function kindOf(span) { return span.attributes['agentcrate.span.kind'] || 'node'; }
  function label(span) {
    var it = span.attributes['agentcrate.node.iteration'];
    return kindOf(span) === 'node' && it > 1 ? span.name + ' #' + it : span.name;
  }

  function openRun(id) {
    selectedRun = id;
    Array.prototype.forEach.call(document.querySelectorAll('tr.run'), function (tr) {
      tr.classList.toggle('selected', tr.getAttribute('data-id') === id);
    });
    return api('traces/' + encodeURIComponent(id)).then(function (body) {
      showError('');
      drawWaterfall(body);
    }).catch(function (e) { showError(e.message); });
  }

  function drawWaterfall(body) {
    var spans = body.spans;
    $('detail-section').hidden = false;
    $('detail-title').textContent = 'Run ' + (body.run.job_id || body.trace_id) + ' \\u2014 ' + body.run.workflow +
      ' \\u2014 ' + body.run.status + ', ' + fmtMs(body.run.duration_ms) + ', ' + body.run.input_tokens + '/' +
      body.run.output_tokens + ' tokens, ' + fmtCost(body.run.cost_usd, body.run.cost_unknown);
    var byId = {}, roots = [];
    spans.forEach(function (s) { byId[s.span_id] = { span: s, children: [] }; });
    spans.forEach(function (s) {
      var parent = s.parent_span_id && byId[s.parent_span_id];
      if (parent) parent.children.push(byId[s.span_id]); else roots.push(byId[s.span_id]);
    });
    var order = function (a, b) { return a.span.start_ms - b.span.start_ms; };
    var t0 = Math.min.apply(null, spans.map(function (s) { return s.start_ms; }));
    var t1 = Math.max.apply(null, spans.map(function (s) { return s.end_ms; }));
    var total = Math.max(t1 - t0, 0.001);
    var wf = $('waterfall');
    wf.textContent = '';
    var walk = function (node, depth) {
      var s = node.span;
      var left = ((s.start_ms - t0) / total) * 100;
      var width = Math.max(((s.end_ms - s.start_ms) / total) * 100, 0.2);
      var row = el('div', { class: 'wf-row' + (s.status === 'error' ? ' error' : ''), 'data-span': s.span_id, title: s.name }, [
        el('div', { class: 'wf-name', style: 'padding-left:' + (8 + depth * 16) + 'px', text: (s.status === 'error' ? '\\u2716 ' : '') + label(s) }),
        el('div', { class: 'wf-track' }, [el('div', { class: 'wf-bar ' + kindOf(s), style: 'left:' + left.toFixed(3) + '%;width:' + Math.min(width, 100 - left).toFixed(3) + '%' })]),
        el('div', { class: 'wf-dur', text: fmtMs(s.end_ms - s.start_ms) })
      ]);
      row.addEventListener('click', function () { showSpan(s); });
      wf.appendChild(row);
      node.children.sort(order).forEach(function (c) { walk(c, depth + 1); });
    };
    roots.sort(order).forEach(function (r) { walk(r, 0); });
    var first = spans.filter(function (s) { return s.status === 'error'; })[0] || spans.filter(function (s) { return !s.parent_span_id; })[0];
    if (first) showSpan(first);
  }

  function showSpan(span) {
    Array.prototype.forEach.call(document.querySelectorAll('.wf-row'), function (r) {
      r.classList.toggle('selected', r.getAttribute('data-span') === span.span_id);
    });
    var box = $('attrs');
    box.textContent = '';
    box.appendChild(el('h2', { text: span.name }));
    var rows = [['status', span.status], ['duration', fmtMs(span.end_ms - span.start_ms)], ['start', new Date(span.start_ms).toISOString()], ['span id', span.span_id]];
    Object.keys(span.attributes).sort().forEach(function (k) {
      var v = span.attributes[k];
      rows.push([k, typeof v === 'string' ? v : JSON.stringify(v, null, 1)]);
    });
    box.appendChild(el('table', null, rows.map(function (r) {
      return el('tr', null, [el('td', { class: 'mono', text: r[0] }), el('td', { class: 'mono', text: r[1] })]);
    })));
  }

  $('key-form').addEventListener('submit', function (e) {
    e.preventDefault();
    var v = $('key').value.trim();
    if (v) sessionStorage.setItem(KEY, v); else sessionStorage.removeItem(KEY);
    $('key').value = '';
    $('key').placeholder = v ? 'API key saved for this tab' : 'API key (if the server needs one)';
    loadRuns();
  });
  if (sessionStorage.getItem(KEY)) $('key').placeholder = 'API key saved for this tab';
  $('refresh').addEventListener('click', function () { loadRuns(); if (selectedRun) openRun(selectedRun); });
  loadRuns();
})();
`;

export function tracesPage(title: string): string {
  const safe = title.replace(/[<>&"']/g, (ch) => `&#${ch.charCodeAt(0)};`);
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${safe} — traces</title>
<style>${STYLE}</style>
</head>
<body>
<header>
  <h1>${safe} <span class="muted">traces</span></h1>
  <button id="refresh" type="button">Refresh</button>
  <form id="key-form" autocomplete="off">
    <input id="key" type="password" placeholder="API key (if the server needs one)" aria-label="API key">
    <button type="submit">Use key</button>
  </form>
</header>
<main>
  <div id="error" role="alert"></div>
  <h2>Recent runs</h2>
  <table id="runs">
    <thead><tr><th>Status</th><th>Job</th><th>Workflow</th><th>Started</th><th class="num">Duration</th><th class="num">Tokens in</th><th class="num">Tokens out</th><th class="num">Cost</th></tr></thead>
    <tbody id="runs-body"></tbody>
  </table>
  <section id="detail-section" hidden>
    <h2 id="detail-title"></h2>
    <div class="legend"><span><i style="background:var(--run)"></i>run</span><span><i style="background:var(--node)"></i>node</span><span><i style="background:var(--item)"></i>parallel item</span><span><i style="background:var(--model)"></i>model call</span><span><i style="background:var(--tool)"></i>tool call</span><span><i style="background:var(--err)"></i>error</span></div>
    <div id="detail">
      <div id="waterfall"></div>
      <div id="attrs"></div>
    </div>
  </section>
</main>
<script>${SCRIPT}</script>
</body>
</html>`;
}
