/* global document, window, location, Blob */
// The RESABOX technical-team dashboard: hash-routed views over the fleet API, refreshed by
// the fleet's change stream. Every value from the API is escaped before it reaches the page.
import { api, ApiError, liveChanges, token } from './api.js';
import { lineChart } from './chart.js';
import { esc, fmtTime, ago, pill, table } from './html.js';

const main = document.getElementById('main');
const state = { me: null, view: null };

function toast(text) {
  const t = document.createElement('div');
  t.className = 'toast';
  t.textContent = text;
  document.body.append(t);
  setTimeout(() => t.remove(), 4000);
}

/** A remote or front-desk open is not a credential decision: the fleet stores it as not granted, with reason manual-open. */
const passResult = (p) => (p.granted ? pill('granted', 'ok') : p.outcome === 'manual' ? pill('manual open', 'warn') : pill('refused', 'bad'));

const may = (permission) => state.me?.permissions.includes(permission) ?? false;

// ---- views: each returns { render(), topics } ----

const overview = () => ({
  topics: ['boxes', 'alerts', 'health'],
  async render() {
    const [{ boxes }, { alerts }, { clubs }] = await Promise.all([api('/v1/boxes?limit=1000'), api('/v1/alerts?status=open&limit=500'), api('/v1/clubs')]);
    const active = boxes.filter((b) => b.status === 'active');
    const online = active.filter((b) => b.online).length;
    const versions = [...new Set(active.map((b) => b.agentVersion ?? 'unknown'))];
    const alertsOf = (id) => alerts.filter((a) => a.boxId === id);
    const clubName = new Map(clubs.map((c) => [c.id, c.name]));
    const byClub = Map.groupBy(boxes, (b) => b.clubId ?? '');
    let html = `<h1>Fleet overview</h1>
      <div class="stats">
        <div class="stat"><b id="online-count">${online} / ${active.length}</b>boxes online</div>
        <div class="stat"><b>${alerts.length}</b>open alerts</div>
        <div class="stat"><b>${versions.length}</b>agent versions: ${esc(versions.join(', '))}</div>
      </div>`;
    for (const [clubId, list] of byClub) {
      html += `<h2>${esc(clubName.get(clubId) ?? (clubId || 'No club'))}</h2><div class="grid">`;
      for (const b of list) {
        const open = alertsOf(b.id);
        html += `<a class="card box-card" href="#/box/${encodeURIComponent(b.id)}" data-box="${esc(b.id)}">
          <strong>${esc(b.id)}</strong> ${b.status === 'active' ? pill(b.online ? 'online' : 'offline', b.online ? 'ok' : 'bad') : pill(b.status, 'warn')}
          <div class="muted">${esc(b.name)} · v${esc(b.agentVersion ?? '?')} · seen ${esc(ago(b.lastSeenAt))}</div>
          <div>${open.length ? pill(`${open.length} alert${open.length > 1 ? 's' : ''}`, 'warn') : '<span class="muted">no open alert</span>'}</div>
        </a>`;
      }
      html += '</div>';
    }
    main.innerHTML = html;
  },
});

const LANE_OPEN_TTL = 30;

function boxActions(box) {
  if (!may('commands.send') || box.status !== 'active') return '';
  const lanes = (box.latestHealth?.lanes ?? []).map((l) => l.laneId);
  const devices = box.devices.map((d) => d.deviceId);
  return `<div class="card"><h2>Support actions</h2>
    <div class="actions">
      <select id="lane">${lanes.map((l) => `<option>${esc(l)}</option>`).join('')}</select>
      <select id="direction"><option value="in">in</option><option value="out">out</option></select>
      <button id="open-lane" ${lanes.length ? '' : 'disabled'}>Open lane</button>
    </div>
    <div class="actions">
      <select id="device">${devices.map((d) => `<option>${esc(d)}</option>`).join('')}</select>
      <button id="restart-device" class="secondary" ${devices.length ? '' : 'disabled'}>Restart device</button>
      <button id="print-test" class="secondary">Print a test ticket</button>
      <button id="fetch-logs" class="secondary">Fetch logs</button>
    </div>
    <div class="actions"><input id="ticket" placeholder="Support ticket (optional)" size="24"></div>
    <p id="command-status" class="muted"></p>
    <pre id="logs" class="logs" hidden></pre></div>`;
}

