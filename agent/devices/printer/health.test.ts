import { describe, expect, it } from 'vitest';
import { canPrint, conditionError, deviceStateOf, healthFrom } from './health.ts';

const printer = (offline = false) => ({ drawerPin3High: false, offline, waitingOnlineRecovery: offline, feedButtonPressed: false });
const cause = (c: Partial<{ coverOpen: boolean; stoppedByPaperEnd: boolean; error: boolean }> = {}) => ({ coverOpen: false, feedButtonFeeding: false, stoppedByPaperEnd: false, error: false, ...c });
const paper = (nearEnd = false, end = false) => ({ nearEnd, end });

describe('printer health', () => {
  it.each([
    ['online', healthFrom(printer(), cause(), paper()), { condition: 'online', paper: 'ok', coverOpen: false }, 'online'],
    ['near end', healthFrom(printer(), cause(), paper(true)), { condition: 'paper-near-end', paper: 'near-end' }, 'degraded'],
    ['paper end', healthFrom(printer(true), cause({ stoppedByPaperEnd: true }), paper(true, true)), { condition: 'paper-end', paper: 'end' }, 'offline'],
    ['paper end seen only by the offline cause', healthFrom(printer(true), cause({ stoppedByPaperEnd: true }), paper()), { condition: 'paper-end', paper: 'end' }, 'offline'],
    ['cover open', healthFrom(printer(true), cause({ coverOpen: true }), paper()), { condition: 'cover-open', coverOpen: true }, 'offline'],
    ['paper end and cover open', healthFrom(printer(true), cause({ coverOpen: true, stoppedByPaperEnd: true }), paper(false, true)), { condition: 'paper-end' }, 'offline'],
    ['error', healthFrom(printer(true), cause({ error: true }), paper()), { condition: 'hardware-error' }, 'offline'],
    ['offline, no cause given', healthFrom(printer(true), cause(), paper()), { condition: 'hardware-error' }, 'offline'],
  ] as const)('%s', (_name, health, expected, state) => {
    expect(health).toMatchObject(expected);
    expect(deviceStateOf(health.condition)).toBe(state);
    expect(canPrint(health)).toBe(state !== 'offline');
  });

  it('gives every non-online condition a coded error', () => {
    expect(conditionError('online')).toBeUndefined();
    expect(conditionError('paper-near-end')).toBeUndefined();
    expect(['paper-end', 'cover-open', 'hardware-error', 'no-reply', 'link-down'].map((c) => conditionError(c as never)?.code)).toEqual([
      'PRINTER_PAPER_END',
      'PRINTER_COVER_OPEN',
      'PRINTER_HARDWARE_ERROR',
      'PRINTER_NO_REPLY',
      'PRINTER_LINK_DOWN',
    ]);
  });
});
