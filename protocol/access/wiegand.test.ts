import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { fromHex, toHex } from '../core/index.ts';
import { canonicalBadgeNumber, decodeWiegand, decodeWiegandBits, encodeWiegand } from './wiegand.ts';

const bitsOf = (s: string): number[] => Array.from(s.replace(/ /g, ''), Number);

describe('Wiegand 26 (H10301)', () => {
  // Facility 12, card 3456, worked by hand: P | 00001100 | 0000110110000000 | P
  // bits 2-13 = 00001100 0000 -> two ones -> leading parity 0; bits 14-25 = 110110000000 -> four ones -> trailing parity 1.
  const BITS = '0 00001100 0000110110000000 1';

  it('decodes facility 12, card 3456 from a bit array', () => {
    expect(decodeWiegandBits(bitsOf(BITS))).toEqual({
      ok: true,
      value: { format: 'wiegand26', facility: 12, card: 3456, badgeNumber: '789888', bits: BITS.replace(/ /g, '') },
    });
  });

  it('decodes the same card from packed bytes (OSDP RAW layout) and encodes it back', () => {
    const packed = '0606c040';
    const r = decodeWiegand(fromHex(packed), 26);
    expect(r.ok && r.value.badgeNumber).toBe('789888');
    const e = encodeWiegand('wiegand26', 12, 3456);
    expect({ hex: toHex(e.data), bitCount: e.bitCount }).toEqual({ hex: packed, bitCount: 26 });
  });

  it('flags a flipped leading or trailing parity bit with distinct codes', () => {
    const lead = bitsOf(BITS);
    lead[0] = 1;
    expect(decodeWiegandBits(lead)).toMatchObject({ ok: false, error: { code: 'WIEGAND_BAD_LEADING_PARITY' } });
    const data = bitsOf(BITS);
    data[20] = 1 - (data[20] as number);
    expect(decodeWiegandBits(data)).toMatchObject({ ok: false, error: { code: 'WIEGAND_BAD_TRAILING_PARITY' } });
  });
});

describe('Wiegand 34 (H10306)', () => {
  it('round-trips a 16-bit facility', () => {
    const e = encodeWiegand('wiegand34', 4660, 65535);
    expect(e.bitCount).toBe(34);
    const r = decodeWiegand(e.data, 34);
    expect(r.ok && r.value).toMatchObject({ format: 'wiegand34', facility: 4660, card: 65535, badgeNumber: String(4660 * 65536 + 65535) });
  });
});

describe('Wiegand errors and canonical number', () => {
  it('refuses other lengths and short data', () => {
    expect(decodeWiegandBits(new Array(37).fill(0))).toMatchObject({ ok: false, error: { code: 'WIEGAND_UNSUPPORTED_LENGTH' } });
    expect(decodeWiegand(fromHex('0606c0'), 26)).toMatchObject({ ok: false, error: { code: 'WIEGAND_DATA_TOO_SHORT' } });
  });

  it('canonical badge number is facility*65536+card in decimal', () => {
    expect(canonicalBadgeNumber(0, 1)).toBe('1');
    expect(canonicalBadgeNumber(255, 65535)).toBe('16777215');
  });

  it('property: encode then decode gives the same card; any single flipped bit is caught or changes nothing silently', () => {
    fc.assert(
      fc.property(fc.integer({ min: 0, max: 255 }), fc.integer({ min: 0, max: 65535 }), fc.integer({ min: 0, max: 25 }), (facility, card, flip) => {
        const e = encodeWiegand('wiegand26', facility, card);
        const r = decodeWiegand(e.data, 26);
        expect(r.ok && [r.value.facility, r.value.card]).toEqual([facility, card]);
        const bits = Array.from({ length: 26 }, (_, i) => ((e.data[i >> 3] as number) >> (7 - (i & 7))) & 1);
        bits[flip] = 1 - (bits[flip] as number);
        expect(decodeWiegandBits(bits).ok).toBe(false);
      }),
    );
  });

  it('property: random bits and bytes never throw', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 6 }), fc.integer({ min: 0, max: 64 }), (data, n) => {
        expect(typeof decodeWiegand(data, n).ok).toBe('boolean');
      }),
    );
  });
});
