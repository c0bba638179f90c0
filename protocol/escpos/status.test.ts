import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { concatBytes, fromHex } from '../core/index.ts';
import type { RealtimeStatusKind } from './commands.ts';
import { decodeStatusStep, type StatusReply } from './status.ts';
import { encodeAutomaticStatus, encodeOfflineCause, encodePaperSensor, encodePaperStatus, encodePrinterInfo } from './status-encode.ts';
import { runDecoder, splitsOf } from './test-helpers.ts';

const one = (hex: string, pending?: RealtimeStatusKind) => decodeStatusStep(fromHex(hex), pending);

describe('DLE EOT replies (one byte 0xx1xx10)', () => {
  it.each([
    { name: 'printer: all fine', hex: '12', kind: 'printer', status: { drawerPin3High: false, offline: false, waitingOnlineRecovery: false, feedButtonPressed: false } },
    { name: 'printer: offline', hex: '1a', kind: 'printer', status: { drawerPin3High: false, offline: true, waitingOnlineRecovery: false, feedButtonPressed: false } },
    { name: 'printer: offline, waiting for recovery', hex: '3a', kind: 'printer', status: { drawerPin3High: false, offline: true, waitingOnlineRecovery: true, feedButtonPressed: false } },
    { name: 'offline cause: none', hex: '12', kind: 'offline-cause', status: { coverOpen: false, feedButtonFeeding: false, stoppedByPaperEnd: false, error: false } },
    { name: 'offline cause: cover open', hex: '16', kind: 'offline-cause', status: { coverOpen: true, feedButtonFeeding: false, stoppedByPaperEnd: false, error: false } },
    { name: 'offline cause: stopped by paper end', hex: '32', kind: 'offline-cause', status: { coverOpen: false, feedButtonFeeding: false, stoppedByPaperEnd: true, error: false } },
    { name: 'offline cause: error', hex: '52', kind: 'offline-cause', status: { coverOpen: false, feedButtonFeeding: false, stoppedByPaperEnd: false, error: true } },
    { name: 'error cause: autocutter', hex: '1a', kind: 'error-cause', status: { recoverableError: false, autocutterError: true, unrecoverableError: false, autoRecoverableError: false } },
    { name: 'paper: present', hex: '12', kind: 'paper', status: { nearEnd: false, end: false } },
    { name: 'paper: near end', hex: '1e', kind: 'paper', status: { nearEnd: true, end: false } },
    { name: 'paper: end', hex: '72', kind: 'paper', status: { nearEnd: false, end: true } },
    { name: 'paper: near end and end', hex: '7e', kind: 'paper', status: { nearEnd: true, end: true } },
  ] as const)('$name ($hex)', ({ hex, kind, status }) => {
    expect(one(hex, kind)).toEqual({ kind: 'frame', frame: { kind, raw: parseInt(hex, 16), status }, consumed: 1 });
  });

  it('a real-time byte with no request outstanding is ESCPOS_STATUS_UNSOLICITED, skip 1', () => {
    expect(one('12')).toMatchObject({ kind: 'bad', code: 'ESCPOS_STATUS_UNSOLICITED', skip: 1 });
  });
});

describe('GS r 1 replies (one byte 0xx0xxxx)', () => {
  it.each([
    ['00', { nearEnd: false, end: false }],
    ['03', { nearEnd: true, end: false }],
    ['0c', { nearEnd: false, end: true }],
    ['0f', { nearEnd: true, end: true }],
  ] as const)('%s', (hex, status) => {
    expect(one(hex, 'printer')).toEqual({ kind: 'frame', frame: { kind: 'paper-sensor', raw: parseInt(hex, 16), status }, consumed: 1 });
  });
});

describe('automatic status back (GS a, 4 bytes)', () => {
  it('all fine: 10 00 00 00', () => {
    const s = one('10000000');
    expect(s).toMatchObject({ kind: 'frame', consumed: 4, frame: { kind: 'asb', status: { offline: false, coverOpen: false, paperEnd: false, paperNearEnd: false } } });
  });

  it('offline, cover open, autocutter error, paper end: 38 08 0c 00', () => {
    expect(one('38080c00')).toEqual({
      kind: 'frame',
      consumed: 4,
      frame: {
        kind: 'asb',
        raw: fromHex('38080c00'),
        status: { drawerPin3High: false, offline: true, coverOpen: true, feedButtonFeeding: false, mechanicalError: false, autocutterError: true, unrecoverableError: false, autoRecoverableError: false, paperNearEnd: false, paperEnd: true },
      },
    });
  });

  it('needs all four bytes', () => {
    for (const hex of ['10', '1000', '100000']) expect(one(hex)).toEqual({ kind: 'need-more' });
  });

  it('a byte with bit 4 or 7 set inside it is ESCPOS_ASB_BAD_BYTE, skipping up to that byte', () => {
    expect(one('10001200')).toMatchObject({ kind: 'bad', code: 'ESCPOS_ASB_BAD_BYTE', skip: 2 });
    expect(one('1080')).toMatchObject({ kind: 'bad', code: 'ESCPOS_ASB_BAD_BYTE', skip: 1 });
  });
});

