import { api } from './api.js';
import { esc, ago, pill } from './html.js';
import { main } from './shell.js';

/** Every club's boxes at a glance: online, version, open alerts. */
export const overview = () => ({
  topics: ['boxes', 'alerts', 'health'],
  async render() {
    const [{ boxes }, { alerts }, { clubs }] = await Promise.all([api('/v1/boxes?limit=1000'), api('/v1/alerts?status=open&limit=500'), api('/v1/clubs')]);
    const active = boxes.filter((b) => b.status === 'active');
    const online = active.filter((b) => b.online).length;
    const versions = [...new Set(active.map((b) => b.agentVersion ?? 'unknown'))];
    const alertsOf = (id) => alerts.filter((a) => a.boxId === id);
    const clubName = new Map(clubs.map((c) => [c.id, c.name]));
    const byClub = Map.groupBy(boxes, (b) => b.clubId ?? '');
    let html = `<h1>Fleet overview</h1>
      <div class="stats">
        <div class="stat"><b id="online-count">${online} / ${active.length}</b>boxes online</div>
        <div class="stat"><b>${alerts.length}</b>open alerts</div>
        <div class="stat"><b>${versions.length}</b>agent versions: ${esc(versions.join(', '))}</div>
      </div>`;
    for (const [clubId, list] of byClub) {
      html += `<h2>${esc(clubName.get(clubId) ?? (clubId || 'No club'))}</h2><div class="grid">`;
      for (const b of list) {
        const open = alertsOf(b.id);
        html += `<a class="card box-card" href="#/box/${encodeURIComponent(b.id)}" data-box="${esc(b.id)}">
          <strong>${esc(b.id)}</strong> ${b.status === 'active' ? pill(b.online ? 'online' : 'offline', b.online ? 'ok' : 'bad') : pill(b.status, 'warn')}
          <div class="muted">${esc(b.name)} · v${esc(b.agentVersion ?? '?')} · seen ${esc(ago(b.lastSeenAt))}</div>
          <div class="muted release">${esc(b.hardware ?? 'hardware ?')} · release ${esc(b.agentVersion ?? '?')} · previous ${esc(b.previousVersion ?? 'none')}</div>
          <div>${open.length ? pill(`${open.length} alert${open.length > 1 ? 's' : ''}`, 'warn') : '<span class="muted">no open alert</span>'}</div>
        </a>`;
      }
      html += '</div>';
    }
    main.innerHTML = html;
  },
});
