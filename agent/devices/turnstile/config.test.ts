import { describe, expect, it } from 'vitest';
import { turnstileConfig } from './config.ts';

describe('turnstileConfig', () => {
  it('fills the defaults of the documented map and timings', () => {
    expect(turnstileConfig({ id: 'lane-1' })).toMatchObject({
      unit: 1,
      mode: 'pulse',
      pulseMs: 200,
      windowMs: 5500,
      pollIntervalMs: 40,
      coils: { unlockIn: 0, unlockOut: 1 },
      inputs: { passIn: 0, passOut: 1, fireLoopClosed: 2, ready: 3, alarm: 4 },
      maxRelayOnMs: 6500,
    });
  });

  const bad: [string, Parameters<typeof turnstileConfig>[0], string][] = [
    ['unit 0', { id: 'x', unit: 0 }, 'unit 0'],
    ['a pulse too short for the controller', { id: 'x', pulseMs: 50 }, 'pulseMs 50'],
    ['a pulse longer than the window', { id: 'x', pulseMs: 1000, windowMs: 800 }, 'shorter than windowMs'],
    ['polling too slow for a 250 ms PASS pulse', { id: 'x', pollIntervalMs: 300 }, 'pollIntervalMs 300'],
    ['two inputs on one address', { id: 'x', inputs: { passIn: 0, passOut: 0, fireLoopClosed: 2, ready: 3, alarm: 4 } }, 'input addresses'],
    ['two relays on one coil', { id: 'x', coils: { unlockIn: 3, unlockOut: 3 } }, 'coil addresses'],
    ['an unknown mode', { id: 'x', mode: 'toggle' as 'pulse' }, 'mode toggle'],
  ];
  for (const [name, partial, text] of bad) {
    it(`refuses ${name} with TURNSTILE_BAD_CONFIG`, () => {
      expect(() => turnstileConfig(partial)).toThrow(expect.objectContaining({ code: 'TURNSTILE_BAD_CONFIG', message: expect.stringContaining(text) }));
    });
  }
});
