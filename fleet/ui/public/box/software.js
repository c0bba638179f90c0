import { api } from '../api.js';
import { esc, fmtTime, table } from '../html.js';
import { errorText, updateStatePill } from '../update-states.js';

/**
 * The box's software: hardware model, the release it runs and the one it keeps to roll back
 * to (from its state message), and its place in recent rollouts with why an update failed.
 */
export const softwareSection = {
  id: 'software',
  title: 'Software',
  topics: ['boxes', 'rollouts'],
  load: ({ id }) => api(`/v1/boxes/${id}/updates?limit=5`),
  render(el, updates, { box }) {
    const facts = `<dl class="fields" id="software-facts">
      <dt>Hardware model</dt><dd id="box-hardware">${esc(box.hardware ?? 'unknown')}</dd>
      <dt>Running release</dt><dd id="box-release">${esc(box.agentVersion ?? 'unknown')}</dd>
      <dt>Previous release</dt><dd id="box-previous">${esc(box.previousVersion ?? 'none')}</dd>
    </dl>`;
    const rows = updates.rollouts.map((r) => [
      `<a href="#/rollout/${encodeURIComponent(r.rolloutId)}">${esc(r.rolloutId)}</a>`,
      esc(r.wave + 1),
      updateStatePill(r.state),
      esc(r.updateState ?? ''),
      errorText(r.lastError),
      esc(fmtTime(r.lastChangeAt)),
    ]);
    el.innerHTML = `${facts}${rows.length ? `<h3>Rollouts</h3>${table(['rollout', 'wave', 'state', 'box step', 'error', 'last change'], rows)}` : ''}`;
  },
};
