import { api, ApiError } from './api.js';
import { esc, pill } from './html.js';
import { main, may, refresh, toast } from './shell.js';

export const rolloutsView = () => ({
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
