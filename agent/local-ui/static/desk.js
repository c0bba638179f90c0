/* global document, EventSource, CSS */
// The front desk: login with the desk PIN, then live passes, occupancy and devices over
// Server-Sent Events, and the manual open (journaled by the agent as a manual pass).
const $ = (id) => document.getElementById(id);
const MAX_ROWS = 200;
const OUTCOMES = { passed: 'passé', 'not-passed': 'non passé', denied: 'refusé', manual: 'manuel', emergency: 'urgence', forced: 'forcé' };
let events;

const time = (ms) => new Intl.DateTimeFormat('fr-FR', { timeStyle: 'medium' }).format(ms);
function cell(tr, text) {
  const td = document.createElement('td');
  td.textContent = text ?? '';
  tr.append(td);
}

function passRow(p) {
  const tr = document.createElement('tr');
  tr.dataset.seq = String(p.seq);
  tr.className = `outcome-${p.outcome}`;
  for (const t of [time(p.ts), p.laneId, p.direction === 'in' ? 'entrée' : 'sortie', OUTCOMES[p.outcome] ?? p.outcome, p.label, p.memberName ?? p.memberId ?? '', [p.operator, p.note].filter(Boolean).join(' : ')]) cell(tr, t);
  return tr;
}

function addPass(p) {
  const body = $('passes');
  if (body.querySelector(`tr[data-seq="${p.seq}"]`)) return;
  body.prepend(passRow(p));
  while (body.rows.length > MAX_ROWS) body.deleteRow(-1);
}

function setOccupancy(occupancy) {
  $('occupancy').replaceChildren(...Object.entries(occupancy).map(([zone, n]) => Object.assign(document.createElement('li'), { textContent: `${zone} : ${n} présent(s)` })));
}

function setDevice(d) {
  let tr = $('devices').querySelector(`tr[data-device="${CSS.escape(d.deviceId)}"]`);
  if (!tr) {
    tr = document.createElement('tr');
    tr.dataset.device = d.deviceId;
    $('devices').append(tr);
  }
  tr.replaceChildren();
  tr.className = `state-${d.state}`;
  for (const t of [d.deviceId, d.kind, d.state, d.lastError ? `${d.lastError.code} : ${d.lastError.message}` : '']) cell(tr, t);
}

function onState(s) {
  $('box').textContent = `Accueil - ${s.box.name}`;
  $('operator').textContent = s.operator;
  $('open-lane').replaceChildren(...s.lanes.map((l) => Object.assign(document.createElement('option'), { value: l.id, textContent: `${l.id} (${l.zone})` })));
  setOccupancy(s.occupancy);
  $('devices').replaceChildren();
  for (const d of s.devices) setDevice(d);
  $('passes').replaceChildren(...s.passes.map(passRow));
}

function showConsole(on) {
  $('login').hidden = on;
  $('console').hidden = !on;
  $('logout').hidden = !on;
}

function connect() {
  events?.close();
  events = new EventSource('/api/desk/events');
  events.addEventListener('state', (e) => {
    showConsole(true);
    onState(JSON.parse(e.data));
  });
  events.addEventListener('pass', (e) => addPass(JSON.parse(e.data)));
  events.addEventListener('occupancy', (e) => setOccupancy(JSON.parse(e.data)));
  events.addEventListener('device', (e) => setDevice(JSON.parse(e.data)));
  events.addEventListener('error', async () => {
    // A 401 (session gone, agent restarted) closes the stream: back to the login form.
    const res = await fetch('/api/desk/state');
    if (res.status === 401) {
      events.close();
      showConsole(false);
    }
  });
}

async function post(path, body) {
  const res = await fetch(path, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { ok: res.ok, body: await res.json().catch(() => ({})) };
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  const r = await post('/api/desk/login', { operator: $('login-operator').value, pin: $('login-pin').value });
  $('login-pin').value = '';
  if (!r.ok) return void ($('login-error').textContent = r.body.error?.message ?? 'Connexion impossible.');
  $('login-error').textContent = '';
  connect();
});

$('open').addEventListener('submit', async (e) => {
  e.preventDefault();
  $('open-result').textContent = 'Ouverture…';
  const direction = $('open-direction').value || undefined;
  const r = await post('/api/desk/open', { laneId: $('open-lane').value, reason: $('open-reason').value, direction });
  if (!r.ok) return void ($('open-result').textContent = r.body.error?.message ?? 'Ouverture impossible.');
  addPass(r.body.pass);
  $('open-reason').value = '';
  $('open-result').textContent = `Ouverture journalisée (n° ${r.body.pass.seq}) : ${r.body.pass.note ?? OUTCOMES[r.body.pass.outcome]}`;
});

$('logout').addEventListener('click', async () => {
  await post('/api/desk/logout', {});
  events?.close();
  showConsole(false);
});

const probe = await fetch('/api/desk/state');
if (probe.ok) connect();
else showConsole(false);
