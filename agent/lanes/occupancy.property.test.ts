import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { Decision, RightsView } from '../access/index.ts';
import { lastLocalMinute } from '../access/local-time.ts';
import type { StoredRelayedPassage } from '../journal/journal-history.ts';
import type { LocalFacts, OccupancyCorrection, StoredPass } from '../journal/pass-record.ts';
import { samplePass } from '../../test/support/pass-fixtures.ts';
import type { OccupancyPolicy } from './occupancy.ts';
import { PassageMemory, RETAIN_MS } from './passage-memory.ts';

const SECOND = 1000;
const MIN = 60_000;
const POLICY: OccupancyPolicy = { maxStayMs: 180 * MIN, anonymousExpiryMs: 60 * MIN, resetMinuteOfDay: 4 * 60, timeZone: 'Europe/Paris' };
const MEMBERS = ['m1', 'm2', 'm3', 'm4'];
/** Starting instants that cross the daily reset, midnight and both daylight-saving changes. */
const STARTS = [Date.UTC(2026, 0, 5, 1, 0), Date.UTC(2026, 2, 28, 23, 30), Date.UTC(2026, 9, 24, 22, 0), Date.UTC(2026, 5, 10, 20, 0)];

type Step =
  | { kind: 'enter' | 'leave' | 'timeout'; member: string }
  | { kind: 'manual-in' | 'manual-in-member' | 'manual-not-passed' | 'anonymous-out'; member: string }
  | { kind: 'correct'; count: number }
  | { kind: 'wait'; minutes: number }
  | { kind: 'restart' }
  // Another box of the club: its passage happens now, the fleet delivers it later, in any order, maybe twice.
  | { kind: 'relay-in' | 'relay-out'; member: string | null }
  | { kind: 'deliver'; pick: number; again: number | null };

const step: fc.Arbitrary<Step> = fc.oneof(
  fc.record({ kind: fc.constantFrom('enter' as const, 'enter' as const, 'leave' as const, 'timeout' as const), member: fc.constantFrom(...MEMBERS) }),
  fc.record({ kind: fc.constantFrom('manual-in' as const, 'manual-in-member' as const, 'manual-not-passed' as const, 'anonymous-out' as const), member: fc.constantFrom(...MEMBERS) }),
  fc.record({ kind: fc.constant('correct' as const), count: fc.integer({ min: 0, max: 8 }) }),
  fc.record({ kind: fc.constant('wait' as const), minutes: fc.integer({ min: 1, max: 150 }) }),
  fc.constant({ kind: 'restart' as const }),
  fc.record({ kind: fc.constantFrom('relay-in' as const, 'relay-out' as const), member: fc.constantFrom<string | null>(...MEMBERS, null) }),
  fc.record({ kind: fc.constant('deliver' as const), pick: fc.nat(), again: fc.option(fc.nat(), { nil: null }) }),
);

/** What changes the figure, as the reference folds it: in passage time order, whatever the arrival order. */
type Known = { at: number; kind: 'in' | 'out'; member: string | undefined } | { at: number; kind: 'correct'; count: number };

/**
 * The rule of docs/local-ui.md ("Occupancy"), written independently of occupancy.ts: the
 * members whose last confirmed passage is an entry within the maximum stay and after the
 * last reset, plus the anonymous entries still live; an anonymous exit takes away the oldest
 * live anonymous entry; a desk correction to n takes the people in longest as gone, or adds
 * anonymous entries. Every step happens at its own second, so "in longest" has no ties.
 */
class Reference {
  private readonly inside = new Map<string, number>();
  private anonymous: number[] = [];

  private since(now: number, span: number): number {
    return Math.max(now - span, (lastLocalMinute(now, POLICY.timeZone, POLICY.resetMinuteOfDay) ?? 0) - 1);
  }
  enter(member: string | undefined, now: number): void {
    if (member === undefined) this.anonymous.push(now);
    else this.inside.set(member, now);
  }
  leave(member: string | undefined, now: number): void {
    if (member !== undefined) return void this.inside.delete(member);
    const i = this.anonymous.findIndex((t) => t > this.since(now, POLICY.anonymousExpiryMs));
    if (i >= 0) this.anonymous.splice(i, 1);
  }
  correct(count: number, now: number): void {
    const live = [...this.membersInside(now).map((m) => ({ member: m as string | undefined, at: this.inside.get(m) as number })), ...this.liveAnonymous(now).map((at) => ({ member: undefined, at }))];
    for (let i = live.length; i < count; i++) this.anonymous.push(now);
    for (const gone of live.sort((a, b) => a.at - b.at).slice(0, Math.max(0, live.length - count))) {
      if (gone.member !== undefined) this.inside.delete(gone.member);
      else this.anonymous.splice(this.anonymous.indexOf(gone.at), 1);
    }
  }
  membersInside(now: number): string[] {
    return [...this.inside].filter(([, at]) => at > this.since(now, POLICY.maxStayMs)).map(([m]) => m);
  }
  liveAnonymous(now: number): number[] {
    return this.anonymous.filter((t) => t > this.since(now, POLICY.anonymousExpiryMs));
  }
}

/** The reference over every event known so far, folded in passage time order (each step has its own second). */
function referenceOf(known: readonly Known[]): Reference {
  const ref = new Reference();
  for (const e of [...known].sort((x, y) => x.at - y.at)) {
    if (e.kind === 'correct') ref.correct(e.count, e.at);
    else if (e.kind === 'in') ref.enter(e.member, e.at);
    else ref.leave(e.member, e.at);
  }
  return ref;
}

const granted = (memberId: string): Decision => ({ granted: true, reason: 'granted', message: '', memberId, rightsVersion: 1 });

