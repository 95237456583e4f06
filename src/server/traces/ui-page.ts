/**
 * `GET /ui`: the trace page. Containers may have no internet, so no CDN and no asset files:
 * HTML, CSS and JS are module strings. It lists recent runs (GET /traces) and draws a run's
 * spans (GET /traces/{job_id}) with the shared waterfall (waterfall.ts, also the studio's).
 * Every value from the server is inserted as text (never as HTML), since span names and
 * attributes come from workflows and model answers.
 */

import { WATERFALL_LEGEND, WATERFALL_SCRIPT, WATERFALL_STYLE } from './waterfall.js';

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
`;

const SCRIPT = `
(function () {
  'use strict';
  var KEY = 'agentcrate.apiKey';
  var $ = function (id) { return document.getElementById(id); };
  var selectedRun = null;

  var T = window.agentcrateTraces, el = T.el, fmtMs = T.fmtMs, fmtCost = T.fmtCost;
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
    $('detail-section').hidden = false;
    $('detail-title').textContent = T.runTitle(body);
    T.draw($('waterfall'), $('attrs'), body);
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
<style>${STYLE}${WATERFALL_STYLE}</style>
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
    ${WATERFALL_LEGEND}
    <div id="detail">
      <div id="waterfall"></div>
      <div id="attrs"></div>
    </div>
  </section>
</main>
<script>${WATERFALL_SCRIPT}${SCRIPT}</script>
</body>
</html>`;
}
