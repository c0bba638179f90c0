import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ManualClock } from '../../platform/clock.ts';
import { DeskAuth, readDeskPin } from './desk-auth.ts';

describe('DeskAuth', () => {
  it('a right PIN opens a session naming the operator; logout ends it', () => {
    const auth = new DeskAuth('4821', new ManualClock(0));
    const r = auth.login('4821', 'Léa', '10.0.0.5');
    if (!r.ok) throw new Error(r.error.code);
    expect(auth.operatorOf(r.token)).toBe('Léa');
    expect(auth.operatorOf('forged')).toBeUndefined();
    auth.logout(r.token);
    expect(auth.operatorOf(r.token)).toBeUndefined();
  });

  it('sessions expire after 12 h', () => {
    const clock = new ManualClock(0);
    const auth = new DeskAuth('4821', clock);
    const r = auth.login('4821', 'Léa', 'a');
    if (!r.ok) throw new Error(r.error.code);
    clock.advance(12 * 3600_000 - 1);
    expect(auth.operatorOf(r.token)).toBe('Léa');
    clock.advance(1);
    expect(auth.operatorOf(r.token)).toBeUndefined();
  });

  it('five wrong PINs lock that address out for a minute, even with the right PIN; others are not affected', () => {
    const clock = new ManualClock(0);
    const auth = new DeskAuth('4821', clock);
    for (let i = 0; i < 4; i++) expect(auth.login('0000', 'x', 'a')).toMatchObject({ ok: false, error: { code: 'DESK_PIN_WRONG' } });
    expect(auth.login('0000', 'x', 'a')).toMatchObject({ ok: false, error: { code: 'DESK_PIN_WRONG' } });
    expect(auth.login('4821', 'x', 'a')).toMatchObject({ ok: false, error: { code: 'DESK_LOCKED_OUT', retryAfterS: 60 } });
    expect(auth.login('4821', 'x', 'b').ok).toBe(true);
    clock.advance(60_000);
    expect(auth.login('4821', 'x', 'a').ok).toBe(true);
  });

  it('no PIN configured: every login refused', () => {
    expect(new DeskAuth(undefined, new ManualClock(0)).login('', 'x', 'a')).toMatchObject({ ok: false, error: { code: 'DESK_PIN_NOT_CONFIGURED' } });
  });

  it('readDeskPin: file: relative to dataDir (trimmed), env:, missing', () => {
    const dir = mkdtempSync(join(tmpdir(), 'desk-pin-'));
    try {
      writeFileSync(join(dir, 'desk.pin'), '  9876\n');
      expect(readDeskPin('file:desk.pin', dir)).toBe('9876');
      expect(readDeskPin('file:nope.pin', dir)).toBeUndefined();
      expect(readDeskPin('env:DESK', dir, { DESK: '1234' })).toBe('1234');
      expect(readDeskPin('env:DESK', dir, {})).toBeUndefined();
      expect(readDeskPin(undefined, dir)).toBeUndefined();
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