describe('printer-side status encoders (named fixtures)', () => {
  const none = { drawerPin3High: false, offline: false, waitingOnlineRecovery: false, feedButtonPressed: false };
  it.each([
    ['DLE EOT 1 all fine', encodePrinterInfo(none), 0x12],
    ['DLE EOT 1 offline, waiting recovery', encodePrinterInfo({ ...none, offline: true, waitingOnlineRecovery: true }), 0x3a],
    ['DLE EOT 2 cover open', encodeOfflineCause({ coverOpen: true, feedButtonFeeding: false, stoppedByPaperEnd: false, error: false }), 0x16],
    ['DLE EOT 2 paper end stop', encodeOfflineCause({ coverOpen: false, feedButtonFeeding: false, stoppedByPaperEnd: true, error: false }), 0x32],
    ['DLE EOT 4 near end', encodePaperStatus({ nearEnd: true, end: false }), 0x1e],
    ['DLE EOT 4 end', encodePaperStatus({ nearEnd: true, end: true }), 0x7e],
    ['GS r 1 near end', encodePaperSensor({ nearEnd: true, end: false }), 0x03],
    ['GS r 1 end', encodePaperSensor({ nearEnd: true, end: true }), 0x0f],
  ] as const)('%s is 0x%s', (_name, byte, expected) => {
    expect(byte).toBe(expected);
  });

  it('ASB offline, cover open, paper end is 38 00 0f 00', () => {
    const s = { drawerPin3High: false, offline: true, coverOpen: true, feedButtonFeeding: false, mechanicalError: false, autocutterError: false, unrecoverableError: false, autoRecoverableError: false, paperNearEnd: true, paperEnd: true };
    expect(encodeAutomaticStatus(s)).toEqual(fromHex('38000f00'));
  });
});

describe('status stream', () => {
  it('a byte matching no reply is ESCPOS_STATUS_BAD_BYTE, skip 1', () => {
    for (const hex of ['80', 'ff', '11', '13', '93']) expect(one(hex, 'paper')).toMatchObject({ kind: 'bad', code: 'ESCPOS_STATUS_BAD_BYTE', skip: 1 });
  });

  it('is empty-safe', () => {
    expect(decodeStatusStep(new Uint8Array(0), 'paper')).toEqual({ kind: 'need-more' });
  });

  it('decodes ASB, GS r and a bad byte the same at every split point', () => {
    const stream = fromHex('38080c00 0c ff 10000000 03');
    const whole = runDecoder([stream], (b) => decodeStatusStep(b, undefined));
    expect(whole.frames.map((f) => f.kind)).toEqual(['asb', 'paper-sensor', 'asb', 'paper-sensor']);
    expect(whole.errors).toEqual(['ESCPOS_STATUS_BAD_BYTE']);
    for (const chunks of splitsOf(stream)) expect(runDecoder(chunks, (b) => decodeStatusStep(b, undefined))).toEqual(whole);
    const byteByByte = [...stream].map((b) => Uint8Array.of(b));
    expect(runDecoder(byteByByte, (b) => decodeStatusStep(b, undefined))).toEqual(whole);
  });

  it('round-trips every status through the printer-side encoders', () => {
    const bool = fc.boolean();
    fc.assert(
      fc.property(fc.record({ drawerPin3High: bool, offline: bool, waitingOnlineRecovery: bool, feedButtonPressed: bool }), (s) => {
        expect(decodeStatusStep(Uint8Array.of(encodePrinterInfo(s)), 'printer')).toMatchObject({ kind: 'frame', frame: { status: s } });
      }),
    );
    fc.assert(
      fc.property(fc.record({ coverOpen: bool, feedButtonFeeding: bool, stoppedByPaperEnd: bool, error: bool }), (s) => {
        expect(decodeStatusStep(Uint8Array.of(encodeOfflineCause(s)), 'offline-cause')).toMatchObject({ kind: 'frame', frame: { status: s } });
      }),
    );
    fc.assert(
      fc.property(fc.record({ nearEnd: bool, end: bool }), (s) => {
        expect(decodeStatusStep(Uint8Array.of(encodePaperStatus(s)), 'paper')).toMatchObject({ kind: 'frame', frame: { kind: 'paper', status: s } });
        expect(decodeStatusStep(Uint8Array.of(encodePaperSensor(s)), 'paper')).toMatchObject({ kind: 'frame', frame: { kind: 'paper-sensor', status: s } });
      }),
    );
    fc.assert(
      fc.property(
        fc.record({ drawerPin3High: bool, offline: bool, coverOpen: bool, feedButtonFeeding: bool, mechanicalError: bool, autocutterError: bool, unrecoverableError: bool, autoRecoverableError: bool, paperNearEnd: bool, paperEnd: bool }),
        (s) => {
          expect(decodeStatusStep(encodeAutomaticStatus(s), undefined)).toMatchObject({ kind: 'frame', consumed: 4, frame: { kind: 'asb', status: s } });
        },
      ),
    );
  });

  it('random bytes in random chunks never throw or hang, whatever is pending', () => {
    fc.assert(
      fc.property(
        fc.array(fc.uint8Array({ maxLength: 16 }), { maxLength: 16 }),
        fc.constantFrom<RealtimeStatusKind | undefined>(undefined, 'printer', 'offline-cause', 'error-cause', 'paper'),
        (chunks, pending) => {
          const r = runDecoder(chunks, (b) => decodeStatusStep(b, pending));
          const total = concatBytes(...chunks).length;
          expect(r.rest.length).toBeLessThan(4);
          expect(r.frames.length + r.errors.length).toBeLessThanOrEqual(total);
          r.frames.forEach((f: StatusReply) => expect(f.kind).toBeTypeOf('string'));
        },
      ),
      { numRuns: 2000 },
    );
  });
});
