/* global document, location, URLSearchParams */
// The incident timeline of a box: passes, events, device state changes, alerts, commands,
// updates and configuration, merged in time order over a window (#/timeline/<box>?h=24).
import { api } from './api.js';
import { esc, fmtTime, pill, table } from './html.js';
import { main, may } from './shell.js';

const WINDOWS = [1, 6, 24, 72, 168];
const KINDS = ['pass', 'event', 'device', 'alert', 'command', 'update', 'config', 'audit'];
const tone = (s) => (s === 'critical' ? 'bad' : s === 'warning' ? 'warn' : '');

function detailOf(e) {
  const d = { ...e.detail };
  delete d.explanation;
  const text = JSON.stringify(d);
  return text === '{}' ? '' : `<details><summary class="muted">detail</summary><code>${esc(text)}</code></details>`;
}

export const timelineView = (arg = '') => ({
  topics: ['passes', 'events', 'alerts', 'commands', 'boxes'],
  async render() {
    const [boxId, query] = `${arg}`.split('?');
    const params = new URLSearchParams(query ?? '');
    const hours = Number(params.get('h') ?? 24);
    const kind = params.get('kind') ?? '';
    if (!may('passes.read')) {
      main.innerHTML = '<h1>Timeline</h1><p class="muted">Your role may not read a box timeline (it shows member passes).</p>';
      return;
    }
    const to = Date.now() + 1000;
    const t = await api(`/v1/boxes/${encodeURIComponent(boxId)}/timeline?from=${to - hours * 3600_000}&to=${to}`);
    const entries = t.entries.filter((e) => !kind || e.kind === kind).reverse();
    const link = (h, k) => `#/timeline/${encodeURIComponent(boxId)}?h=${h}${k ? `&kind=${k}` : ''}`;
    main.innerHTML = `<h1>Timeline of <a href="#/box/${encodeURIComponent(boxId)}">${esc(boxId)}</a></h1>
      <div class="actions"><label>Window <select id="timeline-window">${WINDOWS.map((h) => `<option value="${h}" ${h === hours ? 'selected' : ''}>last ${h < 24 ? `${h} h` : `${h / 24} d`}</option>`).join('')}</select></label>
      <label>Kind <select id="timeline-kind"><option value="">all</option>${KINDS.map((k) => `<option ${k === kind ? 'selected' : ''}>${k}</option>`).join('')}</select></label>
      <span class="muted">${entries.length} entries, newest first${t.truncated.length ? ` · cut: ${esc(t.truncated.join(', '))} (narrow the window)` : ''}</span></div>
      <div class="card">${table(['time', 'kind', 'severity', 'what', ''], entries.map((e) => [esc(fmtTime(e.at)), esc(e.kind), pill(e.severity, tone(e.severity)), esc(e.title), detailOf(e)]), 'timeline')}</div>`;
    document.getElementById('timeline-window').addEventListener('change', (e) => (location.hash = link(e.target.value, kind)));
    document.getElementById('timeline-kind').addEventListener('change', (e) => (location.hash = link(hours, e.target.value)));
  },
});
