// The desk's live board: device states in words, and the passes as they are journaled.
import { $, el, time } from './live.js';

const MAX_ROWS = 200;

function passRow(p) {
  const result = [p.outcome, p.direction === 'Sortie' ? 'sortie' : '', p.reason].filter(Boolean).join(' · ');
  return el(
    'tr',
    { class: `tone-${p.tone}`, 'data-seq': String(p.seq) },
    el('td', { class: 'time', text: time(p.ts) }),
    el('td', { text: p.lane }),
    el('td', { text: result }),
    el('td', { text: p.who || '—' }),
    el('td', { text: [p.operator, p.note].filter(Boolean).join(' : ') }),
  );
}

export function setPasses(passes) {
  $('passes').replaceChildren(...passes.map(passRow));
}

export function addPass(p) {
  const body = $('passes');
  if (body.querySelector(`tr[data-seq="${p.seq}"]`)) return;
  body.prepend(passRow(p));
  while (body.rows.length > MAX_ROWS) body.deleteRow(-1);
}

function deviceRow(d) {
  // The code is a detail for the technician on the phone, folded away.
  const problem = d.problem ? el('td', {}, d.problem.text, d.problem.code ? el('details', {}, el('summary', { text: 'Détail technique' }), el('code', { text: d.problem.code })) : null) : el('td', { text: '—' });
  return el('tr', { class: `tone-${d.tone}`, 'data-device': d.id }, el('td', { text: d.name }), el('td', { text: d.state }), problem);
}

export function setDevices(devices) {
  $('devices').replaceChildren(...devices.map(deviceRow));
}

export function setDevice(d) {
  const rows = [...$('devices').rows];
  const old = rows.find((r) => r.dataset.device === d.id);
  if (old) old.replaceWith(deviceRow(d));
  else $('devices').append(deviceRow(d));
}
