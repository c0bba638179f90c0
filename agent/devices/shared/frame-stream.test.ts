import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes } from '../../../protocol/core/bytes.ts';
import type { DecodeStep } from '../../../protocol/core/result.ts';
import { decodeEm4100Frame, EM4100_FRAME_LENGTH, encodeEm4100Frame } from '../../../protocol/em4100/frame.ts';
import { decodeKeyboardReport, KEYBOARD_REPORT_LENGTH } from '../../../protocol/hid/report.ts';
import { FrameStream } from './frame-stream.ts';

describe('FrameStream', () => {
  it('finds frames across chunks and keeps only a partial frame buffered', () => {
    const stream = new FrameStream(decodeEm4100Frame);
    const bytes = concatBytes(encodeEm4100Frame({ version: 1, tag: 1 }), encodeEm4100Frame({ version: 1, tag: 2 }));
    expect(stream.push(bytes.subarray(0, 20))).toMatchObject([{ kind: 'frame', frame: { tag: 1 } }]);
    expect(stream.buffered).toBe(6);
    expect(stream.push(bytes.subarray(20))).toMatchObject([{ kind: 'frame', frame: { tag: 2 } }]);
    expect(stream.buffered).toBe(0);
  });

  it('forgets a partial frame on reset', () => {
    const stream = new FrameStream(decodeEm4100Frame);
    const frame = encodeEm4100Frame({ version: 1, tag: 7 });
    stream.push(frame.subarray(0, 9));
    stream.reset();
    expect(stream.push(frame.subarray(9))).toMatchObject([{ kind: 'bad', code: 'EM4100_NO_STX' }]);
  });

  it('still moves on when a decoder reports no progress', () => {
    const stuck = (buf: Uint8Array): DecodeStep<number, 'STUCK'> => (buf.length ? { kind: 'bad', code: 'STUCK', skip: 0, message: 'no progress' } : { kind: 'need-more' });
    expect(new FrameStream(stuck).push(Uint8Array.of(1, 2, 3))).toHaveLength(3);
  });

  it('never throws and never holds more than one frame of bytes, whatever the line carries', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 50 }), { maxLength: 20 }), (chunks) => {
        const em = new FrameStream(decodeEm4100Frame);
        const hid = new FrameStream(decodeKeyboardReport);
        for (const c of chunks) {
          em.push(c);
          hid.push(c);
          expect(em.buffered).toBeLessThan(EM4100_FRAME_LENGTH);
          expect(hid.buffered).toBeLessThan(KEYBOARD_REPORT_LENGTH);
        }
      }),
      { numRuns: 500 },
    );
  });
});
