import { loadavg } from 'node:os';
import { describe, expect, it } from 'vitest';
import type { Decision, RightsView } from '../../agent/access/index.ts';
import { PassageMemory } from '../../agent/lanes/passage-memory.ts';
import { percentiles } from './percentiles.ts';

/**
 * Occupancy per club zone at a busy club: the box's own passages (one every 5 s for a
 * day: 17,280 events in the zone's 48 h window at most) while the other box's passages
 * arrive relayed 2 s late (so every one is out of order and refolds the zone's log), then
 * a catch-up message of 500 passages (a box coming online). Prints wall-clock figures only.
 */
const START = Date.UTC(2026, 5, 10, 2, 30); // 04:30 in Paris, just after the daily reset
const STEP_MS = 5000;
const OWN = 17_280;
const MEMBERS = 3000;
const granted = (memberId: string): Decision => ({ granted: true, reason: 'granted', message: '', memberId, rightsVersion: 1 });

/** Samples in ms, printed in µs. */
function summary(samples: number[]): string {
  const [p50, p99, max] = percentiles(samples, [50, 99, 100]).map((ms) => (ms * 1000).toFixed(1));
  return `p50 ${p50} µs, p99 ${p99} µs, max ${max} µs (n=${samples.length})`;
}

describe('occupancy with relayed passages', () => {
  it('prints the cost of an own passage, a late relayed passage, a count and a 500-passage catch-up', () => {
    const memory = new PassageMemory(() => ({ version: 1 }) as RightsView, undefined, () => ({ maxStayMs: 4 * 3600_000, anonymousExpiryMs: 2 * 3600_000, resetMinuteOfDay: 4 * 60, timeZone: 'Europe/Paris' }));
    const own: number[] = [];
    const relayed: number[] = [];
    const counts: number[] = [];
    let seq = 0;
    const timed = (into: number[], fn: () => void) => {
      const t = performance.now();
      fn();
      into.push(performance.now() - t);
    };
    for (let i = 0; i < OWN; i++) {
      const at = START + i * STEP_MS;
      const member = `m${i % MEMBERS}`;
      timed(own, () => memory.recordPassage('club', i % 3 === 2 ? 'out' : 'in', at, granted(member)));
      // Every other step, the other box's passage of 2 s ago arrives.
      if (i % 2 === 0) timed(relayed, () => memory.recordRelayed({ originBoxId: 'box-b', seq: ++seq, ts: at - 2000, zoneId: 'club', direction: i % 4 === 0 ? 'in' : 'out', memberId: `m${(i + 7) % MEMBERS}`, ticketId: null }));
      if (i % 100 === 0) timed(counts, () => memory.occupancyOf('club', at));
    }
    const end = START + OWN * STEP_MS;
    const catchUp = Array.from({ length: 500 }, (_, k) => ({ originBoxId: 'box-c', seq: k + 1, ts: end - 3600_000 + k * 7000, zoneId: 'club', direction: 'in' as const, memberId: `c${k}`, ticketId: null }));
    const t = performance.now();
    memory.recordRelayedMany(catchUp); // as the lanes take one relayed message
    const catchUpMs = performance.now() - t;
    const figure = memory.occupancyOf('club', end);
    expect(figure).toBeGreaterThan(0);
    console.log(`load average ${loadavg().map((l) => l.toFixed(2)).join(' ')}`);
    console.log(`own passage: ${summary(own)}`);
    console.log(`relayed passage 2 s late (refold): ${summary(relayed)}`);
    console.log(`count: ${summary(counts)}`);
    console.log(`catch-up of 500 relayed passages, all out of order: ${catchUpMs.toFixed(1)} ms; figure ${figure}`);
  });
});
