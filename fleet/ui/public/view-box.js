/* global document */
import { api } from './api.js';
import { lineChart } from './chart.js';
import { esc, fmtTime, ago, pill, table } from './html.js';
import { main, may, passResult } from './shell.js';

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

export const boxView = (boxId) => ({
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
