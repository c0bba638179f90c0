import { api } from '../api.js';
import { esc, ago, pill, table } from '../html.js';

export const alertsSection = {
  id: 'alerts',
  title: 'Open alerts',
  topics: ['alerts'],
  load: ({ id }) => api(`/v1/alerts?boxId=${id}&status=open`),
  render(el, { alerts }) {
    el.innerHTML = alerts.length ? table(['severity', 'alert', 'since'], alerts.map((a) => [pill(a.severity, a.severity === 'critical' ? 'bad' : 'warn'), esc(a.message), esc(ago(a.openedAt))])) : '<p class="muted">None.</p>';
  },
};
