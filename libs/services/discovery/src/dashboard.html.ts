/**
 * The discovery dashboard: one self-contained page (no external script,
 * style, font or image), fed by the server-sent events of /registry/events,
 * falling back to polling /registry. Every value is written with textContent,
 * never as HTML: a registration cannot inject markup.
 */
export const DASHBOARD_HTML = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>shop discovery</title>
<style>
  :root { color-scheme: light dark; --up: #1a7f37; --down: #cf222e; --other: #9a6700; --muted: #6e7781; }
  body { font: 14px/1.4 system-ui, -apple-system, "Segoe UI", sans-serif; margin: 0; padding: 1.5rem 2rem; }
  h1 { font-size: 1.4rem; margin: 0 0 .25rem; }
  .bar { display: flex; gap: 1.5rem; align-items: baseline; flex-wrap: wrap; margin-bottom: 1rem; color: var(--muted); }
  #conn[data-state="live"] { color: var(--up); } #conn[data-state="reconnecting"] { color: var(--down); }
  table { border-collapse: collapse; width: 100%; margin-bottom: 1.5rem; }
  th, td { text-align: left; padding: .35rem .6rem; border-bottom: 1px solid #d0d7de55; white-space: nowrap; }
  th { font-size: .75rem; text-transform: uppercase; letter-spacing: .04em; color: var(--muted); }
  tr.service td { font-weight: 600; padding-top: .9rem; border-bottom: 2px solid #d0d7de88; }
  .status { font-weight: 700; padding: .05rem .45rem; border-radius: .3rem; color: #fff; font-size: .8rem; }
  .status.UP { background: var(--up); } .status.DOWN { background: var(--down); } .status.STARTING, .status.OUT_OF_SERVICE { background: var(--other); }
  .status.EVICTED, .status.DEREGISTERED { background: var(--muted); }
  .reason { color: var(--down); white-space: normal; }
  .muted { color: var(--muted); }
  #empty { color: var(--muted); }
  h2 { font-size: 1rem; }
</style>
</head>
<body>
<h1>shop discovery</h1>
<div class="bar">
  <span>feed: <strong id="conn" data-state="connecting">connecting</strong></span>
  <span><strong id="svc-count">0</strong> services</span>
  <span><strong id="up-count">0</strong> / <strong id="inst-count">0</strong> instances up</span>
  <span>eviction after <strong id="ttl">?</strong> without heartbeat</span>
  <span>registry version <strong id="version">-</strong>, updated <span id="updated">never</span></span>
</div>
<table id="instances">
  <thead><tr><th>service / instance</th><th>status</th><th>version</th><th>address</th><th>namespace</th><th>uptime</th><th>last heartbeat</th><th>reason</th></tr></thead>
  <tbody></tbody>
</table>
<p id="empty" hidden>No instance is registered.</p>
<h2>Recently left</h2>
<table id="removed">
  <thead><tr><th>service</th><th>instance</th><th>how</th><th>when</th></tr></thead>
  <tbody></tbody>
</table>
<script>
(function () {
  'use strict';
  var state = null;
  var receivedAt = Date.now();
  function el(tag, text, cls) {
    var e = document.createElement(tag);
    if (text !== undefined) e.textContent = String(text);
    if (cls) e.className = cls;
    return e;
  }
  function ago(iso) {
    var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    if (s < 60) return s + ' s ago';
    if (s < 3600) return Math.floor(s / 60) + ' min ' + (s % 60) + ' s ago';
    return Math.floor(s / 3600) + ' h ' + Math.floor((s % 3600) / 60) + ' min ago';
  }
  function duration(iso) {
    var s = Math.max(0, Math.round((Date.now() - Date.parse(iso)) / 1000));
    var d = Math.floor(s / 86400), h = Math.floor((s % 86400) / 3600), m = Math.floor((s % 3600) / 60);
    return (d ? d + 'd ' : '') + (d || h ? h + 'h ' : '') + (d || h || m ? m + 'm ' : '') + (s % 60) + 's';
  }
  function render() {
    if (!state) return;
    var body = document.querySelector('#instances tbody');
    var rows = document.createDocumentFragment();
    var byService = {};
    state.instances.forEach(function (i) { (byService[i.service] = byService[i.service] || []).push(i); });
    var services = Object.keys(byService).sort();
    var up = 0;
    services.forEach(function (name) {
      var list = byService[name];
      var live = list.filter(function (i) { return i.status === 'UP'; }).length;
      up += live;
      var head = el('tr', undefined, 'service');
      head.dataset.service = name;
      var cell = el('td', name + '  (' + live + '/' + list.length + ' up)');
      cell.colSpan = 8;
      head.appendChild(cell);
      rows.appendChild(head);
      list.forEach(function (i) {
        var tr = el('tr');
        tr.dataset.service = i.service;
        tr.dataset.instanceId = i.instanceId;
        tr.appendChild(el('td', i.instanceId, 'muted'));
        var st = el('td');
        var badge = el('span', i.status, 'status ' + i.status);
        badge.dataset.field = 'status';
        st.appendChild(badge);
        tr.appendChild(st);
        tr.appendChild(el('td', i.version));
        tr.appendChild(el('td', i.host + ':' + i.port));
        tr.appendChild(el('td', i.metadata.namespace || '-', 'muted'));
        tr.appendChild(el('td', duration(i.metadata.startedAt || i.registeredAt)));
        tr.appendChild(el('td', ago(i.lastHeartbeat)));
        tr.appendChild(el('td', i.statusReason || '', 'reason'));
        rows.appendChild(tr);
      });
    });
    body.replaceChildren(rows);
    document.getElementById('empty').hidden = state.instances.length > 0;
    document.getElementById('svc-count').textContent = String(services.length);
    document.getElementById('inst-count').textContent = String(state.instances.length);
    document.getElementById('up-count').textContent = String(up);
    document.getElementById('ttl').textContent = (state.ttlMs / 1000) + ' s';
    document.getElementById('version').textContent = String(state.version);
    document.getElementById('updated').textContent = ago(new Date(receivedAt).toISOString());
    var removed = document.createDocumentFragment();
    (state.removed || []).forEach(function (r) {
      var tr = el('tr');
      tr.dataset.service = r.service;
      tr.dataset.instanceId = r.instanceId;
      tr.appendChild(el('td', r.service));
      tr.appendChild(el('td', r.instanceId, 'muted'));
      var how = el('td');
      var badge = el('span', r.reason === 'evicted' ? 'EVICTED' : 'DEREGISTERED', 'status ' + (r.reason === 'evicted' ? 'EVICTED' : 'DEREGISTERED'));
      badge.dataset.field = 'status';
      how.appendChild(badge);
      tr.appendChild(how);
      tr.appendChild(el('td', ago(r.at)));
      removed.appendChild(tr);
    });
    document.querySelector('#removed tbody').replaceChildren(removed);
  }
  function accept(data) {
    state = data;
    receivedAt = Date.now();
    render();
  }
  function setConn(s) {
    var c = document.getElementById('conn');
    c.dataset.state = s;
    c.textContent = s;
  }
  var polling = null;
  function poll() {
    fetch('registry', { cache: 'no-store' }).then(function (r) { return r.json(); }).then(function (view) {
      view.removed = (state && state.removed) || [];
      accept(view);
      setConn('polling');
    }).catch(function () { setConn('reconnecting'); });
  }
  function connect() {
    if (!window.EventSource) { polling = setInterval(poll, 2000); poll(); return; }
    var source = new EventSource('registry/events');
    var failures = 0;
    source.onopen = function () { failures = 0; setConn('live'); if (polling) { clearInterval(polling); polling = null; } };
    source.onmessage = function (e) { accept(JSON.parse(e.data)); setConn('live'); };
    source.onerror = function () {
      failures++;
      setConn('reconnecting');
      if (failures >= 3 && !polling) polling = setInterval(poll, 2000);
    };
  }
  setInterval(render, 1000);
  connect();
})();
</script>
</body>
</html>
`;
