import { api } from './api.js';
import { esc, fmtTime, table } from './html.js';
import { main, may } from './shell.js';
import { rolloutStatePill } from './update-states.js';

const counts = (r) =>
  Object.entries(r.progress.total)
    .filter(([, n]) => n > 0)
    .map(([s, n]) => `${esc(s)} ${esc(n)}`)
    .join(', ');

/** Every rollout, newest first: state, wave, boxes per state; a link to each. */
export const rolloutsView = () => ({
  topics: ['rollouts'],
  async render() {
    const { rollouts } = await api('/v1/rollouts?limit=100');
    const rows = rollouts.map((r) => [
      `<a href="#/rollout/${encodeURIComponent(r.id)}" data-rollout="${esc(r.id)}">${esc(r.name)}</a>`,
      esc(r.version),
      esc(r.hardware),
      rolloutStatePill(r.state),
      esc(`${r.currentWave} of ${r.waveCount}`),
      counts(r),
      esc(r.createdBy),
      esc(fmtTime(r.updatedAt)),
    ]);
    main.innerHTML = `<h1>Rollouts</h1>
      <div class="actions">${may('updates.manage') ? '<a class="button" href="#/rollout-new/" id="new-rollout">New rollout</a>' : ''}<a href="#/releases">Releases</a></div>
      <div class="card">${table(['rollout', 'version', 'hardware', 'state', 'wave', 'boxes', 'created by', 'last change'], rows, 'rollouts')}</div>`;
  },
});
