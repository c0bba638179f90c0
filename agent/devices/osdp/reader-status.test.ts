import { describe, expect, it } from 'vitest';
import { deviceState, nextCondition, observe, readerDetail, type LinkObservation, type LinkSnapshot, type ReaderCondition } from './reader-status.ts';

const base: LinkSnapshot = { address: 3, phase: 'online', failures: 0, confirmed: true, secureChannel: true, setupFailure: undefined, identity: undefined, tamper: false };

describe('OSDP reader status', () => {
  it('observes the link: healthy, impaired, setting up, the refusals and offline', () => {
    expect(observe(base, 3)).toBe('healthy');
    expect(observe({ ...base, failures: 3 }, 3)).toBe('impaired');
    expect(observe({ ...base, tamper: true }, 3)).toBe('impaired');
    expect(observe({ ...base, confirmed: false }, 3)).toBe('setting-up');
    expect(observe({ ...base, phase: 'challenge' }, 3)).toBe('setting-up');
    expect(observe({ ...base, phase: 'offline' }, 3)).toBe('offline');
    expect(observe({ ...base, phase: 'sc-required' }, 3)).toBe('sc-required');
    expect(observe({ ...base, phase: 'sc-failed', setupFailure: 'key-mismatch' }, 3)).toBe('key-mismatch');
    expect(observe({ ...base, phase: 'sc-failed', setupFailure: 'sc-unsupported' }, 3)).toBe('sc-unsupported');
  });

  const CASES: [ReaderCondition, LinkObservation, ReaderCondition][] = [
    ['starting', 'setting-up', 'starting'],
    ['starting', 'healthy', 'online'],
    ['online', 'setting-up', 'degraded'],
    ['degraded', 'healthy', 'online'],
    // A reader retried in the background keeps its condition through the set-up.
    ['sc-required', 'setting-up', 'sc-required'],
    ['key-mismatch', 'setting-up', 'key-mismatch'],
    ['offline', 'setting-up', 'offline'],
    ['key-mismatch', 'healthy', 'online'],
    ['online', 'sc-required', 'sc-required'],
    ['online', 'offline', 'offline'],
  ];
  for (const [from, seen, to] of CASES) it(`${from} --${seen}--> ${to}`, () => expect(nextCondition(from, seen)).toBe(to));

  it('maps the refusals to the shared DeviceState degraded', () => {
    expect(['starting', 'online', 'degraded', 'sc-required', 'key-mismatch', 'sc-unsupported', 'offline'].map((c) => deviceState(c as ReaderCondition))).toEqual([
      'starting', 'online', 'degraded', 'degraded', 'degraded', 'degraded', 'offline',
    ]);
  });

  it('detail carries address, condition, secure channel (only once online) and identity', () => {
    expect(readerDetail({ ...base, identity: { vendor: 'c0ffee', model: 1, serial: 9, firmware: '1.2.3' } }, 'online')).toEqual({
      address: 3, condition: 'online', secureChannel: true, tamper: false, vendor: 'c0ffee', model: 1, serial: 9, firmware: '1.2.3',
    });
    expect(readerDetail({ ...base, phase: 'install-key' }, 'starting')).toMatchObject({ secureChannel: false });
  });
});