async function sendCommand(boxId, kind, args) {
  const ticket = document.getElementById('ticket')?.value.trim() || undefined;
  const status = document.getElementById('command-status');
  status.textContent = `${kind}: sending…`;
  try {
    let cmd = await api(`/v1/boxes/${encodeURIComponent(boxId)}/commands`, { method: 'POST', body: { kind, args, ttlSeconds: LANE_OPEN_TTL, ...(ticket ? { ticket } : {}) } });
    while (cmd.status === 'pending') {
      status.textContent = `${kind}: waiting for the box…`;
      await new Promise((r) => setTimeout(r, 700));
      cmd = await api(`/v1/commands/${cmd.id}`);
    }
    status.textContent = `${kind}: ${cmd.status}${cmd.result?.error ? ` (${cmd.result.error.message ?? cmd.result.error.code ?? ''})` : ''}`;
    return cmd;
  } catch (e) {
    status.textContent = `${kind}: ${e.message}`;
    return null;
  }
}

function logText(result) {
  const lines = result?.lines ?? result?.data?.lines ?? result?.logs;
  if (Array.isArray(lines)) return lines.map((l) => (typeof l === 'string' ? l : JSON.stringify(l))).join('\n');
  return JSON.stringify(result, null, 2);
}

function wireActions(box) {
  const on = (id, fn) => document.getElementById(id)?.addEventListener('click', fn);
  on('open-lane', () => sendCommand(box.id, 'open-lane', { laneId: document.getElementById('lane').value, direction: document.getElementById('direction').value, reason: 'remote open from the dashboard' }));
  on('restart-device', () => sendCommand(box.id, 'restart-device', { deviceId: document.getElementById('device').value }));
  on('print-test', () => sendCommand(box.id, 'print-test-ticket', {}));
  on('fetch-logs', async () => {
    const cmd = await sendCommand(box.id, 'fetch-logs', { lines: 200 });
    if (!cmd) return;
    const pre = document.getElementById('logs');
    pre.hidden = false;
    pre.textContent = logText(cmd.result);
  });
}

const HEALTH_CHARTS = 4;
/** Metrics worth a chart first; others follow in name order. */
const PREFERRED_METRICS = ['cpu.usage_pct', 'memory.rss_bytes', 'journal.backlog', 'disk.free_pct', 'cpu.load1'];
const chartOrder = (a, b) => (PREFERRED_METRICS.indexOf(a) + 1 || 99) - (PREFERRED_METRICS.indexOf(b) + 1 || 99) || a.localeCompare(b);

/** A driver's detail as short "key: value" pairs (nested objects and link paths left out). */
function deviceDetail(detail) {
  return Object.entries(detail ?? {})
    .filter(([k, v]) => k !== 'transport' && k !== 'boxSince' && (v === null || typeof v !== 'object'))
    .map(([k, v]) => `${k}: ${v}`)
    .join(' · ');
}

