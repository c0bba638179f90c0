/* global document, location, URLSearchParams */
import { api } from './api.js';
import { esc, ago, pill } from './html.js';
import { main } from './shell.js';
import { goTo, hashParams } from './url-state.js';

/**
 * The fleet's boxes, however many: the fleet searches, filters, sorts and pages (50 rows a
 * page), and the address keeps the state (`#/?q=lyon&status=offline&sort=lastSeen&page=2`),
 * so a reload, a bookmark or a link shows the same rows.
 */
const PAGE = 50;
const FILTERS = ['q', 'club', 'status', 'version', 'hardware', 'alerts'];
const COLUMNS = [
  ['id', 'box'],
  ['club', 'club'],
  ['online', 'status'],
  ['version', 'version'],
  ['hardware', 'hardware'],
  ['lastSeen', 'last seen'],
  ['openAlerts', 'alerts'],
];
/** The status filter as the API reads it. */
const STATUS = { online: 'status=active&online=true', offline: 'status=active&online=false', pending: 'status=pending', revoked: 'status=revoked' };

/** The view's state from the address, with defaults. */
function stateOf(params) {
  const s = Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? '']));
  s.sort = COLUMNS.some(([k]) => k === params.get('sort')) ? params.get('sort') : 'id';
  s.order = params.get('order') === 'desc' ? 'desc' : 'asc';
  s.page = Math.max(1, Number.parseInt(params.get('page') ?? '1', 10) || 1);
  return s;
}

const go = (s) => goTo('', s, { sort: 'id', order: 'asc', page: 1 });

function apiQuery(s) {
  const p = new URLSearchParams({ sort: s.sort, order: s.order, limit: String(PAGE), offset: String((s.page - 1) * PAGE) });
  if (s.q.trim()) p.set('q', s.q.trim());
  if (s.club) p.set('clubId', s.club);
  if (s.version) p.set('version', s.version);
  if (s.hardware) p.set('hardware', s.hardware);
  if (s.alerts) p.set('openAlerts', String(s.alerts === 'open'));
  return `${p}${STATUS[s.status] ? `&${STATUS[s.status]}` : ''}`;
}

const options = (pairs, selected, any) => [`<option value="">${esc(any)}</option>`, ...pairs.map(([v, label]) => `<option value="${esc(v)}" ${v === selected ? 'selected' : ''}>${esc(label)}</option>`)].join('');
const facet = (list) => list.filter((f) => f.value !== null).map((f) => [f.value, `${f.value} (${f.count})`]);

function controls(s, clubs, facets) {
  return `<form id="box-filters" class="actions" role="search">
    <input id="box-search" type="search" placeholder="Search id, name, club" value="${esc(s.q)}" size="24" aria-label="Search boxes">
    <select id="f-club" aria-label="Club">${options(clubs.map((c) => [c.id, c.name]), s.club, 'All clubs')}</select>
    <select id="f-status" aria-label="Status">${options(Object.keys(STATUS).map((k) => [k, k]), s.status, 'Any status')}</select>
    <select id="f-version" aria-label="Agent version">${options(facet(facets.versions), s.version, 'Any version')}</select>
    <select id="f-hardware" aria-label="Hardware model">${options(facet(facets.hardware), s.hardware, 'Any hardware')}</select>
    <select id="f-alerts" aria-label="Open alerts">${options([['open', 'with open alerts'], ['none', 'without open alerts']], s.alerts, 'Alerts: any')}</select>
    <button type="button" id="f-clear" class="secondary">Clear</button>
  </form>`;
}

function statusPill(b) {
  if (b.status !== 'active') return pill(b.status, 'warn');
  return pill(b.online ? 'online' : 'offline', b.online ? 'ok' : 'bad');
}

function rows(boxes) {
  if (boxes.length === 0) return '<tr><td colspan="7" class="muted" id="no-box">No box matches.</td></tr>';
  return boxes
    .map(
      (b) => `<tr data-box="${esc(b.id)}">
      <td><a href="#/box/${encodeURIComponent(b.id)}">${esc(b.id)}</a><div class="muted">${esc(b.name)}</div></td>
      <td>${esc(b.clubName ?? b.clubId ?? '')}</td><td>${statusPill(b)}</td><td>${esc(b.agentVersion ?? '–')}</td><td>${esc(b.hardware ?? '–')}</td>
      <td title="${esc(b.lastSeenAt ? new Date(b.lastSeenAt).toLocaleString() : '')}">${esc(ago(b.lastSeenAt))}</td>
      <td>${b.openAlerts ? pill(`${b.openAlerts} open`, 'warn') : '<span class="muted">none</span>'}</td></tr>`,
    )
    .join('');
}

