import { describe, expect, it } from 'vitest';
import type { Decision, RightsView } from '../access/index.ts';
import type { LocalFacts, Pass, StoredPass } from '../journal/pass-record.ts';
import { PassageMemory } from './passage-memory.ts';

const HOUR = 3600_000;
const decision = (memberId: string, qrNonce?: string): Decision => ({ granted: true, reason: 'granted', message: 'ok', memberId, rightsVersion: 3, ...(qrNonce ? { qrNonce } : {}) });

const T = Date.UTC(2026, 0, 5, 9, 0); // 10:00 in Paris, well after the daily reset
const relayed = (seq: number, ts: number, direction: 'in' | 'out', memberId: string | null) => ({ originBoxId: 'lyon-02', seq, ts, zoneId: 'club', direction, memberId, ticketId: null });

describe('PassageMemory', () => {
  it('a member entering at this box and leaving by another box of the club counts 0, however late or often the exit arrives', () => {
    const memory = new PassageMemory(() => ({ version: 1 }) as RightsView);
    memory.recordPassage('club', 'in', T, decision('m1'));
    expect(memory.occupancyOf('club', T + 1000)).toBe(1);
    expect(memory.recordRelayed(relayed(7, T + 60_000, 'out', 'm1'))).toBe(true);
    expect(memory.occupancyOf('club', T + 61_000)).toBe(0);
    // Redelivered: counted once. A late relayed entry older than that exit does not count them in.
    expect(memory.recordRelayed(relayed(7, T + 60_000, 'out', 'm1'))).toBe(false);
    expect(memory.recordRelayed(relayed(6, T + 30_000, 'in', 'm1'))).toBe(true);
    expect(memory.occupancyOf('club', T + 62_000)).toBe(0);
    expect(memory.insideSince('club', 'm1', T + 62_000)).toBeUndefined();
    // Entering again by the other box: inside since then.
    memory.recordRelayed(relayed(8, T + 120_000, 'in', 'm1'));
    expect(memory.insideSince('club', 'm1', T + 121_000)).toBe(T + 120_000);
    // An anonymous manual entry at the other box counts too.
    memory.recordRelayed(relayed(9, T + 125_000, 'in', null));
    expect(memory.occupancyOf('club', T + 126_000)).toBe(2);
  });

  it('a ticket that went in at another box of the club is used here too, also after a replay at start', () => {
    const memory = new PassageMemory(() => ({ version: 1 }) as RightsView);
    const ticketIn = { ...relayed(11, T, 'in', null), ticketId: 'tk-day-1' };
    expect(memory.state(T + 1000).usedQrNonces.has('tk-day-1')).toBe(false);
    memory.recordRelayed(ticketIn);
    expect(memory.state(T + 1000).usedQrNonces.has('tk-day-1')).toBe(true);
    // Leaving by the other box does not give the ticket back.
    memory.recordRelayed({ ...relayed(12, T + 60_000, 'out', null), ticketId: 'tk-day-1' });
    expect(memory.state(T + 61_000).usedQrNonces.has('tk-day-1')).toBe(true);
    const restarted = new PassageMemory(() => ({ version: 1 }) as RightsView);
    restarted.recordRelayedMany([ticketIn]);
    expect(restarted.state(T + 1000).usedQrNonces.has('tk-day-1')).toBe(true);
  });

  it('hands decide() the current rights and what confirmed passages taught it', () => {
    const rights = { version: 3 } as RightsView;
    const memory = new PassageMemory(() => rights);
    memory.recordPassage('gym', 'in', 1000, decision('m1', 'n1'));
    memory.recordPassage('gym', 'out', 2000, decision('m1'));
    memory.recordPassage('gym', 'in', 3000, decision('m1'));
    const state = memory.state(3000);
    expect(state.rights).toBe(rights);
    expect(state.occupancy.get('gym')).toBe(1);
    expect(state.lastPass.get('gym')?.get('m1')).toEqual({ at: 3000, direction: 'in' });
    expect(state.recentEntries.get('gym')?.get('m1')).toEqual([1000, 3000]);
    expect(state.usedQrNonces.has('n1')).toBe(true);
  });

  it('never counts below zero and counts passages without a decision (forced, manual)', () => {
    const memory = new PassageMemory(() => ({ version: 1 }) as RightsView);
    memory.recordPassage('pool', 'out', 1);
    expect(memory.occupancyOf('pool', 1)).toBe(0);
    memory.recordPassage('pool', 'in', 2);
    expect(memory.occupancyOf('pool', 2)).toBe(1);
    expect(memory.state(2).lastPass.size).toBe(0);
  });

  it('replays confirmed passages of journal rows, not denials, walk-aways, unconfirmed opens or unknown lanes', () => {
    const memory = new PassageMemory(() => ({ version: 1 }) as RightsView);
    const row = (seq: number, outcome: Pass['outcome'], direction: Pass['direction'], laneId = 'entry', memberId: string | null = 'm1', local: LocalFacts = {}): StoredPass => ({
      pass: {
        seq, ts: seq * 1000, decidedAt: seq * 1000, laneId, direction, outcome, reason: 'granted', memberId, credential: { kind: 'badge', hash: 'ab12cd34' },
        rightsVersion: 1, rightId: null, operator: null, note: null, latencyUs: null,
      },
      local,
    });
    const replayed = memory.replay(
      [
        row(1, 'passed', 'in'),
        row(2, 'denied', 'in'),
        row(3, 'not-passed', 'in'),
        row(4, 'manual', 'in', 'entry', null),
        row(5, 'forced', 'in', 'entry', null),
        row(6, 'passed', 'in', 'gone'),
        row(7, 'manual', 'in', 'entry', null, { confirmed: false }),
        row(8, 'emergency', 'in', 'entry', null),
      ],
      (lane) => (lane === 'entry' ? 'gym' : undefined),
    );
    expect(replayed).toBe(2);
    expect(memory.occupancyOf('gym', 9000)).toBe(2);
    expect(memory.state(9000).lastPass.get('gym')?.get('m1')).toEqual({ at: 1000, direction: 'in' });
  });

  it('replays confirmed manual and emergency passages into occupancy, and used QR nonces', () => {
    const memory = new PassageMemory(() => ({ version: 1 }) as RightsView);
    const row = (seq: number, outcome: Pass['outcome'], local: LocalFacts, memberId: string | null = null): StoredPass => ({
      pass: {
        seq, ts: seq * 1000, decidedAt: seq * 1000, laneId: 'entry', direction: 'in', outcome, reason: 'granted', memberId, credential: { kind: 'qr', hash: 'ab12cd34' },
        rightsVersion: 1, rightId: null, operator: null, note: null, latencyUs: null,
      },
      local,
    });
    const replayed = memory.replay([row(1, 'manual', { confirmed: true }), row(2, 'emergency', { confirmed: true }), row(3, 'passed', { qrNonce: 'nonce-9' }, 'm1')], () => 'gym');
    expect(replayed).toBe(3);
    expect(memory.occupancyOf('gym', 3000)).toBe(3);
    expect(memory.state(3000).usedQrNonces.has('nonce-9')).toBe(true);
    expect(memory.state(3000).lastPass.get('gym')?.get('m1')).toEqual({ at: 3000, direction: 'in' });
  });

  it('forgets entries and QR nonces older than 48 hours', () => {
    const memory = new PassageMemory(() => ({ version: 1 }) as RightsView);
    memory.recordPassage('gym', 'in', 0, decision('m1', 'old'));
    memory.recordPassage('gym', 'in', 49 * HOUR, decision('m1', 'new'));
    const state = memory.state(49 * HOUR);
    expect(state.recentEntries.get('gym')?.get('m1')).toEqual([49 * HOUR]);
    expect([...state.usedQrNonces]).toEqual(['new']);
  });
});
