import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex } from '../core/bytes.ts';
import { decodeAll, splits } from '../../test/support/decode-all.ts';
import { decodeKeyboardReport, encodeKeyboardReport, encodeRolloverReport, keyboardReportDecoderWithId, type KeyboardReport } from './report.ts';
import { KeystrokeLineAssembler } from './typing.ts';
import { reportsForTypedText } from './type-text.ts';

const fixtures: { name: string; hex: string; report: KeyboardReport }[] = [
  { name: 'release (all keys up)', hex: '00 00 00 00 00 00 00 00', report: { modifiers: 0, keys: [] } },
  { name: "'1' down", hex: '00 00 1e 00 00 00 00 00', report: { modifiers: 0, keys: [0x1e] } },
  { name: "'A' (Left Shift + a)", hex: '02 00 04 00 00 00 00 00', report: { modifiers: 0x02, keys: [0x04] } },
  { name: 'Enter', hex: '00 00 28 00 00 00 00 00', report: { modifiers: 0, keys: [0x28] } },
  { name: 'six keys held, Right Shift', hex: '20 00 04 05 06 07 08 09', report: { modifiers: 0x20, keys: [4, 5, 6, 7, 8, 9] } },
];

describe('boot keyboard report codec', () => {
  for (const f of fixtures) {
    const bytes = fromHex(f.hex);
    it(`decodes ${f.name}`, () => expect(decodeKeyboardReport(bytes)).toEqual({ kind: 'frame', frame: f.report, consumed: 8 }));
    it(`encodes ${f.name}`, () => expect(toHex(encodeKeyboardReport(f.report), ' ')).toBe(f.hex));
    it(`round-trips ${f.name}`, () => {
      const step = decodeKeyboardReport(encodeKeyboardReport(f.report));
      expect(step.kind === 'frame' && step.frame).toEqual(f.report);
    });
    it(`decodes ${f.name} split at every byte boundary`, () => {
      for (const chunks of splits(bytes)) expect(decodeAll(decodeKeyboardReport, chunks)).toEqual({ frames: [f.report], errors: [], pending: 0 });
    });
  }

  it('reports HID_ROLLOVER and skips the whole report', () => {
    expect(decodeKeyboardReport(encodeRolloverReport())).toMatchObject({ kind: 'bad', code: 'HID_ROLLOVER', skip: 8 });
  });

  it('reports HID_REPORT_MISALIGNED when the reserved byte is not zero, skipping one byte', () => {
    // node-hid hands over whole reports, so this only guards against a transport that loses
    // bytes; an 8-byte report has no start byte, so re-alignment is best effort.
    expect(decodeKeyboardReport(fromHex('02 04 00 00 00 00 00 00'))).toMatchObject({ kind: 'bad', code: 'HID_REPORT_MISALIGNED', skip: 1 });
    const out = decodeAll(decodeKeyboardReport, [fromHex('1e 1e 1e'), fromHex('00 00 1e 00 00 00 00 00')]);
    expect(out.errors).toEqual(['HID_REPORT_MISALIGNED', 'HID_REPORT_MISALIGNED']);
  });

  it('waits for more on a partial report', () => {
    for (let n = 0; n < 8; n++) expect(decodeKeyboardReport(new Uint8Array(n)).kind).toBe('need-more');
  });

  it('refuses to encode more than six keys', () => {
    expect(() => encodeKeyboardReport({ modifiers: 0, keys: [1, 2, 3, 4, 5, 6, 7] })).toThrow(RangeError);
  });

  it('never throws or hangs on random bytes', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 30 }), { maxLength: 10 }), (chunks) => {
        const typist = new KeystrokeLineAssembler(64);
        for (const r of decodeAll(decodeKeyboardReport, chunks).frames) typist.push(r);
      }),
      { numRuns: 1000 },
    );
  });
});

describe('boot keyboard reports with a report id (composite devices)', () => {
  const decode = keyboardReportDecoderWithId(1);
  const withId = (hex: string) => concatBytes(Uint8Array.of(1), fromHex(hex));

  for (const f of fixtures) {
    it(`decodes ${f.name} after report id 1, split at every byte boundary`, () => {
      for (const chunks of splits(withId(f.hex))) expect(decodeAll(decode, chunks)).toEqual({ frames: [f.report], errors: [], pending: 0 });
    });
  }

  it("skips another function's report (consumer control, id 2) and reads the next keyboard report", () => {
    const out = decodeAll(decode, [Uint8Array.of(2, 0xe9, 0x00), withId('00 00 1e 00 00 00 00 00')]);
    expect(out).toEqual({ frames: [{ modifiers: 0, keys: [0x1e] }], errors: ['HID_REPORT_MISALIGNED'], pending: 0 });
  });

  it('reports rollover and skips the whole 9 bytes', () => {
    expect(decode(concatBytes(Uint8Array.of(1), encodeRolloverReport()))).toMatchObject({ kind: 'bad', code: 'HID_ROLLOVER', skip: 9 });
  });

  it('never throws or hangs on random bytes', () => {
    fc.assert(fc.property(fc.array(fc.uint8Array({ maxLength: 30 }), { maxLength: 10 }), (chunks) => void decodeAll(decode, chunks)), { numRuns: 1000 });
  });
});

