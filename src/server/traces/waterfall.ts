/**
 * The trace waterfall, one copy for every page that draws a run: the API server's `/ui` page
 * inlines it, the studio serves it as `/assets/traces.js` beside its bundle. It is a plain
 * script (no build step, no dependency) that defines `window.agentcrateTraces`:
 *
 * - `draw(waterfall, attrs, body)`: one row per span of `GET /traces/{id}`'s answer, nested by
 *   parent, bars on a shared timeline, errors in red, tokens and cost per row (a node's are
 *   its model calls'); clicking a row shows its attributes in `attrs`.
 * - `runTitle(body)`, `fmtMs(ms)`, `fmtCost(usd, unknown)`.
 *
 * Every value from the server is inserted as text (never as HTML): span names and attributes
 * come from workflows and model answers.
 */

export const WATERFALL_STYLE = `
.wf { border:1px solid var(--line); border-radius:8px; overflow:hidden; }
.wf-row { display:grid; grid-template-columns: minmax(160px, 260px) 1fr 76px 110px; align-items:center; min-height:26px; border-bottom:1px solid var(--line); cursor:pointer; }
.wf-row:last-child { border-bottom:0; }
.wf-row:hover, .wf-row.selected { background:var(--panel); }
.wf-row:focus-visible { outline:2px solid var(--accent); outline-offset:-2px; }
.wf-name { overflow:hidden; text-overflow:ellipsis; white-space:nowrap; padding:0 8px; }
.wf-track { position:relative; height:26px; border-left:1px solid var(--line); }
.wf-bar { position:absolute; top:6px; height:14px; border-radius:3px; min-width:2px; background:var(--node); }
.wf-bar.run { background:var(--run); } .wf-bar.item { background:var(--item); } .wf-bar.model { background:var(--model); } .wf-bar.tool { background:var(--tool); }
.wf-row.error .wf-bar { background:var(--err); }
.wf-row.error .wf-name { color:var(--err); font-weight:600; }
.wf-dur, .wf-usage { text-align:right; padding-right:8px; color:var(--muted); font-variant-numeric:tabular-nums; font-size:12px; white-space:nowrap; }
.wf-attrs { border:1px solid var(--line); border-radius:8px; padding:8px 10px; background:var(--panel); align-self:start; overflow:auto; max-height:80vh; }
.wf-attrs h2 { font-size:14px; margin:4px 0 8px; }
.wf-attrs table { border-collapse:collapse; width:100%; }
.wf-attrs td { white-space:pre-wrap; word-break:break-word; vertical-align:top; padding:3px 6px; border-bottom:1px solid var(--line); font-family:ui-monospace, SFMono-Regular, Menlo, monospace; font-size:12px; }
.wf-attrs td:first-child { color:var(--muted); }
.wf-legend span { display:inline-flex; align-items:center; gap:4px; margin-right:12px; color:var(--muted); font-size:12px; }
.wf-legend i { display:inline-block; width:10px; height:10px; border-radius:2px; }
`;

