/* global document, location, URLSearchParams */
// The member view of support: find a member by name, then why they were refused (the box's own
// explanation in plain words, expandable to the rules and facts), their rights at the fleet,
// and the rights version each box of their clubs decides with.
import { api, ApiError } from './api.js';
import { esc, fmtTime, pill, table } from './html.js';
import { main, may, passResult } from './shell.js';
import { notFoundPage } from './view-not-found.js';

const searchForm = (text = '') => `<form id="member-search" class="actions">
    <input id="member-q" name="q" value="${esc(text)}" placeholder="Member name or id" minlength="2" required size="30">
    <button type="submit">Find</button></form>`;

function bindSearch() {
  document.getElementById('member-search').addEventListener('submit', (e) => {
    e.preventDefault();
    location.hash = `#/members/?q=${encodeURIComponent(document.getElementById('member-q').value.trim())}`;
  });
}

/** One rule the box evaluated: its outcome and the facts it used, field by field. */
function ruleRow(rule) {
  const tone = rule.outcome === 'fail' ? 'bad' : rule.outcome === 'skip' ? '' : 'ok';
  const facts = rule.facts ? `<code>${esc(JSON.stringify(rule.facts))}</code>` : '<span class="muted">-</span>';
  return [pill(rule.outcome, tone), esc(rule.rule), facts];
}

function explanationOf(p) {
  const e = p.explanation;
  if (!e) return esc(p.summary);
  const head = `rights version ${esc(e.rightsVersion)} · club time ${esc(e.tz ?? 'unknown')} · decided ${esc(e.at?.local ?? fmtTime(e.at?.at))}${e.truncated ? ` · cut (${esc(e.truncated)})` : ''}`;
  return `<details class="explanation"><summary>${esc(p.summary)}</summary><p class="muted">${head}</p>${table(['outcome', 'rule', 'facts'], e.rules.map(ruleRow))}</details>`;
}

const rightState = (r) => pill(r.state, r.state === 'active' ? 'ok' : 'bad');
const behind = (b) => (b.behindBy === null ? '<span class="muted">unknown</span>' : b.behindBy > 0 ? pill(`behind by ${b.behindBy}`, 'warn') : pill('up to date', 'ok'));

function clubCard(c) {
  const alerts = c.blockingAlerts.length ? c.blockingAlerts.map((a) => pill(a.message, 'bad')).join(' ') : '<span class="muted">none</span>';
  return `<div class="card member-club" data-club="${esc(c.clubId)}"><h2>${esc(c.clubName ?? c.clubId)} <span class="muted">rights v${esc(c.fleetRightsVersion ?? '-')}</span></h2>
    <p>Subscription end: <b>${esc(c.subscriptionEnd ? fmtTime(c.subscriptionEnd) : 'none')}</b> · blocking alerts: ${alerts}</p>
    <h3>Rights at the fleet</h3>${table(['right', 'kind', 'zones', 'valid from', 'valid to', 'visits left', 'state'], c.rights.map((r) => [esc(r.id), esc(r.kind), esc(r.zoneIds.join(', ')), esc(fmtTime(r.validFrom)), esc(fmtTime(r.validTo)), esc(r.visitsLeft ?? '-'), rightState(r)]))}
    <h3>Boxes of the club</h3>${table(['box', 'online', 'rights version', ''], c.boxes.map((b) => [`<a href="#/box/${encodeURIComponent(b.boxId)}">${esc(b.boxId)}</a>`, b.online ? pill('online', 'ok') : pill('offline', 'bad'), esc(b.rightsVersion ?? '-'), behind(b)]), 'member-boxes')}</div>`;
}

async function showMember(memberId) {
  let v;
  try {
    v = await api(`/v1/members/${encodeURIComponent(memberId)}?passes=200`);
  } catch (e) {
    if (e instanceof ApiError && e.status === 404) return notFoundPage(`There is no member “${memberId}”.`, '#/members', 'Find a member');
    throw e;
  }
  const name = [...new Set(v.clubs.map((c) => c.displayName))].join(' / ') || v.memberId;
  const rows = v.passes.map((p) => [esc(fmtTime(p.at)), `<a href="#/box/${encodeURIComponent(p.boxId)}">${esc(p.boxId)}</a>`, esc(`${p.lane} ${p.direction ?? ''}`), passResult(p), explanationOf(p)]);
  main.innerHTML = `<h1 id="member-name">${esc(name)} <span class="muted">${esc(v.memberId)}</span></h1>${searchForm()}
    <div class="card"><h2>Passes across clubs</h2><p class="muted">Newest first. Open a cause to see the rules the box evaluated and the facts it used.</p>${table(['time', 'box', 'lane', 'result', 'cause'], rows, 'member-passes')}</div>
    <div class="cols">${v.clubs.map(clubCard).join('')}</div>`;
  bindSearch();
}

async function searchMembers(q) {
  const found = q.length >= 2 ? (await api(`/v1/members?q=${encodeURIComponent(q)}`)).members : [];
  main.innerHTML = `<h1>Members</h1>${searchForm(q)}
    ${q.length >= 2 ? table(['member', 'club', 'name'], found.map((m) => [`<a href="#/members/${encodeURIComponent(m.memberId)}">${esc(m.memberId)}</a>`, esc(m.clubId), esc(m.name)]), 'member-results') : '<p class="muted">Search by name (part of it) or id, across clubs.</p>'}`;
  bindSearch();
}

/** `#/members`, `#/members/?q=text`, `#/members/<id>`. */
export const memberView = (arg = '') => ({
  topics: ['passes'],
  async render() {
    if (!may('rights.read')) {
      main.innerHTML = '<h1>Members</h1><p class="muted">Your role may not read members (personal data).</p>';
      return;
    }
    const [path, query] = `${arg}`.split('?');
    if (path) return showMember(path);
    return searchMembers(new URLSearchParams(query ?? '').get('q') ?? '');
  },
});
