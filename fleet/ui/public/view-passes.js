/* global document, location, Blob */
import { api } from './api.js';
import { esc, fmtTime, table } from './html.js';
import { main, may, passResult } from './shell.js';

export const passesView = (clubId) => ({
  topics: ['passes'],
  async render() {
    if (!may('passes.read')) {
      main.innerHTML = '<h1>Passes</h1><p class="muted">Your role may not read passes (member data).</p>';
      return;
    }
    const { clubs } = await api('/v1/clubs');
    const club = clubId || clubs[0]?.id || '';
    const from = Date.now() - 24 * 3600_000;
    const to = Date.now() + 60_000;
    const q = `clubId=${encodeURIComponent(club)}&from=${from}&to=${to}`;
    const { passes } = await api(`/v1/passes?${q}&limit=5000`);
    const granted = passes.filter((p) => p.granted).length;
    const manual = passes.filter((p) => p.outcome === 'manual').length;
    const reasons = Object.entries(Object.groupBy(passes.filter((p) => !p.granted && p.outcome !== 'manual'), (p) => p.reason)).map(([r, l]) => [esc(r), String(l.length)]);
    main.innerHTML = `<h1>Passes and reports</h1>
      <div class="actions"><label>Club <select id="club">${clubs.map((c) => `<option value="${esc(c.id)}" ${c.id === club ? 'selected' : ''}>${esc(c.name)}</option>`).join('')}</select></label>
      <button id="export" class="secondary">Export CSV (24 h)</button></div>
      <div class="stats"><div class="stat"><b>${passes.length}</b>passes in 24 h</div><div class="stat"><b>${granted}</b>granted</div><div class="stat"><b>${manual}</b>manual opens</div><div class="stat"><b>${passes.length - granted - manual}</b>refused</div></div>
      <div class="cols"><div class="card"><h2>Refusals by reason</h2>${table(['reason', 'count'], reasons)}</div>
      <div class="card"><h2>Reports</h2><p>Passes per hour, entries and exits per day, card sharing: <a id="to-reports" href="#/reports?club=${encodeURIComponent(club)}">reports of this club</a>.</p></div></div>
      <div class="card"><h2>Latest passes</h2>${table(['time', 'box', 'lane', 'result', 'reason', 'member'], passes.slice(-100).reverse().map((p) => [esc(fmtTime(p.at)), esc(p.boxId), esc(p.lane), passResult(p), esc(p.reason), esc(p.memberId ?? '')]))}</div>`;
    document.getElementById('export').addEventListener('click', async () => {
      const csv = await api(`/v1/passes/export?${q}&format=csv`);
      const a = document.createElement('a');
      a.href = URL.createObjectURL(new Blob([csv], { type: 'text/csv' }));
      a.download = `passes-${club}.csv`;
      a.click();
      URL.revokeObjectURL(a.href);
    });
    document.getElementById('club').addEventListener('change', (e) => (location.hash = `#/passes/${encodeURIComponent(e.target.value)}`));
  },
});
