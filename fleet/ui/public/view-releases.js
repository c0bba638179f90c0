import { api } from './api.js';
import { esc, fmtTime, table } from './html.js';
import { main, may } from './shell.js';

const size = (n) => (n >= 1024 * 1024 ? `${(n / 1024 / 1024).toFixed(1)} MiB` : `${(n / 1024).toFixed(0)} KiB`);

/** The releases the update repository lists (published with `resabox release publish`), each with a way to roll it out. */
export const releasesView = () => ({
  topics: ['rollouts'],
  async render() {
    const [{ releases, targetsKeyIds }, { models, unknown }] = await Promise.all([api('/v1/updates/releases'), api('/v1/updates/hardware')]);
    const manage = may('updates.manage');
    const rows = releases.map((r) => [
      `<b>${esc(r.version)}</b>`,
      esc(r.hardware),
      esc(r.channel),
      esc(size(r.length)),
      esc(r.uploadedBy ?? '-'),
      esc(fmtTime(r.uploadedAt)),
      `<span class="code" title="${esc(r.signedBy.join(', '))}">${esc(r.signedBy.map((k) => `${k.slice(0, 12)}…${targetsKeyIds.includes(k) ? ' (targets key)' : ''}`).join(', '))}</span>`,
      manage ? `<a class="button" href="#/rollout-new/${encodeURIComponent(r.targetName)}" data-release="${esc(r.targetName)}">Roll out…</a>` : '',
    ]);
    main.innerHTML = `<h1>Releases</h1>
      <p class="muted">Published with <code>resabox release publish</code>: signed offline with the targets key, snapshot and timestamp signed by the fleet.
      Boxes by hardware model: ${models.map((m) => `${esc(m.hardware)} (${esc(m.boxes)})`).join(', ') || 'none reported yet'}${unknown ? `, unknown (${esc(unknown)})` : ''}.</p>
      <div class="card">${table(['version', 'hardware', 'channel', 'size', 'published by', 'when', 'signed by', ''], rows, 'releases')}</div>`;
  },
});
