import { api } from '../api.js';
import { esc, fmtTime, pill, table } from '../html.js';

export const statusPill = (status) => pill(status, status === 'succeeded' ? 'ok' : status === 'pending' || status === 'sent' ? '' : 'bad');

export const commandsSection = {
  id: 'commands',
  title: 'Commands',
  wide: true,
  topics: ['commands'],
  load: ({ id }) => api(`/v1/boxes/${id}/commands?limit=10`),
  render(el, { commands }) {
    el.innerHTML = table(['time', 'kind', 'operator', 'ticket', 'status'], commands.map((c) => [esc(fmtTime(c.createdAt)), esc(c.kind), esc(c.operator), esc(c.ticket ?? ''), statusPill(c.status)]));
  },
};