function typeLines(reports: Uint8Array[], maxLength?: number) {
  const typist = new KeystrokeLineAssembler(maxLength);
  const out = [];
  const decoded = decodeAll(decodeKeyboardReport, reports);
  for (const r of decoded.frames) out.push(...typist.push(r));
  return out;
}

describe('typed lines from keyboard reports', () => {
  const cases = ['0012345678', 'RBX1.eyJtIjoiNDIifQ.Zm9v-_', 'Hello, World! ~{}|:"<>?', 'tab\there'];
  for (const text of cases) {
    it(`types ${JSON.stringify(text)} then Enter`, () => {
      const reports = reportsForTypedText(text);
      expect(reports).toBeDefined();
      expect(typeLines(reports ?? [])).toEqual([{ kind: 'line', text }]);
    });
  }

  it('types a line whose reports arrive byte by byte', () => {
    const bytes = concatBytes(...(reportsForTypedText('0012345678') ?? []));
    expect(typeLines([...bytes].map((b) => Uint8Array.of(b)))).toEqual([{ kind: 'line', text: '0012345678' }]);
  });

  it('types a held key once, and a repeated character once per press', () => {
    const down = encodeKeyboardReport({ modifiers: 0, keys: [0x1e] });
    const up = encodeKeyboardReport({ modifiers: 0, keys: [] });
    const enter = encodeKeyboardReport({ modifiers: 0, keys: [0x28] });
    expect(typeLines([down, down, down, up, down, up, enter, up])).toEqual([{ kind: 'line', text: '11' }]);
  });

  it('types a fast typist rolling keys (next key down before the previous release)', () => {
    const r = (keys: number[]) => encodeKeyboardReport({ modifiers: 0, keys });
    expect(typeLines([r([0x1e]), r([0x1e, 0x1f]), r([0x1f]), r([0x28]), r([])])).toEqual([{ kind: 'line', text: '12' }]);
  });

  it('types the keypad digits and keypad Enter', () => {
    const r = (keys: number[]) => encodeKeyboardReport({ modifiers: 0, keys });
    expect(typeLines([r([0x59]), r([]), r([0x62]), r([]), r([0x58]), r([])])).toEqual([{ kind: 'line', text: '10' }]);
  });

  it('ignores an empty line (Enter alone)', () => {
    expect(typeLines(reportsForTypedText('') ?? [])).toEqual([]);
  });

  it('drops a line holding a key that types nothing (HID_UNMAPPED_KEY), then types the next', () => {
    const arrow = [encodeKeyboardReport({ modifiers: 0, keys: [0x4f] }), encodeKeyboardReport({ modifiers: 0, keys: [] })];
    const ctrlC = [encodeKeyboardReport({ modifiers: 0x01, keys: [0x06] }), encodeKeyboardReport({ modifiers: 0, keys: [] })];
    const first = [...(reportsForTypedText('12', false) ?? []), ...arrow, ...(reportsForTypedText('3') ?? [])];
    const second = [...ctrlC, ...(reportsForTypedText('4') ?? [])];
    expect(typeLines([...first, ...second, ...(reportsForTypedText('56') ?? [])]).map((o) => (o.kind === 'line' ? o.text : o.code))).toEqual([
      'HID_UNMAPPED_KEY',
      'HID_UNMAPPED_KEY',
      '56',
    ]);
  });

  it('drops an over-long line (HID_LINE_TOO_LONG)', () => {
    const out = typeLines([...(reportsForTypedText('123456') ?? []), ...(reportsForTypedText('12345') ?? [])], 5);
    expect(out.map((o) => (o.kind === 'line' ? o.text : o.code))).toEqual(['HID_LINE_TOO_LONG', '12345']);
  });

  it('drops the line in progress on rollover (HID_ROLLOVER)', () => {
    const typist = new KeystrokeLineAssembler();
    for (const r of decodeAll(decodeKeyboardReport, reportsForTypedText('123', false) ?? []).frames) typist.push(r);
    expect(typist.rollover()).toMatchObject({ kind: 'error', code: 'HID_ROLLOVER' });
    const out = decodeAll(decodeKeyboardReport, reportsForTypedText('9') ?? []).frames.flatMap((r) => typist.push(r));
    expect(out).toEqual([{ kind: 'line', text: '9' }]);
  });

  it('cannot type characters outside the US layout', () => {
    expect(reportsForTypedText('é')).toBeUndefined();
  });
});
