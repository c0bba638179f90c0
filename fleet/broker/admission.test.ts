import { describe, expect, it } from 'vitest';
import { ConnectAdmission, admissionAtRate, defaultAdmission } from './admission.ts';

describe('ConnectAdmission (connect-rate token bucket and in-flight bound)', () => {
  it('admits a burst, then the sustained rate, and refuses the rest', () => {
    let now = 0;
    const a = new ConnectAdmission({ perSecond: 10, burst: 5, maxInFlight: 100 }, () => now);
    expect(Array.from({ length: 7 }, () => a.admit())).toEqual([true, true, true, true, true, false, false]);
    now += 100; // one token back after 100 ms at 10/s
    expect([a.admit(), a.admit()]).toEqual([true, false]);
    now += 10_000; // a long pause refills only up to the burst
    expect(Array.from({ length: 6 }, () => a.admit()).filter(Boolean)).toHaveLength(5);
  });

  it('holds a storm of 10,000 connects over 10 s to the rate plus the burst', () => {
    let now = 0;
    const a = new ConnectAdmission({ perSecond: 400, burst: 800, maxInFlight: Infinity }, () => now);
    let admitted = 0;
    for (let i = 0; i < 10_000; i++) {
      now = i; // one connect per millisecond
      if (a.admit()) admitted++;
    }
    expect(admitted).toBeLessThanOrEqual(800 + 400 * 10);
    expect(admitted).toBeGreaterThan(400 * 10);
  });

  it('refuses while as many checks as its bound are in progress, whatever the tokens, and admits again as they end', () => {
    const now = 0;
    const a = new ConnectAdmission({ perSecond: 1000, burst: 1000, maxInFlight: 3 }, () => now);
    expect(Array.from({ length: 5 }, () => a.admit())).toEqual([true, true, true, false, false]);
    expect(a.checking).toBe(3);
    a.release();
    expect([a.admit(), a.admit()]).toEqual([true, false]);
    a.release();
    a.release();
    a.release();
    expect(a.checking).toBe(0);
    a.release(); // one release too many does not open a fourth slot
    expect(Array.from({ length: 4 }, () => a.admit())).toEqual([true, true, true, false]);
  });
});

describe('admission defaults', () => {
  it('scale the rate with the cores and bound the checks in progress', () => {
    expect(defaultAdmission(2)).toEqual({ perSecond: 500, burst: 500, maxInFlight: 64 });
    expect(defaultAdmission(8).perSecond).toBe(2000);
    expect(defaultAdmission(0).perSecond).toBe(250);
    // 10,000 boxes back within tens of seconds on the smallest fleet machine (2 cores).
    expect(10_000 / defaultAdmission(2).perSecond).toBeLessThanOrEqual(30);
  });

  it('--connect-rate N admits N a second, bursts of N, with the default bound', () => {
    expect(admissionAtRate(300)).toEqual({ perSecond: 300, burst: 300, maxInFlight: 64 });
  });
});
