import { api } from './api.js';
import { esc, fmtTime, table } from './html.js';
import { main, may } from './shell.js';

export const auditView = () => ({
  topics: ['audit'],
  async render() {
    if (!may('audit.read')) {
      main.innerHTML = '<h1>Audit log</h1><p class="muted">Your role may not read the audit log.</p>';
      return;
    }
    const { entries } = await api('/v1/audit?limit=200');
    main.innerHTML = `<h1>Audit log</h1><div class="card">${table(['time', 'actor', 'action', 'target', 'status', 'ticket'], entries.map((e) => [esc(fmtTime(e.at)), esc(e.actor), esc(e.action), esc(e.target ?? ''), esc(e.status ?? ''), esc(e.ticket ?? '')]))}</div>`;
  },
});
