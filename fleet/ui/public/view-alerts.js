/* global document */
import { api } from './api.js';
import { esc, fmtTime, ago, pill, table } from './html.js';
import { main, may, refresh, toast } from './shell.js';

const DURATIONS = [
  [30, '30 min'],
  [120, '2 h'],
  [24 * 60, '1 day'],
  [7 * 24 * 60, '1 week'],
];

const severity = (a) => pill(a.severity, a.severity === 'critical' ? 'bad' : 'warn');
const box = (a) => `<a href="#/box/${encodeURIComponent(a.boxId)}">${esc(a.boxId)}</a>`;

function handling(a) {
  const parts = [];
  if (a.acknowledgedAt) parts.push(`${pill('acknowledged', 'ok')} <span class="muted">by ${esc(a.acknowledgedBy)}, ${esc(ago(a.acknowledgedAt))}${a.ackNote ? `: “${esc(a.ackNote)}”` : ''}</span>`);
  if (a.assignee) parts.push(`<span class="muted">assigned to</span> <b>${esc(a.assignee)}</b>`);
  return parts.join('<br>');
}

/** The inline form of one open alert: acknowledge (note), assign, silence its box, rule or club. */
function actions(a) {
  return `<form class="alert-actions" data-alert="${a.id}" data-box="${esc(a.boxId)}" data-rule="${esc(a.rule)}" data-club="${esc(a.clubId ?? '')}">
    <input name="note" placeholder="Note" size="16" maxlength="500"><button name="ack" type="button">Acknowledge</button>
    <input name="assignee" placeholder="Assign to" size="10" maxlength="80" value="${esc(a.assignee ?? '')}"><button name="assign" type="button" class="secondary">Assign</button>
    <select name="scope"><option value="box">this box</option><option value="rule">this rule</option>${a.clubId ? '<option value="club">this club</option>' : ''}</select>
    <select name="minutes">${DURATIONS.map(([m, l]) => `<option value="${m}">${l}</option>`).join('')}</select><button name="silence" type="button" class="secondary">Silence</button>
  </form>`;
}

/**
 * What the user has typed or picked in the open alerts' forms, by alert: the view is drawn
 * again at every live change of the alerts, and that must not wipe a half-filled form.
 */
function formsInProgress() {
  const kept = new Map();
  for (const form of main.querySelectorAll('form.alert-actions')) {
    const fields = [...form.querySelectorAll('input, select')].filter((el) => (el.tagName === 'SELECT' ? el.selectedIndex !== 0 : el.value !== el.defaultValue));
    const focused = form.contains(document.activeElement) ? document.activeElement.name : undefined;
    if (fields.length > 0 || focused) kept.set(form.dataset.alert, { values: fields.map((el) => [el.name, el.value]), focused });
  }
  return kept;
}

function restore(kept) {
  for (const form of main.querySelectorAll('form.alert-actions')) {
    const k = kept.get(form.dataset.alert);
    if (!k) continue;
    for (const [name, value] of k.values) if (form.elements[name]) form.elements[name].value = value;
    if (k.focused) form.elements[k.focused]?.focus();
  }
}

function wire() {
  for (const form of main.querySelectorAll('form.alert-actions')) {
    const { alert, box: boxId, rule, club } = form.dataset;
    // Done: the form goes back to its defaults, so that the redraw does not keep what was sent.
    const call = (path, body, done) => api(path, { method: 'POST', body }).then(() => (form.reset(), toast(done), refresh()), (e) => toast(e.message));
    form.elements.ack.addEventListener('click', () => call(`/v1/alerts/${alert}/acknowledge`, form.elements.note.value.trim() ? { note: form.elements.note.value.trim() } : {}, 'Acknowledged.'));
    form.elements.assign.addEventListener('click', () => call(`/v1/alerts/${alert}/assign`, { assignee: form.elements.assignee.value.trim() || null }, 'Assigned.'));
    form.elements.silence.addEventListener('click', () => {
      const scope = form.elements.scope.value;
      const target = scope === 'box' ? boxId : scope === 'rule' ? rule : club;
      call('/v1/silences', { scope, target, minutes: Number(form.elements.minutes.value), note: `from alert #${alert}` }, `Silenced ${scope} ${target}.`);
    });
  }
  for (const b of main.querySelectorAll('button[data-end-silence]')) b.addEventListener('click', () => api(`/v1/silences/${b.dataset.endSilence}/end`, { method: 'POST', body: {} }).then(() => refresh(), (e) => toast(e.message)));
  for (const b of main.querySelectorAll('button[data-retry]')) b.addEventListener('click', () => api(`/v1/notification-deliveries/${b.dataset.retry}/retry`, { method: 'POST', body: {} }).then(() => refresh(), (e) => toast(e.message)));
}

export const alertsView = () => ({
  topics: ['alerts'],
  async render() {
    const [{ alerts: open }, { alerts: resolved }, { silences }, { deliveries: failed }] = await Promise.all([
      api('/v1/alerts?status=open&limit=500'),
      api('/v1/alerts?status=resolved&limit=50'),
      api('/v1/silences'),
      api('/v1/notification-deliveries?status=failed&limit=50'),
    ]);
    const manage = may('alerts.manage');
    const kept = formsInProgress();
    const openRows = open.map((a) => [severity(a), box(a), `${esc(a.message)}<br><span class="muted">${esc(a.rule)}${a.subject ? ` · ${esc(a.subject)}` : ''}</span>`, esc(fmtTime(a.openedAt)), handling(a), manage ? actions(a) : '']);
    main.innerHTML = `<h1>Alerts</h1>
      <div class="card"><h2>Open (${open.length})</h2>${table(['severity', 'box', 'alert', 'opened', 'handled', manage ? 'act' : ''], openRows, 'open-alerts')}</div>
      <div class="cols">
        <div class="card"><h2>Silences</h2>${table(['silenced', 'until', 'by', ''], silences.map((s) => [`${esc(s.scope)} <b>${esc(s.target)}</b>`, esc(fmtTime(s.until)), esc(s.createdBy), manage ? `<button class="secondary" data-end-silence="${s.id}">End</button>` : '']), 'silences')}</div>
        <div class="card"><h2>Failed notifications</h2>${table(['alert', 'to', 'attempts', 'error', ''], failed.map((d) => [`#${d.alertId}`, `${esc(d.channel)} ${esc(d.target)}`, esc(d.attempts), esc(d.lastError ?? ''), may('notifications.manage') ? `<button class="secondary" data-retry="${d.id}">Send again</button>` : '']), 'failed-deliveries')}</div>
      </div>
      <div class="card"><h2>Recently resolved</h2>${table(['severity', 'box', 'alert', 'opened', 'resolved'], resolved.map((a) => [severity(a), box(a), esc(a.message), esc(fmtTime(a.openedAt)), esc(fmtTime(a.resolvedAt))]))}</div>`;
    wire();
    restore(kept);
  },
});
