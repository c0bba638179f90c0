import { api } from '../api.js';
import { esc } from '../html.js';
import { may } from '../shell.js';
import { logViewer } from './log-viewer.js';

const LANE_OPEN_TTL = 30;
const LOG_LINES = 500;

async function sendCommand(el, boxId, kind, args) {
  const ticket = el.querySelector('#ticket')?.value.trim() || undefined;
  const status = el.querySelector('#command-status');
  status.textContent = `${kind}: sending…`;
  try {
    let cmd = await api(`/v1/boxes/${encodeURIComponent(boxId)}/commands`, { method: 'POST', body: { kind, args, ttlSeconds: LANE_OPEN_TTL, ...(ticket ? { ticket } : {}) } });
    while (cmd.status === 'pending' || cmd.status === 'sent') {
      status.textContent = `${kind}: waiting for the box…`;
      await new Promise((r) => setTimeout(r, 700));
      cmd = await api(`/v1/commands/${cmd.id}`);
    }
    const error = cmd.result?.error;
    status.textContent = `${kind}: ${cmd.status}${error ? ` (${error.message ?? ''}${error.code ? ` [${error.code}]` : ''})` : ''}`;
    return cmd;
  } catch (e) {
    status.textContent = `${kind}: ${e.message}`;
    return null;
  }
}

function controls(box, offline) {
  const lanes = (box.latestHealth?.lanes ?? []).map((l) => l.laneId);
  const devices = box.devices.map((d) => d.deviceId);
  const off = offline ? 'disabled' : '';
  return `${offline ? '<p class="muted" id="actions-offline">The box is offline: actions are disabled until it reconnects.</p>' : ''}
    <div class="actions">
      <select id="lane" ${off}>${lanes.map((l) => `<option>${esc(l)}</option>`).join('')}</select>
      <select id="direction" ${off}><option value="in">in</option><option value="out">out</option></select>
      <button id="open-lane" ${lanes.length && !offline ? '' : 'disabled'}>Open lane</button>
    </div>
    <div class="actions">
      <select id="device" ${off}>${devices.map((d) => `<option>${esc(d)}</option>`).join('')}</select>
      <button id="restart-device" class="secondary" ${devices.length && !offline ? '' : 'disabled'}>Restart device</button>
      <button id="print-test" class="secondary" ${off}>Print a test ticket</button>
      <button id="fetch-logs" class="secondary" ${off}>Fetch logs</button>
    </div>
    <div class="actions"><input id="ticket" placeholder="Support ticket (optional)" size="24" ${off}></div>
    <p id="command-status" class="muted"></p>`;
}

/**
 * Support actions. Drawn again only when the box's reachability or devices change, so a
 * live refresh does not wipe a typed ticket or a fetched log.
 */
export const actionsSection = {
  id: 'actions',
  title: 'Support actions',
  wide: true,
  topics: ['boxes'],
  load: () => null,
  render(el, _data, { box, offline }) {
    const section = el.closest('section');
    if (!may('commands.send') || box.status !== 'active') {
      section.hidden = true;
      return;
    }
    section.hidden = false;
    const shape = JSON.stringify([offline, box.devices.map((d) => d.deviceId), (box.latestHealth?.lanes ?? []).map((l) => l.laneId)]);
    if (el.dataset.shape === shape) return;
    el.dataset.shape = shape;
    el.innerHTML = `${controls(box, offline)}<div id="log-slot"></div>`;
    const on = (id, fn) => el.querySelector(`#${id}`).addEventListener('click', fn);
    on('open-lane', () => sendCommand(el, box.id, 'open-lane', { laneId: el.querySelector('#lane').value, direction: el.querySelector('#direction').value, reason: 'remote open from the dashboard' }));
    on('restart-device', () => sendCommand(el, box.id, 'restart-device', { deviceId: el.querySelector('#device').value }));
    on('print-test', () => sendCommand(el, box.id, 'print-test-ticket', {}));
    on('fetch-logs', async () => {
      const cmd = await sendCommand(el, box.id, 'fetch-logs', { lines: LOG_LINES });
      if (cmd?.status === 'succeeded') logViewer(el.querySelector('#log-slot'), cmd.result?.output?.lines ?? [], `${box.id}-logs.txt`);
    });
  },
};
