/* global document, EventSource */
// The totem: shows the last presentation (welcome or refusal) for a few seconds, then
// goes back to the invitation. Live through Server-Sent Events from the agent.
const SHOW_MS = 8000;
const $ = (id) => document.getElementById(id);
const panels = ['idle', 'welcome', 'refused'];
let current = null;
let backToIdle;

function show(panel) {
  for (const p of panels) $(p).hidden = p !== panel;
  clearTimeout(backToIdle);
  if (panel !== 'idle') backToIdle = setTimeout(() => show('idle'), SHOW_MS);
}

const dateFr = (ms) => new Intl.DateTimeFormat('fr-FR', { dateStyle: 'long' }).format(ms);

function onPresentation(m) {
  current = m;
  if (m.kind === 'welcome') {
    $('member-name').textContent = m.name || 'et bienvenue';
    $('subscription').textContent = m.subscriptionEnd ? `Votre abonnement court jusqu'au ${dateFr(m.subscriptionEnd)}.` : '';
    $('print-status').textContent = '';
    $('print').disabled = false;
    show('welcome');
  } else {
    $('refusal-reason').textContent = m.label;
    show('refused');
  }
}

async function printTicket() {
  if (!current || current.kind !== 'welcome') return;
  $('print').disabled = true;
  $('print-status').textContent = 'Impression…';
  const res = await fetch('/api/totem/tickets', { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify({ presentationId: current.id }) });
  const body = await res.json().catch(() => ({}));
  $('print-status').textContent = res.ok ? 'Ticket imprimé, à retirer sous l’écran.' : (body.error?.message ?? 'Impression impossible.');
}

$('print').addEventListener('click', () => void printTicket());
const events = new EventSource('/api/totem/events');
events.addEventListener('hello', (e) => {
  const hello = JSON.parse(e.data);
  $('club').textContent = `Bienvenue à ${hello.club}`;
  $('print').hidden = !hello.printer;
  $('link').dataset.state = 'online';
  $('link').textContent = '';
});
events.addEventListener('presentation', (e) => onPresentation(JSON.parse(e.data)));
events.addEventListener('error', () => {
  $('link').dataset.state = 'offline';
  $('link').textContent = 'borne déconnectée du boîtier…';
});
