import { esc, ago, pill, table } from '../html.js';

/** Detail keys worth a readable label; others are shown with their own name. */
const LABELS = { model: 'Model', vendor: 'Vendor', firmware: 'Firmware', serial: 'Serial number', port: 'Port', address: 'Address', baudRate: 'Baud rate', lastError: 'Last error', paper: 'Paper', cover: 'Cover', boxSince: 'State since (box clock)' };
const HIDDEN = new Set(['transport', 'boxSince']);

/** A device's detail as label/value lines (nested values flattened one level). */
export function detailFields(detail) {
  const rows = [];
  for (const [k, v] of Object.entries(detail ?? {})) {
    if (HIDDEN.has(k) || v === null || v === undefined) continue;
    if (typeof v === 'object' && !Array.isArray(v)) for (const [k2, v2] of Object.entries(v)) rows.push([`${LABELS[k] ?? k} ${k2}`, v2]);
    else rows.push([LABELS[k] ?? k, Array.isArray(v) ? v.join(', ') : v]);
  }
  return rows.length ? `<dl class="fields">${rows.map(([k, v]) => `<dt>${esc(k)}</dt><dd>${esc(typeof v === 'object' ? JSON.stringify(v) : v)}</dd>`).join('')}</dl>` : '<span class="muted">no detail</span>';
}

const tone = (status) => (['ok', 'online'].includes(status) ? 'ok' : 'warn');

export const devicesSection = {
  id: 'devices',
  title: 'Devices',
  topics: ['boxes', 'health'],
  load: () => null,
  render(el, _data, { box, offline }) {
    el.innerHTML = table(
      ['device', 'kind', 'status', 'since', 'detail'],
      box.devices.map((d) => [esc(d.deviceId), esc(d.kind), offline ? pill('unknown (box offline)', '') : pill(d.status, tone(d.status)), offline ? `<span class="muted">last reported ${esc(d.status)}, ${esc(ago(d.statusSince))}</span>` : esc(ago(d.statusSince)), detailFields(d.detail)]),
      'devices',
    );
  },
};
