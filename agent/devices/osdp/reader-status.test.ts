import { describe, expect, it } from 'vitest';
import { readerDetail, readerState, type LinkSnapshot } from './reader-status.ts';

const base: LinkSnapshot = { address: 3, phase: 'online', failures: 0, secureChannel: true, identity: undefined, everOnline: true, tamper: false };

describe('OSDP reader status', () => {
  it('maps link phase and failures to a device state', () => {
    expect(readerState(base, 3)).toBe('online');
    expect(readerState({ ...base, failures: 3 }, 3)).toBe('degraded');
    expect(readerState({ ...base, tamper: true }, 3)).toBe('degraded');
    expect(readerState({ ...base, phase: 'offline' }, 3)).toBe('offline');
    expect(readerState({ ...base, phase: 'sc-failed' }, 3)).toBe('degraded');
    expect(readerState({ ...base, phase: 'challenge' }, 3)).toBe('degraded');
    expect(readerState({ ...base, phase: 'identify', everOnline: false }, 3)).toBe('starting');
  });

  it('detail carries address, phase, secure channel and identity', () => {
    expect(readerDetail({ ...base, identity: { vendor: '0a0017', model: 1, serial: 9, firmware: '1.2.3' } })).toEqual({
      address: 3, phase: 'online', secureChannel: true, tamper: false, vendor: '0a0017', model: 1, serial: 9, firmware: '1.2.3',
    });
  });
});
