// The day at a glance: people inside per zone (with the desk's correction), entries,
// refusals by reason, tickets printed.
import { $, call, el, errorText, people } from './live.js';

export function setZones(zones) {
  $('zones').replaceChildren(...zones.map((z) => el('li', {}, el('span', { class: 'figure', text: String(z.inside) }), ` ${z.inside > 1 ? 'présents' : 'présent'} · ${z.name}`)));
  for (const id of ['correct-zone', 'daypass-zone']) {
    const select = $(id);
    const chosen = select.value;
    select.replaceChildren(...zones.map((z) => el('option', { value: z.id, text: z.name })));
    if (chosen) select.value = chosen;
  }
}

const plural = (n, one, many) => `${n} ${n > 1 ? many : one}`;

export function setFigures(f) {
  const refusals = f.refusals.length === 0 ? 'aucun' : f.refusals.map((r) => `${r.reason} : ${r.count}`).join(' · ');
  $('figures').replaceChildren(
    el('li', { text: `Entrées : ${f.entries}${f.manualEntries ? ` (dont ${f.manualEntries} à la main)` : ''}` }),
    el('li', { text: `Refus : ${refusals}` }),
    el('li', { text: `Tickets imprimés : ${plural(f.dayPasses, 'entrée à la journée', 'entrées à la journée')}, ${plural(f.guestPasses, 'pass invité', 'pass invités')}` }),
  );
}

export function setupCorrection() {
  $('correct-form').addEventListener('submit', async (e) => {
    e.preventDefault();
    const count = Number($('correct-count').value);
    const r = await call('/api/desk/occupancy', { zoneId: $('correct-zone').value, count, reason: $('correct-reason').value });
    if (!r.ok) return void ($('correct-result').textContent = errorText(r, 'Correction impossible.'));
    setZones(r.body.zones);
    $('correct-reason').value = '';
    $('correct-result').textContent = `Corrigé : ${people(count)}. La correction est enregistrée avec votre nom.`;
  });
}