function header(s) {
  return COLUMNS.map(([key, label]) => {
    const active = s.sort === key;
    const arrow = active ? (s.order === 'asc' ? ' ▲' : ' ▼') : '';
    return `<th aria-sort="${active ? (s.order === 'asc' ? 'ascending' : 'descending') : 'none'}"><button type="button" class="sort" data-sort="${key}">${esc(label)}${arrow}</button></th>`;
  }).join('');
}

function pager(s, total) {
  const pages = Math.max(1, Math.ceil(total / PAGE));
  const first = total === 0 ? 0 : (s.page - 1) * PAGE + 1;
  const last = Math.min(total, s.page * PAGE);
  return `<div class="actions pager"><span id="box-range">${first}–${last} of ${total.toLocaleString('en')}</span>
    <button type="button" class="secondary" data-page="${s.page - 1}" id="page-prev" ${s.page <= 1 ? 'disabled' : ''}>Previous</button>
    <span id="box-page">page ${s.page} of ${pages}</span>
    <button type="button" class="secondary" data-page="${s.page + 1}" id="page-next" ${s.page >= pages ? 'disabled' : ''}>Next</button></div>`;
}

const current = () => stateOf(hashParams());

function wire() {
  const form = main.querySelector('#box-filters');
  const change = (patch) => go({ ...current(), ...patch, page: 1 });
  let typing;
  form.addEventListener('submit', (e) => e.preventDefault());
  form.querySelector('#box-search').addEventListener('input', (e) => {
    clearTimeout(typing);
    typing = setTimeout(() => change({ q: e.target.value }), 300);
  });
  for (const [id, key] of [['f-club', 'club'], ['f-status', 'status'], ['f-version', 'version'], ['f-hardware', 'hardware'], ['f-alerts', 'alerts']]) form.querySelector(`#${id}`).addEventListener('change', (e) => change({ [key]: e.target.value }));
  form.querySelector('#f-clear').addEventListener('click', () => go({ ...Object.fromEntries(FILTERS.map((k) => [k, ''])), sort: 'id', order: 'asc', page: 1 }));
  for (const b of main.querySelectorAll('button[data-sort]')) {
    b.addEventListener('click', () => {
      const s = current();
      go({ ...s, sort: b.dataset.sort, order: s.sort === b.dataset.sort && s.order === 'asc' ? 'desc' : 'asc', page: 1 });
    });
  }
  for (const b of main.querySelectorAll('button[data-page]')) b.addEventListener('click', () => go({ ...current(), page: Number(b.dataset.page) }));
  for (const tr of main.querySelectorAll('tr[data-box]')) tr.addEventListener('click', (e) => e.target.closest('a') || (location.hash = `#/box/${encodeURIComponent(tr.dataset.box)}`));
}

export const boxesView = (params) => ({
  topics: ['boxes', 'alerts'],
  async render() {
    const s = stateOf(params);
    const [{ boxes, total }, facets, { clubs }] = await Promise.all([api(`/v1/boxes?${apiQuery(s)}`), api('/v1/box-facets'), api('/v1/clubs')]);
    const search = main.querySelector('#box-search');
    // A live redraw must not take the search field away from someone typing in it.
    const typing = search && document.activeElement === search ? { value: search.value, at: search.selectionStart } : null;
    main.innerHTML = `<h1>Boxes</h1>
      <div class="stats">
        <div class="stat"><b id="online-count">${facets.online} / ${facets.active}</b>boxes online</div>
        <div class="stat"><b>${facets.withOpenAlerts}</b>boxes with open alerts</div>
        <div class="stat"><b>${facets.versions.length}</b>agent versions</div>
      </div>
      <div class="card">${controls(s, clubs, facets)}
        <table id="box-list"><thead><tr>${header(s)}</tr></thead><tbody id="box-rows">${rows(boxes)}</tbody></table>
        ${pager(s, total)}</div>`;
    if (typing) {
      const again = main.querySelector('#box-search');
      again.value = typing.value;
      again.focus();
      again.setSelectionRange(typing.at, typing.at);
    }
    wire();
  },
});