describe('occupancy counts people, not turnstile turns (property)', () => {
  it('never exceeds the members inside plus the live anonymous entries, never goes below zero, counts a double entry once, survives restarts and desk corrections, and counts the other box’s passages in time order, each once', () => {
    fc.assert(
      fc.property(fc.constantFrom(...STARTS), fc.array(step, { minLength: 1, maxLength: 60 }), (start, steps) => {
        let now = start;
        const rows: StoredPass[] = [];
        const corrections: OccupancyCorrection[] = [];
        const rights = () => ({ version: 1 }) as RightsView;
        let memory = new PassageMemory(rights, undefined, () => POLICY);
        const known: Known[] = [];
        // Box B's passages: made, then delivered by the fleet in any order, some twice; stored once as the journal keeps them.
        let relaySeq = 0;
        const pending: StoredRelayedPassage[] = [];
        const delivered: StoredRelayedPassage[] = [];
        const stored = new Map<number, StoredRelayedPassage>();
        const deliver = (p: StoredRelayedPassage) => {
          const fresh = !stored.has(p.seq);
          stored.set(p.seq, p);
          expect(memory.recordRelayed(p)).toBe(fresh);
          if (fresh) known.push({ at: p.ts, kind: p.direction, member: p.memberId ?? undefined });
        };
        const journal = (p: Parameters<typeof samplePass>[0], local: LocalFacts = {}) => rows.push({ pass: { seq: rows.length + 1, ...samplePass({ ts: now, decidedAt: now, ...p }) }, local });

        for (const s of steps) {
          now += SECOND;
          const before = memory.occupancyOf('club', now);
          switch (s.kind) {
            case 'enter': {
              const wasInside = referenceOf(known).membersInside(now).includes(s.member);
              memory.recordPassage('club', 'in', now, granted(s.member));
              journal({ memberId: s.member, direction: 'in' });
              known.push({ at: now, kind: 'in', member: s.member });
              // Entering again without a confirmed exit: still one person.
              if (wasInside) expect(memory.occupancyOf('club', now)).toBe(before);
              break;
            }
            case 'leave':
              memory.recordPassage('club', 'out', now, granted(s.member));
              journal({ memberId: s.member, direction: 'out' });
              known.push({ at: now, kind: 'out', member: s.member });
              break;
            case 'timeout': // granted, nobody went through: no passage is recorded
              journal({ memberId: s.member, outcome: 'not-passed' });
              break;
            case 'manual-in':
              memory.recordPassage('club', 'in', now);
              journal({ outcome: 'manual', reason: 'manual-open', memberId: null, credential: { kind: 'none', hash: null } }, { confirmed: true });
              known.push({ at: now, kind: 'in', member: undefined });
              break;
            case 'manual-in-member':
              memory.recordPassage('club', 'in', now, undefined, s.member);
              journal({ outcome: 'manual', reason: 'manual-open', memberId: s.member, credential: { kind: 'none', hash: null } }, { confirmed: true });
              known.push({ at: now, kind: 'in', member: s.member });
              break;
            case 'manual-not-passed':
              journal({ outcome: 'manual', reason: 'manual-open', memberId: null, credential: { kind: 'none', hash: null } }, { confirmed: false });
              break;
            case 'anonymous-out':
              memory.recordPassage('club', 'out', now);
              journal({ outcome: 'forced', reason: 'forced-passage', memberId: null, direction: 'out', credential: { kind: 'none', hash: null } });
              known.push({ at: now, kind: 'out', member: undefined });
              break;
            case 'correct': {
              const correction = { ts: now, zoneId: 'club', count: s.count, operator: 'Léa', reason: 'comptage' };
              corrections.push(correction);
              memory.correctOccupancy(correction);
              known.push({ at: now, kind: 'correct', count: s.count });
              expect(memory.occupancyOf('club', now)).toBe(s.count);
              break;
            }
            case 'wait':
              now += s.minutes * MIN;
              break;
            case 'restart': {
              const figure = memory.occupancyOf('club', now);
              memory = new PassageMemory(rights, undefined, () => POLICY);
              // What build-box.ts replays: the last 48 h of the journal and of the corrections.
              const since = now - RETAIN_MS;
              memory.replay(
                rows.filter((r) => r.pass.ts >= since),
                () => 'club',
                corrections.filter((c) => c.ts >= since),
              );
              // And the relayed passages the journal stored (journal-history.ts relayedSince), in time order.
              for (const p of [...stored.values()].filter((r) => r.ts >= since).sort((x, y) => x.ts - y.ts)) memory.recordRelayed(p);
              expect(memory.occupancyOf('club', now)).toBe(figure);
              break;
            }
            case 'relay-in':
            case 'relay-out':
              pending.push({ originBoxId: 'box-b', seq: ++relaySeq, ts: now, zoneId: 'club', direction: s.kind === 'relay-in' ? 'in' : 'out', memberId: s.member, ticketId: null });
              break;
            case 'deliver': {
              if (pending.length > 0) {
                const [p] = pending.splice(s.pick % pending.length, 1) as [StoredRelayedPassage];
                deliver(p);
                delivered.push(p);
              }
              if (s.again !== null && delivered.length > 0) deliver(delivered[s.again % delivered.length] as StoredRelayedPassage);
              break;
            }
          }
          const ref = referenceOf(known);
          const count = memory.occupancyOf('club', now);
          const members = ref.membersInside(now);
          const anonymous = ref.liveAnonymous(now).length;
          expect(count).toBeGreaterThanOrEqual(0);
          expect(count).toBeLessThanOrEqual(members.length + anonymous);
          expect(count).toBe(members.length + anonymous);
          for (const m of members) expect(memory.insideSince('club', m, now)).toBeDefined();
        }
      }),
      { numRuns: 300 },
    );
  });
});
