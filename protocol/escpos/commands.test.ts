import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../core/index.ts';
import * as cmd from './commands.ts';
import { decodeCommandStep, type EscposCommand } from './command-decoder.ts';

/**
 * Named fixtures: each encoder's bytes, checked against the ESC/POS reference
 * (HARDWARE.md, Epson ESC/POS command reference), and what the command decoder reads back.
 */
const FIXTURES: readonly { name: string; bytes: Uint8Array; hex: string; decoded: EscposCommand }[] = [
  { name: 'ESC @ initialize', bytes: cmd.initialize(), hex: '1b40', decoded: { kind: 'init' } },
  { name: 'ESC E 1 bold on', bytes: cmd.bold(true), hex: '1b4501', decoded: { kind: 'bold', on: true } },
  { name: 'ESC E 0 bold off', bytes: cmd.bold(false), hex: '1b4500', decoded: { kind: 'bold', on: false } },
  { name: 'ESC - 1 underline thin', bytes: cmd.underline('thin'), hex: '1b2d01', decoded: { kind: 'underline', dots: 1 } },
  { name: 'ESC - 2 underline thick', bytes: cmd.underline('thick'), hex: '1b2d02', decoded: { kind: 'underline', dots: 2 } },
  { name: 'ESC - 0 underline off', bytes: cmd.underline('off'), hex: '1b2d00', decoded: { kind: 'underline', dots: 0 } },
  { name: 'ESC a 0 align left', bytes: cmd.align('left'), hex: '1b6100', decoded: { kind: 'align', align: 'left' } },
  { name: 'ESC a 1 align center', bytes: cmd.align('center'), hex: '1b6101', decoded: { kind: 'align', align: 'center' } },
  { name: 'ESC a 2 align right', bytes: cmd.align('right'), hex: '1b6102', decoded: { kind: 'align', align: 'right' } },
  { name: 'GS ! 0x00 normal size', bytes: cmd.characterSize(1, 1), hex: '1d2100', decoded: { kind: 'size', width: 1, height: 1 } },
  { name: 'GS ! 0x11 double width and height', bytes: cmd.characterSize(2, 2), hex: '1d2111', decoded: { kind: 'size', width: 2, height: 2 } },
  { name: 'GS ! 0x01 double height', bytes: cmd.characterSize(1, 2), hex: '1d2101', decoded: { kind: 'size', width: 1, height: 2 } },
  { name: 'GS ! 0x77 8x8', bytes: cmd.characterSize(8, 8), hex: '1d2177', decoded: { kind: 'size', width: 8, height: 8 } },
  { name: 'ESC t 19 PC858', bytes: cmd.codePage('cp858'), hex: '1b7413', decoded: { kind: 'code-page', n: 19 } },
  { name: 'ESC t 16 WPC1252', bytes: cmd.codePage('cp1252'), hex: '1b7410', decoded: { kind: 'code-page', n: 16 } },
  { name: 'ESC d 3 feed lines', bytes: cmd.feedLines(3), hex: '1b6403', decoded: { kind: 'feed-lines', n: 3 } },
  { name: 'LF', bytes: cmd.lineFeed(), hex: '0a', decoded: { kind: 'line-feed' } },
  { name: 'GS V 1 partial cut', bytes: cmd.cut(), hex: '1d5601', decoded: { kind: 'cut', partial: true } },
  { name: 'GS V 0 full cut', bytes: cmd.cut({ partial: false }), hex: '1d5600', decoded: { kind: 'cut', partial: false } },
  { name: 'GS V 66 n feed and partial cut', bytes: cmd.cut({ feedDots: 96 }), hex: '1d564260', decoded: { kind: 'cut', partial: true, feedDots: 96 } },
  { name: 'GS V 65 n feed and full cut', bytes: cmd.cut({ partial: false, feedDots: 0 }), hex: '1d564100', decoded: { kind: 'cut', partial: false, feedDots: 0 } },
  { name: 'DLE EOT 1 printer status', bytes: cmd.realtimeStatusRequest('printer'), hex: '100401', decoded: { kind: 'realtime-status', n: 1 } },
  { name: 'DLE EOT 2 offline cause', bytes: cmd.realtimeStatusRequest('offline-cause'), hex: '100402', decoded: { kind: 'realtime-status', n: 2 } },
  { name: 'DLE EOT 3 error cause', bytes: cmd.realtimeStatusRequest('error-cause'), hex: '100403', decoded: { kind: 'realtime-status', n: 3 } },
  { name: 'DLE EOT 4 paper sensor', bytes: cmd.realtimeStatusRequest('paper'), hex: '100404', decoded: { kind: 'realtime-status', n: 4 } },
  { name: 'GS r 1 paper sensor status', bytes: cmd.paperSensorStatusRequest(), hex: '1d7201', decoded: { kind: 'paper-sensor-status', n: 1 } },
  { name: 'GS a 0xFF automatic status back on', bytes: cmd.automaticStatusBack(0xff), hex: '1d61ff', decoded: { kind: 'automatic-status-back', mask: 0xff } },
];

