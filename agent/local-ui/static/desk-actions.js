// The desk's actions on the lanes: the manual open (tied to a member when one is chosen),
// journaled by the box with the operator and the reason; the day pass for a visitor.
import { $, call, el, errorText } from './live.js';

let member = null;

export function setLanes(lanes) {
  const select = $('open-lane');
  const chosen = select.value;
  select.replaceChildren(...lanes.map((l) => el('option', { value: l.id, text: `${l.name} · ${l.zone}` })));
  if (chosen) select.value = chosen;
}

/** The next manual open lets this member in (journaled with them). */
export function openFor(m) {
  member = m;
  $('open-member').textContent = `Pour ${m.name}`;
  $('open-clear').hidden = false;
  $('open-direction').value = 'in';
  $('open-reason').focus();
}

function forget() {
  member = null;
  $('open-member').textContent = '';
  $('open-clear').hidden = true;
}

export function setupActions(onPass, onMemberPass) {
  $('open-clear').addEventListener('click', forget);
  $('open').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('open-result').textContent = 'Ouverture…';
    const body = { laneId: $('open-lane').value, reason: $('open-reason').value, direction: $('open-direction').value || undefined, memberId: member?.id };
    const r = await call('/api/desk/open', body);
    if (!r.ok) return void ($('open-result').textContent = errorText(r, 'Ouverture impossible.'));
    onPass(r.body.pass);
    $('open-reason').value = '';
    $('open-result').textContent = `Ouverture enregistrée${member ? ` pour ${member.name}` : ''} : ${r.body.pass.note || r.body.pass.outcome}.`;
    if (member) onMemberPass(member.id);
    forget();
  });
  $('daypass').addEventListener('submit', async (e) => {
    e.preventDefault();
    $('daypass-result').textContent = 'Impression…';
    const r = await call('/api/desk/day-pass', { holder: $('daypass-holder').value || undefined, zoneId: $('daypass-zone').value });
    if (!r.ok) return void ($('daypass-result').textContent = errorText(r, 'Impression impossible.'));
    $('daypass-holder').value = '';
    $('daypass-result').textContent = 'Ticket imprimé : il ouvre une fois, jusqu’à minuit.';
  });
}
