import { describe, expect, it } from 'vitest';
import { nextPhase, type LinkEvent, type LinkPhase } from './link-phase.ts';

const plain = { secure: false, mustInstallKey: false };
const secure = { secure: true, mustInstallKey: false };
const install = { secure: true, mustInstallKey: true };

describe('OSDP link phases', () => {
  const CASES: [LinkPhase, LinkEvent, typeof plain, LinkPhase][] = [
    ['identify', 'ok', plain, 'capabilities'],
    ['capabilities', 'ok', plain, 'online'],
    ['capabilities', 'ok', secure, 'challenge'],
    ['challenge', 'ok', secure, 'crypt'],
    ['crypt', 'ok', secure, 'online'],
    ['crypt', 'ok', install, 'install-key'],
    ['install-key', 'ok', install, 'challenge'],
    ['challenge', 'refused', secure, 'sc-failed'],
    ['sc-failed', 'retry-due', secure, 'identify'],
    ['online', 'sc-broken', secure, 'identify'],
    ['online', 'offline', secure, 'offline'],
    ['offline', 'ok', secure, 'capabilities'],
  ];
  for (const [from, event, choices, to] of CASES) {
    it(`${from} --${event}--> ${to}`, () => expect(nextPhase(from, event, choices)).toBe(to));
  }

  it('an unhandled pair is a bug, not a silent no-op', () => {
    expect(() => nextPhase('online', 'retry-due', plain)).toThrow(/no transition/);
  });
});
