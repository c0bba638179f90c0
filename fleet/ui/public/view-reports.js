import { api } from './api.js';
import { esc, table } from './html.js';
import { main, may } from './shell.js';
import { goTo } from './url-state.js';
import uPlot from './vendor/uPlot.esm.js';

/**
 * Pass reports of a club (or all) over the last day or week: passes per hour (a uPlot chart,
 * in the club's time), entries and exits per local day, and card sharing, as tables with
 * names and local times. The address keeps the choice: `#/reports?club=club-lyon&days=7`.
 */
const PERIODS = [
  ['1', 'last 24 h'],
  ['7', 'last 7 days'],
];
const SERIES = [
  ['granted', 'granted', '#13803d'],
  ['refused', 'refused', '#b42318'],
  ['manual', 'manual opens', '#b45309'],
];
const KINDS = { 'impossible-travel': 'two clubs too close in time', 'overlapping-entries': 'entered again while inside' };

/** A time as read at the club (its time zone), or here for several clubs. */
const localTime = (at, tz) => new Date(at).toLocaleString(undefined, { timeZone: tz, dateStyle: 'short', timeStyle: 'short' });

function minutes(ms) {
  const m = Math.round(ms / 60_000);
  return m < 60 ? `${m} min` : `${Math.floor(m / 60)} h ${String(m % 60).padStart(2, '0')}`;
}

function chart(el, hours, tz) {
  const data = [hours.map((h) => h.at / 1000), ...SERIES.map(([key]) => hours.map((h) => h[key]))];
  const opts = {
    title: 'Passes per hour',
    width: Math.max(320, el.clientWidth - 10),
    height: 240,
    ...(tz ? { tzDate: (ts) => uPlot.tzDate(new Date(ts * 1000), tz) } : {}),
    scales: { x: { time: true } },
    series: [{ label: 'hour' }, ...SERIES.map(([, label, stroke]) => ({ label, stroke, width: 1.5, paths: uPlot.paths.stepped({ align: 1 }), value: (_u, v) => (v == null ? '–' : `${v} passes`) }))],
    axes: [{}, { label: 'passes / hour', size: 60, values: (_u, ticks) => ticks.map((t) => (Number.isInteger(t) ? String(t) : '')) }],
  };
  el.chart?.destroy();
  el.innerHTML = '';
  el.chart = new uPlot(opts, data, el);
}

const member = (names, memberId, fallback) => esc(names.members[memberId] ?? memberId ?? fallback);
const place = (names, ref, tz) => `${esc(names.clubs[ref.clubId] ?? ref.clubId ?? '')} · ${esc(names.boxes[ref.boxId] || ref.boxId)} · ${esc(localTime(ref.at, tz))}`;

function entryExitRows(days, names) {
  return days.map((d) => {
    const list = d.unbalanced.slice(0, 5).map((u) => `${member(names, u.memberId, u.credential)} (${u.entries} in, ${u.exits} out)`).join(', ');
    const more = d.unbalanced.length > 5 ? ` and ${d.unbalanced.length - 5} more` : '';
    return [esc(names.clubs[d.clubId] ?? d.clubId), esc(d.day), String(d.entries), String(d.exits), d.unbalanced.length ? `<b>${d.unbalanced.length}</b> <span class="muted">${list}${esc(more)}</span>` : '<span class="muted">none</span>'];
  });
}

function sharingRows(findings, names, tzOf) {
  return findings.map((f) => [
    esc(KINDS[f.kind] ?? f.kind),
    member(names, f.memberId, `card ${f.credential.slice(0, 8)}`),
    place(names, f.first, tzOf(f.first.clubId)),
    place(names, f.second, tzOf(f.second.clubId)),
    esc(minutes(f.intervalMs)),
  ]);
}

export const reportsView = (params) => ({
  topics: ['passes'],
  async render() {
    if (!may('passes.read')) {
      main.innerHTML = '<h1>Reports</h1><p class="muted">Your role may not read pass reports (member data).</p>';
      return;
    }
    const club = params.get('club') ?? '';
    const days = PERIODS.some(([d]) => d === params.get('days')) ? params.get('days') : '1';
    const to = Date.now() + 60_000;
    const from = to - Number(days) * 86_400_000;
    const q = `from=${from}&to=${to}${club ? `&clubId=${encodeURIComponent(club)}` : ''}`;
    const [{ clubs }, { hours }, entryExit, sharing] = await Promise.all([api('/v1/clubs'), api(`/v1/reports/passes-per-hour?${q}`), api(`/v1/reports/entry-exit?${q}`), api(`/v1/reports/card-sharing?${q}`)]);
    const zone = new Map(clubs.map((c) => [c.id, c.timezone]));
    const tz = club ? zone.get(club) : undefined;
    const total = (key) => hours.reduce((n, h) => n + h[key], 0);
    main.innerHTML = `<h1>Reports</h1>
      <div class="actions"><label>Club <select id="r-club"><option value="">All clubs</option>${clubs.map((c) => `<option value="${esc(c.id)}" ${c.id === club ? 'selected' : ''}>${esc(c.name)}</option>`).join('')}</select></label>
        <label>Period <select id="r-days">${PERIODS.map(([d, l]) => `<option value="${d}" ${d === days ? 'selected' : ''}>${l}</option>`).join('')}</select></label>
        <span class="muted">${tz ? `times in the club's time (${esc(tz)})` : 'times in this browser’s time'}</span></div>
      <div class="stats">${SERIES.map(([key, label]) => `<div class="stat"><b id="total-${key}">${total(key)}</b>${esc(label)}</div>`).join('')}</div>
      <div class="card"><div id="per-hour" class="chart" aria-label="Passes per hour chart"></div></div>
      <div class="card"><h2>Entries and exits per day</h2>${table(['club', 'day', 'entries', 'exits', 'credentials out of balance'], entryExitRows(entryExit.days, entryExit.names), 'entry-exit')}</div>
      <div class="card"><h2>Card sharing</h2>${table(['finding', 'member', 'first', 'then', 'interval'], sharingRows(sharing.findings, sharing.names, (id) => zone.get(id)), 'card-sharing')}</div>`;
    chart(main.querySelector('#per-hour'), hours, tz);
    const go = (patch) => goTo('reports', { club, days, ...patch }, { days: '1' });
    main.querySelector('#r-club').addEventListener('change', (e) => go({ club: e.target.value }));
    main.querySelector('#r-days').addEventListener('change', (e) => go({ days: e.target.value }));
  },
});
