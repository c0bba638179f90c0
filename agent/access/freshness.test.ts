import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { RightsFreshness } from './freshness.ts';

const HOUR = 3600_000;

function setup(appliedAgoMs: number | null, policy: 'deny-all' | 'keep-known-members' = 'deny-all') {
  const clock = new ManualClock();
  const appliedAt = appliedAgoMs === null ? null : clock.now() - appliedAgoMs;
  return { clock, freshness: new RightsFreshness({ clock, maxAgeMs: 72 * HOUR, policy, appliedAt: () => appliedAt }) };
}

describe('RightsFreshness', () => {
  it('rights applied within the limit are fresh, older ones expired with the configured policy', () => {
    expect(setup(71 * HOUR).freshness.expired()).toBeUndefined();
    expect(setup(73 * HOUR).freshness.expired()).toBe('deny-all');
    expect(setup(73 * HOUR, 'keep-known-members').freshness.expired()).toBe('keep-known-members');
  });

  it('never expire while the fleet is connected, and count from the last contact once it is gone', () => {
    const { clock, freshness } = setup(100 * HOUR);
    freshness.fleetContact(true);
    clock.advance(10 * HOUR);
    expect(freshness.expired()).toBeUndefined();
    freshness.fleetContact(false);
    clock.advance(71 * HOUR);
    expect(freshness.expired()).toBeUndefined();
    clock.advance(2 * HOUR);
    expect(freshness.expired()).toBe('deny-all');
  });

  it('an empty store (no rights yet) is not "expired": every credential is unknown anyway', () => {
    expect(setup(null).freshness.expired()).toBeUndefined();
  });
});
