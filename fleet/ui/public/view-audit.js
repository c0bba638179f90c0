/* global document, URLSearchParams */
import { api } from './api.js';
import { esc, fmtTime, pill, table } from './html.js';
import { main, may } from './shell.js';
import { goTo, hashParams } from './url-state.js';

/**
 * Who did what, filtered by actor, action, box and period (local days), newest first, 100
 * rows a page. A sent command shows its kind and how it ended, not only "command.send".
 */
const FILTERS = ['actor', 'action', 'box', 'from', 'to', 'before'];
const PAGE = 100;

const stateOf = (params) => Object.fromEntries(FILTERS.map((k) => [k, params.get(k) ?? '']));

/** A local day (yyyy-mm-dd) as the epoch ms of its midnight here, or of the next midnight. */
function dayStart(day, next = false) {
  const [y, m, d] = day.split('-').map(Number);
  return new Date(y, m - 1, d + (next ? 1 : 0)).getTime();
}

function apiQuery(s) {
  const p = new URLSearchParams({ limit: String(PAGE) });
  if (s.actor.trim()) p.set('actor', s.actor.trim());
  if (s.action) p.set('action', s.action);
  if (s.box.trim()) p.set('boxId', s.box.trim());
  if (/^\d{4}-\d{2}-\d{2}$/.test(s.from)) p.set('from', String(dayStart(s.from)));
  if (/^\d{4}-\d{2}-\d{2}$/.test(s.to)) p.set('to', String(dayStart(s.to, true)));
  if (/^\d+$/.test(s.before)) p.set('before', s.before);
  return p;
}

const COMMAND_TONE = { succeeded: 'ok', failed: 'bad', rejected: 'bad', expired: 'bad', pending: 'warn', sent: 'warn' };

/** What the call was and how it ended. */
function what(e) {
  if (e.command) {
    const c = e.command;
    return `<b class="command-kind">${esc(c.kind)}</b> ${pill(c.status, COMMAND_TONE[c.status] ?? '')}${c.error ? ` <span class="error">${esc(c.error)}</span>` : ''}`;
  }
  const status = e.detail?.status;
  return e.outcome === 'refused' ? pill(`refused${status ? ` (${status})` : ''}`, 'bad') : pill('done', 'ok');
}

const actionLabel = (a) => a.replace(/[.-]/g, ' ');

function controls(s, actions) {
  return `<form id="audit-filters" class="actions">
    <input id="a-actor" placeholder="Actor (token name)" value="${esc(s.actor)}" size="16" aria-label="Actor">
    <select id="a-action" aria-label="Action"><option value="">Any action</option>${actions.map((a) => `<option value="${esc(a)}" ${a === s.action ? 'selected' : ''}>${esc(actionLabel(a))}</option>`).join('')}</select>
    <input id="a-box" placeholder="Box id" value="${esc(s.box)}" size="12" aria-label="Box">
    <label>From <input id="a-from" type="date" value="${esc(s.from)}"></label>
    <label>to <input id="a-to" type="date" value="${esc(s.to)}"></label>
    <button id="a-apply" type="submit">Filter</button>
    <button id="a-clear" type="button" class="secondary">Clear</button>
  </form>`;
}

const FIELD_OF = { 'a-actor': 'actor', 'a-box': 'box', 'a-from': 'from', 'a-to': 'to' };

/**
 * What was typed in the filters and not applied yet. The view is drawn again at every live
 * change of the audit, and when an action is picked (that applies at once): neither may wipe
 * what someone is typing. A typed value is kept only while its filter stays as it was drawn.
 */
function typedFilters() {
  const form = main.querySelector('#audit-filters');
  if (!form) return { typed: [], focused: undefined };
  const typed = [...form.querySelectorAll('input')].filter((el) => el.value !== el.defaultValue).map((el) => ({ id: el.id, value: el.value, drawn: el.defaultValue }));
  return { typed, focused: form.contains(document.activeElement) ? document.activeElement.id : undefined };
}

function restoreTyped({ typed, focused }, s) {
  for (const t of typed) {
    const el = main.querySelector(`#${t.id}`);
    if (el && s[FIELD_OF[t.id]] === t.drawn) el.value = t.value;
  }
  if (focused) main.querySelector(`#${focused}`)?.focus();
}

function wire() {
  const form = main.querySelector('#audit-filters');
  const read = (id) => form.querySelector(id).value;
  const apply = () => goTo('audit', { actor: read('#a-actor').trim(), action: read('#a-action'), box: read('#a-box').trim(), from: read('#a-from'), to: read('#a-to') });
  form.addEventListener('submit', (e) => {
    e.preventDefault();
    apply();
  });
  form.querySelector('#a-action').addEventListener('change', apply);
  form.querySelector('#a-clear').addEventListener('click', () => {
    form.reset(); // what was typed goes too: the redraw must not keep it
    goTo('audit', {});
  });
  main.querySelector('#audit-older')?.addEventListener('click', (e) => goTo('audit', { ...stateOf(hashParams()), before: e.target.dataset.before }));
  main.querySelector('#audit-newest')?.addEventListener('click', () => goTo('audit', { ...stateOf(hashParams()), before: '' }));
}

export const auditView = (params) => ({
  topics: ['audit'],
  async render() {
    if (!may('audit.read')) {
      main.innerHTML = '<h1>Audit log</h1><p class="muted">Your role may not read the audit log.</p>';
      return;
    }
    const s = stateOf(params);
    const { entries, nextBefore, actions } = await api(`/v1/audit?${apiQuery(s)}`);
    const rows = entries.map((e) => [
      esc(fmtTime(e.at)),
      `${esc(e.actor)}${e.actorRole ? ` <span class="muted">${esc(e.actorRole)}</span>` : ''}`,
      esc(actionLabel(e.action)),
      esc(e.target ?? ''),
      what(e),
      esc(e.ticket ?? ''),
    ]);
    const typing = typedFilters();
    main.innerHTML = `<h1>Audit log</h1><div class="card">${controls(s, actions)}
      ${table(['time', 'actor', 'action', 'target', 'what and outcome', 'ticket'], rows, 'audit-rows')}
      <div class="actions pager">${s.before ? '<button type="button" id="audit-newest" class="secondary">Newest</button>' : ''}
      ${nextBefore ? `<button type="button" id="audit-older" class="secondary" data-before="${nextBefore}">Older entries</button>` : ''}</div></div>`;
    restoreTyped(typing, s);
    wire();
  },
});
