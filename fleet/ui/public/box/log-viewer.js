/* global document, Blob */
import { esc, fmtTime } from '../html.js';

/** pino's numeric levels. */
const LEVELS = { 10: 'trace', 20: 'debug', 30: 'info', 40: 'warn', 50: 'error', 60: 'fatal' };
const RANK = { trace: 10, debug: 20, info: 30, warn: 40, error: 50, fatal: 60 };
const OWN = new Set(['level', 'time', 'msg', 'pid', 'hostname', 'box', 'component']);

/** One agent log line (pino JSON, or plain text from elsewhere) as time, level, component, message, extra fields. */
export function parseLine(raw) {
  try {
    const o = JSON.parse(raw);
    if (o && typeof o === 'object') {
      const extra = Object.entries(o).filter(([k]) => !OWN.has(k)).map(([k, v]) => `${k}=${typeof v === 'object' ? JSON.stringify(v) : v}`).join(' ');
      return { at: typeof o.time === 'number' ? o.time : null, level: LEVELS[o.level] ?? String(o.level ?? 'info'), component: o.component ?? '', msg: String(o.msg ?? ''), extra, raw };
    }
  } catch {
    // Not JSON: shown as it is.
  }
  return { at: null, level: 'info', component: '', msg: raw, extra: '', raw };
}

/** A log viewer in `slot`: level filter, text search, download of the lines as fetched. */
export function logViewer(slot, lines, fileName) {
  const parsed = lines.map(parseLine);
  slot.innerHTML = `<div class="log-viewer" id="log-viewer">
    <div class="actions"><label>Level <select id="log-level">${Object.keys(RANK).map((l) => `<option value="${l}" ${l === 'debug' ? 'selected' : ''}>${l} and above</option>`).join('')}</select></label>
    <input id="log-search" type="search" placeholder="Search the logs" size="24">
    <button id="log-download" class="secondary">Download (${parsed.length} lines)</button>
    <span id="log-count" class="muted"></span></div>
    <div class="log-lines"><table id="log-table"><thead><tr><th>time</th><th>level</th><th>component</th><th>message</th></tr></thead><tbody></tbody></table></div></div>`;
  const body = slot.querySelector('tbody');
  const draw = () => {
    const min = RANK[slot.querySelector('#log-level').value] ?? 0;
    const q = slot.querySelector('#log-search').value.trim().toLowerCase();
    const shown = parsed.filter((l) => (RANK[l.level] ?? 30) >= min && (!q || l.raw.toLowerCase().includes(q)));
    body.innerHTML = shown.map((l) => `<tr class="log-${esc(l.level)}"><td>${esc(l.at ? fmtTime(l.at) : '')}</td><td>${esc(l.level)}</td><td>${esc(l.component)}</td><td>${esc(l.msg)}${l.extra ? ` <span class="muted">${esc(l.extra)}</span>` : ''}</td></tr>`).join('');
    slot.querySelector('#log-count').textContent = `${shown.length} of ${parsed.length} lines`;
  };
  slot.querySelector('#log-level').addEventListener('change', draw);
  slot.querySelector('#log-search').addEventListener('input', draw);
  slot.querySelector('#log-download').addEventListener('click', () => {
    const a = document.createElement('a');
    a.href = URL.createObjectURL(new Blob([lines.join('\n') + '\n'], { type: 'text/plain' }));
    a.download = fileName;
    a.click();
    URL.revokeObjectURL(a.href);
  });
  draw();
}
