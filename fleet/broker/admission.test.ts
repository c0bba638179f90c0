import { describe, expect, it } from 'vitest';
import { ConnectAdmission } from './admission.ts';

describe('ConnectAdmission (connect-rate token bucket)', () => {
  it('admits a burst, then the sustained rate, and refuses the rest', () => {
    let now = 0;
    const a = new ConnectAdmission({ perSecond: 10, burst: 5 }, () => now);
    expect(Array.from({ length: 7 }, () => a.admit())).toEqual([true, true, true, true, true, false, false]);
    now += 100; // one token back after 100 ms at 10/s
    expect([a.admit(), a.admit()]).toEqual([true, false]);
    now += 10_000; // a long pause refills only up to the burst
    expect(Array.from({ length: 6 }, () => a.admit()).filter(Boolean)).toHaveLength(5);
  });

  it('holds a storm of 10,000 connects over 10 s to the rate plus the burst', () => {
    let now = 0;
    const a = new ConnectAdmission({ perSecond: 400, burst: 800 }, () => now);
    let admitted = 0;
    for (let i = 0; i < 10_000; i++) {
      now = i; // one connect per millisecond
      if (a.admit()) admitted++;
    }
    expect(admitted).toBeLessThanOrEqual(800 + 400 * 10);
    expect(admitted).toBeGreaterThan(400 * 10);
  });
});
