import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { concatBytes, fromHex, toHex } from '../core/bytes.ts';
import { decodeAll, splits } from '../../test/support/decode-all.ts';
import { decodeEm4100Frame, encodeEm4100Frame, type Em4100ErrorCode } from './frame.ts';

const ascii = (s: string): Uint8Array => new TextEncoder().encode(s);
const frameOf = (body: string): Uint8Array => concatBytes(Uint8Array.of(0x02), ascii(body), Uint8Array.of(0x03));

// Checksums worked by hand: 01^00^BC^61^4E = 0x92; 00^00^00^00^01 = 0x01; 1A^FF^FF^FF^FF = 0x1A^0x00 = 0x1A.
const fixtures = [
  { name: 'tag 12345678, version 01', hex: '02 30 31 30 30 42 43 36 31 34 45 39 32 03', version: 0x01, tag: 12345678, id: '0100BC614E' },
  { name: 'smallest tag', hex: frameOf('000000000101'), version: 0x00, tag: 1, id: '0000000001' },
  { name: 'largest tag, version 1A', hex: frameOf('1AFFFFFFFF1A'), version: 0x1a, tag: 0xffffffff, id: '1AFFFFFFFF' },
].map((f) => ({ ...f, bytes: typeof f.hex === 'string' ? fromHex(f.hex) : f.hex }));

describe('EM4100 frame codec', () => {
  for (const f of fixtures) {
    it(`decodes ${f.name}`, () => {
      const step = decodeEm4100Frame(f.bytes);
      expect(step).toEqual({ kind: 'frame', consumed: 14, frame: { version: f.version, tag: f.tag, hex: f.id } });
    });
    it(`encodes ${f.name}`, () => {
      expect(toHex(encodeEm4100Frame({ version: f.version, tag: f.tag }))).toBe(toHex(f.bytes));
    });
    it(`round-trips ${f.name}`, () => {
      const step = decodeEm4100Frame(encodeEm4100Frame({ version: f.version, tag: f.tag }));
      expect(step.kind === 'frame' && step.frame).toMatchObject({ version: f.version, tag: f.tag });
    });
    it(`decodes ${f.name} split at every byte boundary`, () => {
      for (const chunks of splits(f.bytes)) {
        const out = decodeAll(decodeEm4100Frame, chunks);
        expect(out.frames.map((x) => x.tag)).toEqual([f.tag]);
        expect(out.errors).toEqual([]);
      }
    });
  }

  it('accepts lower-case hex and reports the id upper-cased', () => {
    const step = decodeEm4100Frame(frameOf('0100bc614e92'));
    expect(step.kind === 'frame' && step.frame.hex).toBe('0100BC614E');
  });

  it('waits for more bytes on a valid prefix', () => {
    for (let n = 0; n < 14; n++) expect(decodeEm4100Frame((fixtures[0] as { bytes: Uint8Array }).bytes.subarray(0, n)).kind).toBe('need-more');
  });

  const errors: { code: Em4100ErrorCode; bytes: Uint8Array; skip: number }[] = [
    { code: 'EM4100_NO_STX', bytes: concatBytes(ascii('xy'), frameOf('000000000101')), skip: 2 },
    { code: 'EM4100_NO_STX', bytes: ascii('garbage'), skip: 7 },
    { code: 'EM4100_BAD_HEX', bytes: frameOf('0100BC6G4E92'), skip: 14 },
    { code: 'EM4100_BAD_HEX', bytes: concatBytes(Uint8Array.of(0x02), ascii('01Z')), skip: 4 },
    { code: 'EM4100_TRUNCATED', bytes: concatBytes(Uint8Array.of(0x02), ascii('0100'), frameOf('000000000101')), skip: 5 },
    { code: 'EM4100_NO_ETX', bytes: concatBytes(Uint8Array.of(0x02), ascii('0100BC614E92'), Uint8Array.of(0x0d)), skip: 14 },
    { code: 'EM4100_BAD_CHECKSUM', bytes: frameOf('0100BC614E93'), skip: 14 },
  ];
  for (const e of errors) {
    it(`reports ${e.code} for ${toHex(e.bytes, ' ')} and skips ${e.skip}`, () => {
      const step = decodeEm4100Frame(e.bytes);
      expect(step.kind).toBe('bad');
      if (step.kind === 'bad') {
        expect(step.code).toBe(e.code);
        expect(step.skip).toBe(e.skip);
        expect(step.message.length).toBeGreaterThan(0);
      }
    });
  }

  it('re-syncs on the next frame after noise, a truncated frame and a bad checksum', () => {
    const good = encodeEm4100Frame({ version: 1, tag: 42 });
    const stream = concatBytes(ascii('\r\n'), good, Uint8Array.of(0x02, 0x30), frameOf('0100BC614E93'), good);
    const out = decodeAll(decodeEm4100Frame, [stream]);
    expect(out.frames.map((f) => f.tag)).toEqual([42, 42]);
    expect(out.errors).toEqual(['EM4100_NO_STX', 'EM4100_TRUNCATED', 'EM4100_BAD_CHECKSUM']);
  });

  it('refuses to encode out-of-range values', () => {
    expect(() => encodeEm4100Frame({ version: 256, tag: 1 })).toThrow(RangeError);
    expect(() => encodeEm4100Frame({ version: 1, tag: 2 ** 32 })).toThrow(RangeError);
  });

  it('never throws or hangs on random bytes, and still finds frames embedded in noise', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 40 }), { maxLength: 12 }), fc.nat(0xffffffff), (noise, tag) => {
        decodeAll(decodeEm4100Frame, noise);
        const frame = encodeEm4100Frame({ version: 7, tag });
        // A whole frame after noise is found once the noise is flushed by a start byte.
        const out = decodeAll(decodeEm4100Frame, [...noise, Uint8Array.of(0x02), frame]);
        expect(out.frames.at(-1)?.tag).toBe(tag);
      }),
      { numRuns: 500 },
    );
  });
});
