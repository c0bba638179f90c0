import { describe, expect, it } from 'vitest';
import { Occupancy, occupancyPolicies, type OccupancyPolicy } from './occupancy.ts';

const MIN = 60_000;
const T = Date.UTC(2026, 0, 5, 9, 0); // 10:00 in Paris
const policy: OccupancyPolicy = { maxStayMs: 120 * MIN, anonymousExpiryMs: 30 * MIN, resetMinuteOfDay: 4 * 60, timeZone: 'Europe/Paris' };

describe('Occupancy', () => {
  it('counts a member once, however many entries, until their exit', () => {
    const o = new Occupancy(() => policy);
    o.entry('club', T, { member: 'm1' });
    o.entry('club', T + MIN, { member: 'm1' });
    o.entry('club', T + 2 * MIN, { ticket: 'tk1' });
    expect(o.count('club', T + 3 * MIN)).toBe(2);
    o.exit('club', T + 4 * MIN, { member: 'm1' });
    o.exit('club', T + 4 * MIN, { member: 'nobody-inside' });
    expect(o.count('club', T + 4 * MIN)).toBe(1);
  });

  it('forgets a member after the maximum stay and an anonymous entry after its expiry', () => {
    const o = new Occupancy(() => policy);
    o.entry('club', T, { member: 'm1' });
    o.entry('club', T, undefined);
    expect(o.count('club', T + 30 * MIN - 1)).toBe(2);
    expect(o.count('club', T + 30 * MIN)).toBe(1);
    expect(o.memberEntry('club', 'm1', T + 119 * MIN)).toBe(T);
    expect(o.count('club', T + 120 * MIN)).toBe(0);
    expect(o.memberEntry('club', 'm1', T + 120 * MIN)).toBeUndefined();
  });

  it('an exit nobody is named for takes away the oldest live anonymous entry, never a member', () => {
    const o = new Occupancy(() => policy);
    o.entry('club', T, { member: 'm1' });
    o.entry('club', T + MIN, undefined);
    o.entry('club', T + 2 * MIN, undefined);
    o.exit('club', T + 3 * MIN, undefined);
    o.exit('club', T + 3 * MIN, undefined);
    o.exit('club', T + 3 * MIN, undefined);
    expect(o.count('club', T + 3 * MIN)).toBe(1);
    expect(o.memberEntry('club', 'm1', T + 3 * MIN)).toBe(T);
  });

  it('starts again from zero at the reset time of day', () => {
    const o = new Occupancy(() => ({ ...policy, maxStayMs: 24 * 60 * MIN }));
    const night = Date.UTC(2026, 0, 5, 2, 30); // 03:30 in Paris
    o.entry('club', night, { member: 'm1' });
    expect(o.count('club', Date.UTC(2026, 0, 5, 2, 59))).toBe(1);
    expect(o.count('club', Date.UTC(2026, 0, 5, 3, 0))).toBe(0);
  });

  it('a desk correction down takes the people in longest as gone; up adds anonymous entries', () => {
    const o = new Occupancy(() => policy);
    o.entry('club', T, { member: 'm1' });
    o.entry('club', T + MIN, undefined);
    o.entry('club', T + 2 * MIN, { member: 'm2' });
    o.correct('club', T + 3 * MIN, 1);
    expect(o.count('club', T + 3 * MIN)).toBe(1);
    expect(o.memberEntry('club', 'm2', T + 3 * MIN)).toBe(T + 2 * MIN);
    o.correct('club', T + 4 * MIN, 4);
    expect(o.count('club', T + 4 * MIN)).toBe(4);
    o.correct('club', T + 5 * MIN, -3);
    expect(o.count('club', T + 5 * MIN)).toBe(0);
  });

  it('takes its policy from the configuration and the zone time zone', () => {
    const of = occupancyPolicies({ maxStayMinutes: 90, resetAt: '05:30' }, (z) => (z === 'club' ? 'Europe/Paris' : undefined), 'UTC');
    expect(of('club')).toEqual({ maxStayMs: 90 * MIN, anonymousExpiryMs: 120 * MIN, resetMinuteOfDay: 330, timeZone: 'Europe/Paris' });
    expect(of('other').timeZone).toBe('UTC');
  });
});
