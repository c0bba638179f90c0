/* global document */
// Escalation on the box page: the incident timeline, and one bundle for the developers
// (timeline, logs, configuration without secrets, health, devices, doctor report, release).
import { ApiError, token } from '../api.js';
import { esc } from '../html.js';
import { may } from '../shell.js';

const WINDOWS = [1, 6, 24, 72];

async function download(boxId, hours, ticket, status) {
  const to = Date.now();
  status.textContent = 'Building the bundle (the doctor and the logs are asked from the box)…';
  const res = await fetch(`/v1/boxes/${encodeURIComponent(boxId)}/bundle`, {
    method: 'POST',
    headers: { authorization: `Bearer ${token.get()}`, 'content-type': 'application/json' },
    body: JSON.stringify({ from: to - hours * 3600_000, to, ...(ticket ? { ticket } : {}) }),
  });
  if (!res.ok) throw new ApiError(res.status, await res.json().catch(() => null));
  const name = /filename="([^"]+)"/.exec(res.headers.get('content-disposition') ?? '')?.[1] ?? `resabox-${boxId}.tar.gz`;
  const a = document.createElement('a');
  a.href = URL.createObjectURL(await res.blob());
  a.download = name;
  a.click();
  URL.revokeObjectURL(a.href);
  status.textContent = `Downloaded ${name}${ticket ? `, audited with ticket ${ticket}` : ''}.`;
}

export const escalationSection = {
  id: 'escalation',
  title: 'Timeline and escalation',
  wide: true,
  topics: [],
  load: () => null,
  render(el, _data, { box }) {
    if (el.dataset.drawn) return;
    el.dataset.drawn = 'yes';
    const timeline = may('passes.read') ? `<a id="timeline-link" href="#/timeline/${encodeURIComponent(box.id)}?h=24">Open the incident timeline</a>` : '';
    const bundle = may('passes.read')
      ? `<label>Window <select id="bundle-window">${WINDOWS.map((h) => `<option value="${h}" ${h === 24 ? 'selected' : ''}>last ${h} h</option>`).join('')}</select></label>
        <input id="bundle-ticket" placeholder="Support ticket" size="16"><button id="bundle" class="secondary">Download escalation bundle</button>`
      : '';
    el.innerHTML = `<div class="actions">${timeline} ${bundle}</div><p class="muted" id="bundle-status">${esc(bundle ? 'One archive for the developers; its creation is audited with the ticket.' : '')}</p>`;
    el.querySelector('#bundle')?.addEventListener('click', () => {
      const status = el.querySelector('#bundle-status');
      download(box.id, Number(el.querySelector('#bundle-window').value), el.querySelector('#bundle-ticket').value.trim(), status).catch((e) => (status.textContent = e.message));
    });
  },
};
