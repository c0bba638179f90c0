import { api } from './api.js';
import { esc, fmtTime, pill, table } from './html.js';
import { main } from './shell.js';

export const alertsView = () => ({
  topics: ['alerts'],
  async render() {
    const [{ alerts: open }, { alerts: resolved }] = await Promise.all([api('/v1/alerts?status=open&limit=500'), api('/v1/alerts?status=resolved&limit=50')]);
    const rows = (list) => list.map((a) => [pill(a.severity, a.severity === 'critical' ? 'bad' : 'warn'), `<a href="#/box/${encodeURIComponent(a.boxId)}">${esc(a.boxId)}</a>`, esc(a.message), esc(fmtTime(a.openedAt)), esc(a.resolvedAt ? fmtTime(a.resolvedAt) : '')]);
    main.innerHTML = `<h1>Alerts</h1><div class="card"><h2>Open (${open.length})</h2>${table(['severity', 'box', 'alert', 'opened', ''], rows(open))}</div>
      <div class="card"><h2>Recently resolved</h2>${table(['severity', 'box', 'alert', 'opened', 'resolved'], rows(resolved))}</div>`;
  },
});