const boxView = (boxId) => ({
  topics: ['boxes', 'health', 'passes', 'events', 'commands', 'alerts'],
  async render(changed) {
    const id = encodeURIComponent(boxId);
    const from = Date.now() - 2 * 3600_000;
    const [box, health, { events }, { alerts }, { commands }, passes] = await Promise.all([
      api(`/v1/boxes/${id}`),
      api(`/v1/boxes/${id}/health?from=${from}`),
      api(`/v1/events?boxId=${id}&limit=30`),
      api(`/v1/alerts?boxId=${id}&status=open`),
      api(`/v1/boxes/${id}/commands?limit=10`),
      may('passes.read') ? api(`/v1/passes?boxId=${id}&from=${Date.now() - 24 * 3600_000}&limit=5000`) : Promise.resolve(null),
    ]);
    const keepActions = changed && document.getElementById('open-lane');
    const metrics = Map.groupBy(health.points, (p) => p.metric);
    const recent = passes ? passes.passes.slice(-25).reverse() : [];
    const html = `<h1>Box ${esc(box.id)} ${box.status === 'active' ? pill(box.online ? 'online' : 'offline', box.online ? 'ok' : 'bad') : pill(box.status, 'warn')}</h1>
      <p class="muted">${esc(box.name)} · club ${esc(box.clubId ?? '-')} · agent v${esc(box.agentVersion ?? '?')} · rights v${esc(box.rightsVersion ?? '-')} · seen ${esc(ago(box.lastSeenAt))}</p>
      <div id="actions-slot"></div>
      <div class="cols">
        <div class="card"><h2>Devices</h2>${table(['device', 'kind', 'status', 'since', 'detail'], box.devices.map((d) => [esc(d.deviceId), esc(d.kind), pill(d.status, ['ok', 'online'].includes(d.status) ? 'ok' : 'warn'), esc(ago(d.statusSince)), `<span class="muted">${esc(deviceDetail(d.detail))}</span>`]))}</div>
        <div class="card"><h2>Open alerts</h2>${alerts.length ? table(['severity', 'alert', 'since'], alerts.map((a) => [pill(a.severity, a.severity === 'critical' ? 'bad' : 'warn'), esc(a.message), esc(ago(a.openedAt))])) : '<p class="muted">None.</p>'}</div>
      </div>
      <div class="card"><h2>Health (last 2 h)</h2><div id="charts" class="grid"></div></div>
      <div class="cols">
        <div class="card"><h2>Recent passes</h2>${passes ? (recent.length ? table(['time', 'lane', 'dir', 'result', 'reason', 'member'], recent.map((p) => [esc(fmtTime(p.at)), esc(p.lane), esc(p.direction ?? ''), passResult(p), esc(p.reason), esc(p.memberId ?? '')]), 'passes') : '<p class="muted">No pass in 24 h.</p>') : '<p class="muted">Your role may not read passes.</p>'}</div>
        <div class="card"><h2>Events</h2>${table(['time', 'severity', 'kind', 'subject'], events.map((e) => [esc(fmtTime(e.at)), pill(e.severity, e.severity === 'info' ? '' : 'warn'), esc(e.kind), esc(e.subject ?? '')]))}</div>
      </div>
      <div class="card"><h2>Commands</h2>${table(['time', 'kind', 'operator', 'ticket', 'status'], commands.map((c) => [esc(fmtTime(c.createdAt)), esc(c.kind), esc(c.operator), esc(c.ticket ?? ''), pill(c.status, c.status === 'succeeded' ? 'ok' : c.status === 'pending' ? '' : 'bad')]))}</div>`;
    const actions = keepActions ? document.getElementById('actions-slot').firstElementChild : null;
    main.innerHTML = html;
    if (actions) document.getElementById('actions-slot').append(actions);
    else {
      document.getElementById('actions-slot').innerHTML = boxActions(box);
      wireActions(box);
    }
    const charts = document.getElementById('charts');
    for (const [metric, points] of [...metrics].sort(([a], [b]) => chartOrder(a, b)).slice(0, HEALTH_CHARTS)) charts.append(lineChart(points, { label: metric }));
    if (metrics.size === 0) charts.innerHTML = '<p class="muted">No health sample yet.</p>';
  },
});

const alertsView = () => ({
  topics: ['alerts'],
  async render() {
    const [{ alerts: open }, { alerts: resolved }] = await Promise.all([api('/v1/alerts?status=open&limit=500'), api('/v1/alerts?status=resolved&limit=50')]);
    const rows = (list) => list.map((a) => [pill(a.severity, a.severity === 'critical' ? 'bad' : 'warn'), `<a href="#/box/${encodeURIComponent(a.boxId)}">${esc(a.boxId)}</a>`, esc(a.message), esc(fmtTime(a.openedAt)), esc(a.resolvedAt ? fmtTime(a.resolvedAt) : '')]);
    main.innerHTML = `<h1>Alerts</h1><div class="card"><h2>Open (${open.length})</h2>${table(['severity', 'box', 'alert', 'opened', ''], rows(open))}</div>
      <div class="card"><h2>Recently resolved</h2>${table(['severity', 'box', 'alert', 'opened', 'resolved'], rows(resolved))}</div>`;
  },
});

