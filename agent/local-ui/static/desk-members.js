// Member lookup in the box's own rights (it works with the fleet unreachable): the card
// with subscriptions, validity, visits left, blocking alerts and last passes, and the
// manual entry tied to the member.
import { $, call, date, dateTime, el, errorText, time } from './live.js';

let onEnter = () => undefined;

function rightLine(r) {
  const visits = r.visitsLeft === null ? '' : ` · ${r.visitsLeft} ${r.visitsLeft > 1 ? 'entrées restantes' : 'entrée restante'}`;
  const perDay = r.perDay === null ? '' : ` · ${r.perDay} par jour au plus`;
  return el('li', { text: `${r.kind} (${r.zones}) : ${r.status.toLowerCase()}, du ${date(r.validFrom)} au ${date(r.validTo)} exclu${visits}${perDay}` });
}

function alertLine(a) {
  const window = [a.from ? `depuis le ${dateTime(a.from)}` : '', a.until ? `jusqu’au ${dateTime(a.until)}` : ''].filter(Boolean).join(' ');
  return el('li', { class: a.inForce ? 'alert-on' : 'muted', text: `${a.message}${window ? ` (${window})` : ''}${a.inForce ? ' : bloque l’entrée' : ' : pas en vigueur'}` });
}

function showCard(m) {
  const inside = m.inside.length === 0 ? 'Pas compté comme présent.' : m.inside.map((i) => `Présent (${i.zone}) depuis ${time(i.since)}.`).join(' ');
  const enter = el('button', { type: 'button', text: 'Entrée manuelle pour ce membre' });
  enter.addEventListener('click', () => onEnter(m));
  $('member').replaceChildren(
    el('h3', { text: m.name }),
    el('p', { class: 'muted', text: `N° d’adhérent : ${m.id}${m.subscriptionEnd ? ` · abonnement jusqu’au ${date(m.subscriptionEnd)}` : ''}` }),
    el('p', { text: inside }),
    el('h3', { text: 'Droits' }),
    el('ul', {}, ...(m.rights.length ? m.rights.map(rightLine) : [el('li', { text: 'Aucun droit d’accès.' })])),
    el('h3', { text: 'Alertes' }),
    el('ul', {}, ...(m.alerts.length ? m.alerts.map(alertLine) : [el('li', { text: 'Aucune alerte.' })])),
    el('h3', { text: 'Derniers passages' }),
    el('ul', {}, ...(m.passes.length ? m.passes.map((p) => el('li', { text: `${dateTime(p.ts)} · ${p.lane} · ${[p.outcome, p.reason].filter(Boolean).join(' · ')}` })) : [el('li', { text: 'Aucun passage enregistré ici.' })])),
    el('div', { class: 'actions' }, enter),
  );
  $('member').dataset.member = m.id;
  $('member').hidden = false;
}

/** Shows the member's card again (after a manual entry for them). */
export function refreshMember(id) {
  if (!$('member').hidden && $('member').dataset.member === id) void open(id);
}

async function open(id) {
  const r = await call(`/api/desk/members/${encodeURIComponent(id)}`);
  if (!r.ok) return void ($('search-status').textContent = errorText(r, 'Fiche introuvable.'));
  showCard(r.body);
}

export function setupMembers(enterFor) {
  onEnter = enterFor;
  $('search').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('member').hidden = true;
    const r = await call(`/api/desk/members?q=${encodeURIComponent($('search-q').value)}`);
    if (!r.ok) return void ($('search-status').textContent = errorText(r, 'Recherche impossible.'));
    const hits = r.body.members;
    $('search-status').textContent = hits.length === 0 ? 'Aucun membre trouvé.' : `${hits.length} ${hits.length > 1 ? 'membres trouvés' : 'membre trouvé'}.`;
    $('hits').replaceChildren(
      ...hits.map((h) => {
        const b = el('button', { type: 'button', class: 'hit', text: `${h.name} (${h.matched})` });
        b.addEventListener('click', () => void open(h.id));
        return b;
      }),
    );
    if (hits.length === 1) await open(hits[0].id);
  });
}
