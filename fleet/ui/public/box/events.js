import { api } from '../api.js';
import { esc, fmtTime, pill, table } from '../html.js';

export const eventsSection = {
  id: 'events',
  title: 'Events',
  topics: ['events'],
  load: ({ id }) => api(`/v1/events?boxId=${id}&limit=30`),
  render(el, { events }) {
    el.innerHTML = table(['time', 'severity', 'kind', 'subject'], events.map((e) => [esc(fmtTime(e.at)), pill(e.severity, e.severity === 'info' ? '' : 'warn'), esc(e.kind), esc(e.subject ?? '')]));
  },
};
