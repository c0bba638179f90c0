import { api } from '../api.js';
import { esc, fmtTime, pill, table } from '../html.js';
import { may } from '../shell.js';
import { errorText } from '../update-states.js';

const STATUS_TONE = { applied: 'ok', trial: 'warn', rejected: 'bad', 'rolled-back': 'bad' };
const show = (v) => (v === undefined ? '<span class="muted">(absent)</span>' : `<code>${esc(JSON.stringify(v))}</code>`);

function summary(view) {
  const r = view.reported;
  const d = view.desired;
  const running = r ? `runs version <b id="config-running">${esc(r.runningVersion ?? r.version)}</b>; last change: version ${esc(r.version)} ${pill(r.status, STATUS_TONE[r.status] ?? '')}` : 'has not reported its configuration yet';
  const desired = d ? `desired version ${esc(d.version)}, set by ${esc(d.setBy)} (ticket ${esc(d.ticket ?? '-')}) ${esc(fmtTime(d.setAt))}` : 'never changed remotely';
  return `<p id="config-summary">The box ${running}. ${desired}. ${view.inSync ? pill('in sync', 'ok') : pill('not in sync', 'warn')}</p>
    ${r?.error ? `<p class="banner bad" id="config-error">${errorText(r.error)}</p>` : ''}
    ${(r?.errors ?? []).length ? `<ul id="config-errors">${r.errors.map((e) => `<li><code>${esc(e.message)}</code></li>`).join('')}</ul>` : ''}`;
}

/**
 * Remote configuration on the box page: what the box runs against what was asked, as a
 * diff (one row per differing setting), and an editor of the whole configuration (JSON, the
 * box file's schema) sent with a ticket. The box checks it, applies it, and rolls it back by
 * itself if a changed device does not come up.
 */
export const configSection = {
  id: 'config',
  title: 'Configuration',
  wide: true,
  topics: ['boxes', 'config'],
  load: ({ id }) => api(`/v1/boxes/${id}/config`),
  render(el, view, { box }) {
    const diff = table(['setting', 'desired', 'the box runs'], view.diff.map((d) => [`<code>${esc(d.path)}</code>`, show(d.desired), show(d.reported)]), 'config-diff');
    const head = `${summary(view)}<h3>Desired against reported</h3>${view.desired ? diff : '<p class="muted">Nothing set remotely.</p>'}`;
    const headEl = el.querySelector('#config-head');
    // The editor stays as typed across live refreshes; only the status and the diff are redrawn.
    if (headEl) {
      headEl.innerHTML = head;
      return;
    }
    const editable = may('config.manage') && box.status === 'active' && view.reported?.config;
    el.innerHTML = `<div id="config-head">${head}</div>${
      editable
        ? `<details id="config-editor"><summary>Change the configuration</summary>
            <textarea id="config-text" rows="18" spellcheck="false">${esc(JSON.stringify(view.reported.config, null, 2))}</textarea>
            <div class="actions"><input id="config-ticket" placeholder="Ticket (required)" size="18"><button id="config-apply">Send to the box</button></div>
            <p id="config-status" class="muted"></p></details>`
        : ''
    }`;
    el.querySelector('#config-apply')?.addEventListener('click', async () => {
      const status = el.querySelector('#config-status');
      let config;
      try {
        config = JSON.parse(el.querySelector('#config-text').value);
      } catch (e) {
        status.textContent = `Not valid JSON: ${e.message}`;
        return;
      }
      try {
        const v = await api(`/v1/boxes/${encodeURIComponent(box.id)}/config`, { method: 'PUT', body: { config, ticket: el.querySelector('#config-ticket').value.trim() || undefined } });
        status.textContent = `Version ${v.desired.version} sent: ${v.diff.map((d) => d.path).join(', ') || 'no change'}. The box applies it and reports back.`;
        el.querySelector('#config-head').innerHTML = `${summary(v)}<h3>Desired against reported</h3>${table(['setting', 'desired', 'the box runs'], v.diff.map((d) => [`<code>${esc(d.path)}</code>`, show(d.desired), show(d.reported)]), 'config-diff')}`;
      } catch (e) {
        status.textContent = e.message;
      }
    });
  },
};
