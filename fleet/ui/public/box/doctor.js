/* global document */
// The box doctor on the box page: run it now, read each check with its timing, and for a
// failed line the likely cause and the next step in plain words.
import { api } from '../api.js';
import { esc, fmtTime, pill } from '../html.js';
import { may } from '../shell.js';

const tone = { ok: 'ok', warn: 'warn', fail: 'bad' };
const HINT = 'Polls every device, writes the journal, checks disk, clock, broker, rights and backlog.';

/** The line above the report, the same after a live refresh as right after a run. */
const statusOf = (v, offline) => (offline ? 'The box is offline: the doctor needs it connected.' : !v?.report ? HINT : v.problem ? `Problem: ${v.problem}` : 'Every check passed.');

function report(v) {
  if (!v) return '<p class="muted">The doctor has not run on this box yet.</p>';
  if (!v.report) return `<p class="error" id="doctor-problem">${esc(v.problem ?? v.status)}</p>`;
  const lines = v.report.lines
    .map(
      (l) => `<tr class="doctor-line ${esc(l.status)}" data-kind="${esc(l.kind)}" data-subject="${esc(l.subject ?? '')}"><td>${pill(l.status, tone[l.status])}</td><td>${esc(l.kind)} ${esc(l.subject ?? '')}</td><td>${esc(l.durationMs)} ms</td>
        <td>${esc(l.message)}${l.code ? ` <code>${esc(l.code)}</code>` : ''}${l.advice ? `<div class="advice"><b>Likely cause:</b> ${esc(l.advice.cause)}<br><b>Next step:</b> ${esc(l.advice.nextStep)}</div>` : ''}</td></tr>`,
    )
    .join('');
  return `<p class="muted" id="doctor-summary">Run ${esc(fmtTime(v.report.startedAt))} by ${esc(v.operator)} in ${esc(Math.round(v.report.durationMs))} ms: ${v.counts.fail} failed, ${v.counts.warn} warnings, ${v.counts.ok} ok</p>
    <table id="doctor-report"><thead><tr><th>status</th><th>check</th><th>time</th><th>result</th></tr></thead><tbody>${lines}</tbody></table>`;
}

export const doctorSection = {
  id: 'doctor',
  title: 'Box doctor',
  wide: true,
  topics: ['boxes'],
  load: ({ id }) => api(`/v1/boxes/${id}/doctor`),
  render(el, latest, { box, offline }) {
    if (el.dataset.running) return;
    const canRun = may('commands.send') && box.status === 'active';
    el.innerHTML = `<div class="actions">${canRun ? `<button id="run-doctor" ${offline ? 'disabled' : ''}>Run the doctor now</button>` : ''}
      <span class="muted" id="doctor-status">${esc(statusOf(latest, offline))}</span></div><div id="doctor-body">${report(latest)}</div>`;
    document.getElementById('run-doctor')?.addEventListener('click', async () => {
      el.dataset.running = 'yes';
      const status = el.querySelector('#doctor-status');
      status.textContent = 'Running the doctor on the box…';
      try {
        const v = await api(`/v1/boxes/${encodeURIComponent(box.id)}/doctor`, { method: 'POST', body: {} });
        el.querySelector('#doctor-body').innerHTML = report(v);
        status.textContent = statusOf(v, false);
      } catch (e) {
        status.textContent = e.message;
      } finally {
        delete el.dataset.running;
      }
    });
  },
};
