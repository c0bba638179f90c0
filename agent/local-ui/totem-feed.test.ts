import { describe, expect, it } from 'vitest';
import type { Decision, DecisionState, LaneContext } from '../access/index.ts';
import { emptyDecisionState, rightsViewOf } from '../access/index.ts';
import { TotemFeed, type TotemMessage } from './totem-feed.ts';

const lane: LaneContext = { laneId: 'entry', zoneId: 'gym', kind: 'entry', direction: 'in' };
const badge = { kind: 'badge' as const, number: '100000', raw: '100000', format: 'em4100' as const };

describe('TotemFeed', () => {
  const rights = rightsViewOf(1, { members: [{ id: 'm0', displayName: 'Camille Martin', subscriptionEnd: 5000, blockingAlerts: [] }], credentials: [], zones: [], rights: [], bookings: [], qrKeys: [] });
  const state: DecisionState = emptyDecisionState(rights);

  it('passes the decision through unchanged and tells listeners afterwards, with the name and subscription end', async () => {
    const feed = new TotemFeed();
    const seen: TotemMessage[] = [];
    feed.onMessage((m) => seen.push(m));
    const decision: Decision = { granted: true, reason: 'granted', message: 'Accès autorisé', memberId: 'm0', rightsVersion: 1 };
    const decide = feed.wrap(() => decision);
    expect(decide(badge, lane, 1000, state)).toBe(decision);
    expect(seen).toEqual([]);
    await Promise.resolve();
    expect(seen).toEqual([{ kind: 'welcome', id: 1, at: 1000, laneId: 'entry', direction: 'in', name: 'Camille Martin', subscriptionEnd: 5000, memberId: 'm0' }]);
    expect(feed.welcome(1, 1000 + 5 * 60_000)).toMatchObject({ name: 'Camille Martin' });
    expect(feed.welcome(1, 1000 + 5 * 60_000 + 1)).toBeUndefined();
  });

  it('a refusal carries the French label and no member', async () => {
    const feed = new TotemFeed();
    const seen: TotemMessage[] = [];
    feed.onMessage((m) => seen.push(m));
    feed.wrap(() => ({ granted: false, reason: 'outside-validity', message: '', memberId: 'm0', rightsVersion: 1 }))(badge, lane, 7, state);
    await Promise.resolve();
    expect(seen).toEqual([{ kind: 'refused', id: 1, at: 7, laneId: 'entry', direction: 'in', reason: 'outside-validity', label: 'Abonnement hors période de validité', advice: 'Adressez-vous à l’accueil.' }]);
    expect(feed.welcome(1, 7)).toBeUndefined();
  });

  it('a ticket is welcomed without a name, and a blocking alert sends the member to the desk', async () => {
    const feed = new TotemFeed();
    const seen: TotemMessage[] = [];
    feed.onMessage((m) => seen.push(m));
    feed.wrap(() => ({ granted: true, reason: 'granted', message: '', ticket: { id: 'tk-1', kind: 'day' }, qrNonce: 'tk-1', rightsVersion: 1 }))(badge, lane, 9, state);
    feed.wrap(() => ({ granted: false, reason: 'blocking-alert', message: '', memberId: 'm0', rightsVersion: 1 }))(badge, lane, 10, state);
    await Promise.resolve();
    expect(seen[0]).toMatchObject({ kind: 'welcome', name: '', memberId: '', ticket: 'day' });
    expect(feed.welcome(1, 9)).toBeUndefined();
    expect(seen[1]).toMatchObject({ kind: 'refused', label: 'Alerte bloquante', advice: 'Présentez-vous à l’accueil.' });
  });
});
