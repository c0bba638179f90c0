import { describe, expect, it } from 'vitest';
import { foreignText } from '../../test/support/french-text.ts';
import { decide, emptyDecisionState, rightsViewOf } from '../access/index.ts';
import { credential, entryLane, gymZone, member, pack, subscription } from '../access/rights-fixtures.ts';
import type { Booking, Zone } from '../access/model.ts';
import type { AccessRight } from '../access/index.ts';
import { refusalAdvice } from './totem-advice.ts';

/** Wednesday 10 June 2026, 10:00 in Paris. */
const NOW = Date.UTC(2026, 5, 10, 8, 0);
const badge = { kind: 'badge' as const, number: '1001', raw: '1001', format: 'em4100' as const };

/** The advice the totem shows for member m1's badge with these rights, zone and bookings. */
function adviceFor(o: { rights?: AccessRight[]; zone?: Partial<Zone>; bookings?: Booking[]; alerts?: boolean; credentialTo?: number; now?: number; entriesToday?: number[] }): string {
  const view = rightsViewOf(1, {
    members: [member('m1', o.alerts ? [{ id: 'a1', message: 'Impayé' }] : [])],
    credentials: [credential('c1', 'm1', 'badge', '1001', o.credentialTo === undefined ? {} : { validTo: o.credentialTo })],
    zones: [gymZone(o.zone)],
    rights: o.rights ?? [subscription('r1', 'm1', ['gym'])],
    bookings: o.bookings ?? [],
    qrKeys: [],
  });
  const state = { ...emptyDecisionState(view), recentEntries: new Map([['gym', new Map([['m1', o.entriesToday ?? []]])]]) };
  const decision = decide(badge, entryLane(), o.now ?? NOW, state);
  expect(decision.granted).toBe(false);
  const advice = refusalAdvice(decision);
  expect(foreignText(advice)).toEqual([]);
  return advice;
}

describe('the totem’s advice, from the decision’s explanation', () => {
  it('an ended subscription: the last day it covered', () => {
    expect(adviceFor({ rights: [subscription('r1', 'm1', ['gym'], { validTo: Date.UTC(2026, 5, 8, 22) })] })).toBe('Votre abonnement a pris fin le 8 juin 2026 : renouvelez-le à l’accueil.');
    expect(adviceFor({ rights: [subscription('r1', 'm1', ['gym'], { validFrom: Date.UTC(2026, 5, 14, 22), validTo: Date.UTC(2027, 5, 14, 22) })] })).toBe('Votre abonnement commence le lundi 15 juin à 00:00.');
    expect(adviceFor({ credentialTo: Date.UTC(2026, 4, 31, 22) })).toBe('Votre badge n’est plus valable depuis le 31 mai 2026 : présentez-vous à l’accueil.');
  });

  it('a closed zone: its next opening', () => {
    expect(adviceFor({ now: Date.UTC(2026, 5, 10, 3, 0) })).toBe('Plateau musculation ouvre à nouveau aujourd’hui à 06:00.');
    expect(adviceFor({ now: Date.UTC(2026, 5, 10, 21, 30) })).toBe('Plateau musculation ouvre à nouveau demain à 06:00.');
  });

  it('a booking window: when the entry opens, or that the slot is gone', () => {
    const zone = { bookingWindow: { beforeMin: 15, afterMin: 10 } };
    const at = (h: number, m: number) => Date.UTC(2026, 5, 10, h - 2, m);
    expect(adviceFor({ zone, bookings: [{ id: 'b1', memberId: 'm1', zoneId: 'gym', startsAt: at(18, 0), endsAt: at(19, 0) }] })).toBe('Votre réservation de 18:00 : entrée possible aujourd’hui à 17:45.');
    expect(adviceFor({ zone, bookings: [{ id: 'b1', memberId: 'm1', zoneId: 'gym', startsAt: at(9, 0), endsAt: at(9, 45) }] })).toBe('Votre créneau de 09:00 est passé : réservez-en un autre.');
    expect(adviceFor({ zone })).toBe('Cette salle se réserve : réservez un créneau avant de venir.');
  });

  it('visits left on a pack, and the daily quota', () => {
    expect(adviceFor({ rights: [pack('p1', 'm1', ['gym'], 0)] })).toBe('Votre carnet est épuisé (0 entrée restante) : rechargez-le à l’accueil.');
    expect(adviceFor({ rights: [subscription('r1', 'm1', ['gym'], { maxEntriesPerDay: 1 })], entriesToday: [NOW - 3600_000] })).toBe('Vous avez fait votre entrée du jour : revenez demain.');
    expect(adviceFor({ rights: [subscription('r1', 'm1', ['gym'], { maxEntriesPerDay: 2 })], entriesToday: [NOW - 7200_000, NOW - 3600_000] })).toBe('Vous avez fait vos 2 entrées du jour : revenez demain.');
  });

  it('a blocking alert sends the member to the desk', () => {
    expect(adviceFor({ alerts: true })).toBe('Présentez-vous à l’accueil.');
  });
});