export const WATERFALL_SCRIPT = `
(function () {
  'use strict';
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
  function kindOf(span) { return span.attributes['agentcrate.span.kind'] || 'node'; }
  function label(span) {
    var it = span.attributes['agentcrate.node.iteration'];
    return kindOf(span) === 'node' && it > 1 ? span.name + ' #' + it : span.name;
  }
  function num(v) { return typeof v === 'number' && isFinite(v) ? v : 0; }
  /** Tokens and cost of a span: its own model call, or the model calls below it. */
  function usageOf(node) {
    var a = node.span.attributes;
    if (kindOf(node.span) === 'model') {
      return { tokens: num(a['gen_ai.usage.input_tokens']) + num(a['gen_ai.usage.output_tokens']),
        cost: typeof a['agentcrate.cost.usd'] === 'number' ? a['agentcrate.cost.usd'] : null, calls: 1 };
    }
    var u = { tokens: 0, cost: null, calls: 0 };
    node.children.forEach(function (c) {
      var cu = usageOf(c);
      u.tokens += cu.tokens; u.calls += cu.calls;
      if (cu.cost !== null) u.cost = (u.cost || 0) + cu.cost;
    });
    return u;
  }
  function runTitle(body) {
    return 'Run ' + (body.run.job_id || body.trace_id) + ' \\u2014 ' + body.run.workflow +
      ' \\u2014 ' + body.run.status + ', ' + fmtMs(body.run.duration_ms) + ', ' + body.run.input_tokens + '/' +
      body.run.output_tokens + ' tokens, ' + fmtCost(body.run.cost_usd, body.run.cost_unknown);
  }
  function showSpan(wf, box, span) {
    Array.prototype.forEach.call(wf.querySelectorAll('.wf-row'), function (r) {
      r.classList.toggle('selected', r.getAttribute('data-span') === span.span_id);
    });
    box.textContent = '';
    box.appendChild(el('h2', { text: span.name }));
    var rows = [['status', span.status], ['duration', fmtMs(span.end_ms - span.start_ms)], ['start', new Date(span.start_ms).toISOString()], ['span id', span.span_id]];
    Object.keys(span.attributes).sort().forEach(function (k) {
      var v = span.attributes[k];
      rows.push([k, typeof v === 'string' ? v : JSON.stringify(v, null, 1)]);
    });
    box.appendChild(el('table', null, rows.map(function (r) {
      return el('tr', null, [el('td', { text: r[0] }), el('td', { text: r[1] })]);
    })));
  }
  function draw(wf, box, body) {
    var spans = body.spans;
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
    wf.textContent = '';
    wf.classList.add('wf');
    box.classList.add('wf-attrs');
    var walk = function (node, depth) {
      var s = node.span;
      var left = ((s.start_ms - t0) / total) * 100;
      var width = Math.max(((s.end_ms - s.start_ms) / total) * 100, 0.2);
      var u = usageOf(node);
      var usage = u.calls > 0 ? u.tokens + ' tok \\u00b7 ' + fmtCost(u.cost, u.cost === null) : '';
      var row = el('div', { class: 'wf-row' + (s.status === 'error' ? ' error' : ''), 'data-span': s.span_id, title: s.name, tabindex: '0', role: 'button' }, [
        el('div', { class: 'wf-name', style: 'padding-left:' + (8 + depth * 16) + 'px', text: (s.status === 'error' ? '\\u2716 ' : '') + label(s) }),
        el('div', { class: 'wf-track' }, [el('div', { class: 'wf-bar ' + kindOf(s), style: 'left:' + left.toFixed(3) + '%;width:' + Math.min(width, 100 - left).toFixed(3) + '%' })]),
        el('div', { class: 'wf-dur', text: fmtMs(s.end_ms - s.start_ms) }),
        el('div', { class: 'wf-usage', text: usage })
      ]);
      var open = function () { showSpan(wf, box, s); };
      row.addEventListener('click', open);
      row.addEventListener('keydown', function (e) { if (e.key === 'Enter' || e.key === ' ') { e.preventDefault(); open(); } });
      wf.appendChild(row);
      node.children.sort(order).forEach(function (c) { walk(c, depth + 1); });
    };
    roots.sort(order).forEach(function (r) { walk(r, 0); });
    var first = spans.filter(function (s) { return s.status === 'error'; })[0] || spans.filter(function (s) { return !s.parent_span_id; })[0];
    if (first) showSpan(wf, box, first);
  }
  window.agentcrateTraces = { draw: draw, runTitle: runTitle, fmtMs: fmtMs, fmtCost: fmtCost, el: el };
})();
`;

/** The colour legend of the waterfall's bars, as HTML. */
export const WATERFALL_LEGEND =
  '<div class="wf-legend"><span><i style="background:var(--run)"></i>run</span><span><i style="background:var(--node)"></i>node</span><span><i style="background:var(--item)"></i>parallel item</span><span><i style="background:var(--model)"></i>model call</span><span><i style="background:var(--tool)"></i>tool call</span><span><i style="background:var(--err)"></i>error</span></div>';
