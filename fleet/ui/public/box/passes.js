import { api } from '../api.js';
import { esc, fmtTime, table } from '../html.js';
import { may, passResult } from '../shell.js';

export const passesSection = {
  id: 'passes',
  title: 'Recent passes',
  topics: ['passes'],
  load: ({ id }) => (may('passes.read') ? api(`/v1/passes?boxId=${id}&from=${Date.now() - 24 * 3600_000}&limit=5000`) : null),
  render(el, passes) {
    if (!passes) {
      el.innerHTML = '<p class="muted">Your role may not read passes.</p>';
      return;
    }
    const recent = passes.passes.slice(-25).reverse();
    el.innerHTML = recent.length ? table(['time', 'lane', 'dir', 'result', 'reason', 'member'], recent.map((p) => [esc(fmtTime(p.at)), esc(p.lane), esc(p.direction ?? ''), passResult(p), esc(p.reason), esc(p.memberId ?? '')]), 'passes') : '<p class="muted">No pass in 24 h.</p>';
  },
};