const passesView = (clubId) => ({
  topics: ['passes'],
  async render() {
    if (!may('passes.read')) {
      main.innerHTML = '<h1>Passes</h1><p class="muted">Your role may not read passes (member data).</p>';
      return;
    }
    const { clubs } = await api('/v1/clubs');
    const club = clubId || clubs[0]?.id || '';
    const from = Date.now() - 24 * 3600_000;
    const to = Date.now() + 60_000;
    const q = `clubId=${encodeURIComponent(club)}&from=${from}&to=${to}`;
    const [{ passes }, entryExit, sharing] = await Promise.all([api(`/v1/passes?${q}&limit=5000`), api(`/v1/reports/entry-exit?${q}`).catch(() => null), api(`/v1/reports/card-sharing?${q}`).catch(() => null)]);
    const granted = passes.filter((p) => p.granted).length;
    const manual = passes.filter((p) => p.outcome === 'manual').length;
    const reasons = Object.entries(Object.groupBy(passes.filter((p) => !p.granted && p.outcome !== 'manual'), (p) => p.reason)).map(([r, l]) => [esc(r), String(l.length)]);
    main.innerHTML = `<h1>Passes and reports</h1>
      <div class="actions"><label>Club <select id="club">${clubs.map((c) => `<option value="${esc(c.id)}" ${c.id === club ? 'selected' : ''}>${esc(c.name)}</option>`).join('')}</select></label>
      <button id="export" class="secondary">Export CSV (24 h)</button></div>
      <div class="stats"><div class="stat"><b>${passes.length}</b>passes in 24 h</div><div class="stat"><b>${granted}</b>granted</div><div class="stat"><b>${manual}</b>manual opens</div><div class="stat"><b>${passes.length - granted - manual}</b>refused</div></div>
      <div class="cols"><div class="card"><h2>Refusals by reason</h2>${table(['reason', 'count'], reasons)}</div>
      <div class="card"><h2>Reports</h2><pre class="muted">${esc(JSON.stringify({ entryExit, cardSharing: sharing }, null, 1)).slice(0, 4000)}</pre></div></div>
      <div class="card"><h2>Latest passes</h2>${table(['time', 'box', 'lane', 'result', 'reason', 'member'], passes.slice(-100).reverse().map((p) => [esc(fmtTime(p.at)), esc(p.boxId), esc(p.lane), passResult(p), esc(p.reason), esc(p.memberId ?? '')]))}</div>`;
    document.getElementById('export').addEventListener('click', async () => {
      const csv = await api(`/v1/passes/export?${q}&format=csv`);
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      a.download = `passes-${club}.csv`;
      a.click();
      URL.revokeObjectURL(a.href);
    });
    document.getElementById('club').addEventListener('change', (e) => (location.hash = `#/passes/${encodeURIComponent(e.target.value)}`));
  },
});

