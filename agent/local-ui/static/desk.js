// The front desk: sign in with the desk PIN, then the day's figures, member lookup, manual
// opens, day passes, devices and live passes, all from the box (the fleet may be away).
import { setupActions, openFor, setLanes } from './desk-actions.js';
import { addPass, setDevice, setDevices, setPasses } from './desk-board.js';
import { refreshMember, setupMembers } from './desk-members.js';
import { setFigures, setupCorrection, setZones } from './desk-today.js';
import { $, call, errorText, stream } from './live.js';

let events;

function showConsole(on) {
  $('login').hidden = on;
  $('console').hidden = !on;
  $('logout').hidden = !on;
  if (!on) $('operator').textContent = '';
}

function onState(s) {
  $('title').textContent = `Accueil · ${s.club}${s.club === s.box ? '' : ` · ${s.box}`}`;
  $('operator').textContent = `Connecté : ${s.operator}`;
  setLanes(s.lanes);
  setZones(s.zones);
  setFigures(s.figures);
  setDevices(s.devices);
  setPasses(s.passes);
}

function connect() {
  events?.close();
  events = stream(
    '/api/desk/events',
    {
      state: (s) => {
        showConsole(true);
        onState(s);
      },
      pass: addPass,
      zones: setZones,
      figures: setFigures,
      device: setDevice,
    },
    async (source) => {
      // A 401 (session over, agent restarted) closes the stream: back to the sign-in form.
      const r = await call('/api/desk/state');
      if (r.status === 401) {
        source.close();
        showConsole(false);
      }
    },
  );
}

$('login').addEventListener('submit', async (e) => {
  e.preventDefault();
  const r = await call('/api/desk/login', { operator: $('login-operator').value, pin: $('login-pin').value });
  $('login-pin').value = '';
  if (!r.ok) return void ($('login-error').textContent = errorText(r, 'Connexion impossible.'));
  $('login-error').textContent = '';
  connect();
});

$('logout').addEventListener('click', async () => {
  await call('/api/desk/logout', {});
  events?.close();
  showConsole(false);
});

setupCorrection();
setupMembers(openFor);
setupActions(addPass, refreshMember);
const probe = await call('/api/desk/state');
if (probe.ok) connect();
else showConsole(false);