describe('ESC/POS encoder fixtures', () => {
  it.each(FIXTURES)('$name encodes as $hex and decodes back', ({ bytes, hex, decoded }) => {
    expect(toHex(bytes)).toBe(hex);
    expect(decodeCommandStep(bytes)).toEqual({ kind: 'frame', frame: decoded, consumed: bytes.length });
  });
});

describe('QR code (GS ( k, cn 49)', () => {
  it('encodes model 2, module size, error correction, store (pL pH = len + 3) and print', () => {
    const r = cmd.qrCode(new TextEncoder().encode('RESA'), { moduleSize: 6, errorCorrection: 'M' });
    expect(r.ok && toHex(r.value, ' ')).toBe(
      [
        '1d 28 6b 04 00 31 41 32 00', // 165: model 2
        '1d 28 6b 03 00 31 43 06', // 167: module size 6
        '1d 28 6b 03 00 31 45 31', // 169: error correction M (49)
        '1d 28 6b 07 00 31 50 30 52 45 53 41', // 180: store "RESA", pL = 4 + 3
        '1d 28 6b 03 00 31 51 30', // 181: print
      ].join(' '),
    );
  });

  it.each([
    ['L', '30'],
    ['Q', '32'],
    ['H', '33'],
  ] as const)('error correction %s is %s', (level, hex) => {
    const r = cmd.qrCode(Uint8Array.of(0x41), { errorCorrection: level });
    expect(r.ok && toHex(r.value.slice(17, 25))).toBe(`1d286b03003145${hex}`);
  });

  it('puts lengths above 252 in pH', () => {
    const r = cmd.qrCode(new Uint8Array(300).fill(0x41));
    // 300 + 3 = 303 = 0x012F
    expect(r.ok && toHex(r.value.slice(25, 30))).toBe('1d286b2f01');
  });

  it('refuses empty data with ESCPOS_QR_EMPTY', () => {
    expect(cmd.qrCode(new Uint8Array(0))).toMatchObject({ ok: false, error: { code: 'ESCPOS_QR_EMPTY' } });
  });

  it('refuses more than 7089 bytes with ESCPOS_QR_TOO_LONG', () => {
    expect(cmd.qrCode(new Uint8Array(cmd.QR_MAX_BYTES)).ok).toBe(true);
    expect(cmd.qrCode(new Uint8Array(cmd.QR_MAX_BYTES + 1))).toMatchObject({ ok: false, error: { code: 'ESCPOS_QR_TOO_LONG' } });
  });
});

describe('CODE128 (GS k 73)', () => {
  it('encodes HRI below, height, width, then GS k 73 n {B data', () => {
    const r = cmd.code128('L-042', { heightDots: 60 });
    expect(r.ok && toHex(r.value, ' ')).toBe('1d 48 02 1d 68 3c 1d 77 02 1d 6b 49 07 7b 42 4c 2d 30 34 32');
    const tail = r.ok ? r.value.slice(9) : new Uint8Array(0);
    expect(decodeCommandStep(tail)).toEqual({ kind: 'frame', frame: { kind: 'barcode', system: 73, data: fromHex('7b424c2d303432') }, consumed: tail.length });
  });

  it('refuses a non-ASCII character with ESCPOS_BARCODE_BAD_DATA', () => {
    expect(cmd.code128('café')).toMatchObject({ ok: false, error: { code: 'ESCPOS_BARCODE_BAD_DATA', detail: { index: 3 } } });
  });

  it('refuses empty or over-long data with ESCPOS_BARCODE_BAD_LENGTH', () => {
    expect(cmd.code128('')).toMatchObject({ ok: false, error: { code: 'ESCPOS_BARCODE_BAD_LENGTH' } });
    expect(cmd.code128('1'.repeat(cmd.CODE128_MAX_CHARS)).ok).toBe(true);
    expect(cmd.code128('1'.repeat(cmd.CODE128_MAX_CHARS + 1))).toMatchObject({ ok: false, error: { code: 'ESCPOS_BARCODE_BAD_LENGTH' } });
  });
});
