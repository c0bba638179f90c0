import { api, ApiError } from './api.js';
import { esc, fmtTime, table } from './html.js';
import { main, may, refresh, toast } from './shell.js';
import { notFoundPage } from './view-not-found.js';
import { errorText, rolloutStatePill, updateStatePill } from './update-states.js';

const ACTION_LABEL = { start: 'Start', pause: 'Pause', resume: 'Resume', cancel: 'Cancel', 'retry-failed': 'Retry failed boxes' };
const waveName = (r, n) => (n === 1 && r.canary > 0 ? 'wave 1 (canary)' : `wave ${n}`);

function waves(r) {
  return r.progress.waves
    .map((w, i) => {
      const n = i + 1;
      const total = Object.values(w).reduce((a, b) => a + b, 0);
      const parts = Object.entries(w).filter(([, c]) => c > 0).map(([s, c]) => `${esc(s)} ${esc(c)}`).join(', ');
      return `<li class="${n <= r.currentWave ? 'open' : 'muted'}" data-wave="${n}">${esc(waveName(r, n))}: ${esc(total)} box(es)${parts ? ` — ${parts}` : ''}</li>`;
    })
    .join('');
}

/**
 * One rollout: its state and waves, only the actions valid now, and every box with its
 * wave, state, step on the box, attempts, the error in plain words (code alongside) and a
 * link to the box. Redrawn from the live stream as boxes report.
 */
export const rolloutView = (id) => ({
  topics: ['rollouts'],
  async render() {
    let r;
    try {
      r = await api(`/v1/rollouts/${encodeURIComponent(id)}`);
    } catch (e) {
      if (e instanceof ApiError && e.status === 404) return notFoundPage(`There is no rollout “${id}”.`, '#/rollouts', 'Back to the rollouts');
      throw e;
    }
    const { boxes } = await api(`/v1/rollouts/${encodeURIComponent(id)}/boxes`);
    const actions = may('updates.manage') ? r.validActions : [];
    const rows = boxes.map((b) => [
      `<a href="#/box/${encodeURIComponent(b.boxId)}">${esc(b.boxId)}</a>`,
      esc(waveName(r, b.wave)),
      updateStatePill(b.state),
      esc(b.updateState ?? ''),
      esc(b.attempts),
      errorText(b.lastError),
      esc(fmtTime(b.lastChangeAt)),
      `<a href="#/box/${encodeURIComponent(b.boxId)}" title="fetch its logs from the box page">logs</a>`,
    ]);
    main.innerHTML = `<h1>Rollout ${esc(r.name)} <span id="rollout-state">${rolloutStatePill(r.state)}</span></h1>
      <p class="muted">${esc(r.version)} for ${esc(r.hardware)} (${esc(r.targetName)}) · created by ${esc(r.createdBy)} ${esc(fmtTime(r.createdAt))}${r.ticket ? ` · ticket ${esc(r.ticket)}` : ''} · halts above ${esc(r.errorThresholdPct)} % failed · ${r.maintenance.outsideOpeningHours ? 'installs while clubs are closed' : 'installs at any hour'}</p>
      ${r.haltReason && r.state === 'halted' ? `<p class="banner bad" id="halt-reason">Halted: ${esc(r.haltReason)}</p>` : ''}
      <div class="actions" id="rollout-actions">${actions.map((a) => `<button data-act="${esc(a)}" class="${a === 'cancel' ? 'secondary' : ''}">${esc(ACTION_LABEL[a] ?? a)}</button>`).join('')}${actions.length ? '<input id="ticket" placeholder="Ticket (optional)" size="18">' : ''}</div>
      <div class="card"><h2>Waves (${esc(r.currentWave)} of ${esc(r.waveCount)} opened)</h2><ul id="waves">${waves(r)}</ul></div>
      <div class="card"><h2>Boxes</h2>${table(['box', 'wave', 'state', 'step on the box', 'attempts', 'error', 'last status', ''], rows, 'rollout-boxes')}</div>`;
    for (const b of main.querySelectorAll('#rollout-actions button')) {
      b.addEventListener('click', async () => {
        const ticket = main.querySelector('#ticket')?.value.trim();
        try {
          await api(`/v1/rollouts/${encodeURIComponent(r.id)}/${b.dataset.act}`, { method: 'POST', body: ticket ? { ticket } : {} });
          await refresh();
        } catch (e) {
          toast(e.message);
        }
      });
    }
  },
});
