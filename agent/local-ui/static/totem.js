// The totem: the last presentation on its own lanes (welcome or refusal, with what to do),
// until the next one or a timeout, then the invitation again. Live from the box.
/* global document */
import { $, call, date, errorText, stream } from './live.js';

const SHOW_MS = 10_000;
const panels = ['idle', 'welcome', 'refused'];
let current = null;
let guestPasses = false;
let backToIdle;

function show(panel) {
  for (const p of panels) $(p).hidden = p !== panel;
  clearTimeout(backToIdle);
  if (panel !== 'idle') backToIdle = setTimeout(() => show('idle'), SHOW_MS);
  // Counted for the tests that check what the totem showed and what it ignored.
  document.body.dataset.shown = String(Number(document.body.dataset.shown ?? 0) + (panel === 'idle' ? 0 : 1));
}

function welcome(m) {
  const ticket = m.ticket === 'day' ? 'Entrée à la journée : bonne séance !' : m.ticket === 'guest' ? 'Pass invité : bonne séance !' : '';
  $('greeting').textContent = m.name ? 'Bonjour' : 'Bienvenue';
  $('member-name').textContent = m.name;
  $('subscription').textContent = ticket || (m.subscriptionEnd ? `Votre abonnement court jusqu’au ${date(m.subscriptionEnd)}.` : '');
  $('print-status').textContent = '';
  $('guest-pass').hidden = !guestPasses || !m.name;
  $('guest-pass').disabled = false;
  show('welcome');
}

function onPresentation(m) {
  current = m;
  if (m.kind === 'welcome') return welcome(m);
  $('refusal-reason').textContent = m.label;
  $('refusal-advice').textContent = m.advice;
  show('refused');
}

async function printGuestPass() {
  if (!current || current.kind !== 'welcome') return;
  $('guest-pass').disabled = true;
  $('print-status').textContent = 'Impression…';
  const r = await call('/api/totem/guest-pass', { presentationId: current.id });
  $('print-status').textContent = r.ok ? 'Pass invité imprimé : retirez-le sous l’écran.' : errorText(r, 'Impression impossible.');
}

$('guest-pass').addEventListener('click', () => void printGuestPass());
stream(
  '/api/totem/events',
  {
    hello: (h) => {
      $('club').textContent = h.club;
      guestPasses = h.guestPasses;
      $('link').dataset.state = 'online';
      $('link').textContent = '';
    },
    club: (c) => ($('club').textContent = c.club),
    presentation: onPresentation,
  },
  () => {
    $('link').dataset.state = 'offline';
    $('link').textContent = 'Borne déconnectée du boîtier…';
  },
);