const rolloutsView = () => ({
  topics: ['boxes', 'events', 'audit'],
  async render() {
    let rollouts;
    try {
      ({ rollouts } = await api('/v1/rollouts?limit=50'));
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) {
        main.innerHTML = '<h1>Rollouts</h1><p class="muted">This fleet has no rollout service.</p>';
        return;
      }
      throw e;
    }
    const manage = may('updates.manage');
    main.innerHTML = `<h1>Rollouts</h1>${rollouts.length ? '' : '<p class="muted">No rollout yet.</p>'}${rollouts
      .map((r) => `<div class="card"><h2>${esc(r.name)} → ${esc(r.version)} ${pill(r.state, r.state === 'halted' ? 'bad' : r.state === 'completed' ? 'ok' : 'warn')}</h2>
        <p class="muted">wave ${esc(r.currentWave + 1)} of ${esc(r.percents.length)} · ${esc(r.haltReason ?? '')}</p>
        <p>${Object.entries(r.progress.total).map(([k, v]) => `${esc(k)}: <b>${esc(v)}</b>`).join(' · ')}</p>
        ${manage ? `<div class="actions"><button data-act="pause" data-id="${esc(r.id)}">Halt</button><button class="secondary" data-act="resume" data-id="${esc(r.id)}">Resume</button></div>` : ''}</div>`)
      .join('')}`;
    for (const b of main.querySelectorAll('button[data-act]')) b.addEventListener('click', () => api(`/v1/rollouts/${b.dataset.id}/${b.dataset.act}`, { method: 'POST', body: {} }).then(() => refresh(), (e) => toast(e.message)));
  },
});

const auditView = () => ({
  topics: ['audit'],
  async render() {
    if (!may('audit.read')) {
      main.innerHTML = '<h1>Audit log</h1><p class="muted">Your role may not read the audit log.</p>';
      return;
    }
    const { entries } = await api('/v1/audit?limit=200');
    main.innerHTML = `<h1>Audit log</h1><div class="card">${table(['time', 'actor', 'action', 'target', 'status', 'ticket'], entries.map((e) => [esc(fmtTime(e.at)), esc(e.actor), esc(e.action), esc(e.target ?? ''), esc(e.status ?? ''), esc(e.ticket ?? '')]))}</div>`;
  },
});

// ---- routing and live refresh ----

function route() {
  const [, name, arg] = location.hash.split('/').map(decodeURIComponent);
  for (const a of document.querySelectorAll('#nav a')) a.classList.toggle('active', a.getAttribute('href') === `#/${name ?? ''}`);
  switch (name) {
    case 'box':
      return boxView(arg);
    case 'alerts':
      return alertsView();
    case 'passes':
      return passesView(arg);
    case 'rollouts':
      return rolloutsView();
    case 'audit':
      return auditView();
    default:
      return overview();
  }
}

let rendering = Promise.resolve();
function refresh(changed) {
  const view = state.view;
  rendering = rendering.then(() =>
    view.render(changed).catch((e) => {
      if (e instanceof ApiError && e.status === 401) return signIn('That token is not valid any more.');
      main.innerHTML = `<p class="error">${esc(e.message)}</p>`;
    }),
  );
  return rendering;
}

async function updateAlertCount() {
  const { alerts } = await api('/v1/alerts?status=open&limit=500');
  document.getElementById('alert-count').textContent = alerts.length ? String(alerts.length) : '';
}

function signIn(message = '') {
  const dialog = document.getElementById('login');
  document.getElementById('login-error').textContent = message;
  if (!dialog.open) dialog.showModal();
}

async function start() {
  try {
    state.me = await api('/v1/me');
  } catch {
    return signIn(token.get() ? 'That token was refused.' : '');
  }
  document.getElementById('who').textContent = `${state.me.name} (${state.me.role})`;
  state.view = route();
  window.addEventListener('hashchange', () => {
    state.view = route();
    void refresh();
  });
  await refresh();
  void updateAlertCount();
  let pending = new Set();
  let timer;
  liveChanges(
    (topics) => {
      for (const t of topics) pending.add(t);
      clearTimeout(timer);
      // Coalesce bursts (a box sends health, events and passes together) into one refetch.
      timer = setTimeout(() => {
        const changed = pending;
        pending = new Set();
        if (changed.has('alerts')) void updateAlertCount();
        if (state.view.topics.some((t) => changed.has(t))) void refresh(changed);
      }, 250);
    },
    (on) => {
      const live = document.getElementById('live');
      live.textContent = on ? 'live' : 'offline';
      live.classList.toggle('on', on);
    },
  );
}

document.getElementById('login-form').addEventListener('submit', () => {
  token.set(document.getElementById('token').value.trim());
  void start();
});
void start();
