import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { normaliseBadge, type BadgeNotation, type CredentialErrorCode } from './credential.ts';
import { decodeWiegand, encodeWiegand } from './wiegand.ts';

// One physical card, tag 0x00BC614E = 12345678 (facility 188, card 24910), version byte 0x01,
// in every notation readers, cards and exports use.
const sameCard: { text: string; notation: BadgeNotation }[] = [
  { text: '12345678', notation: 'decimal' },
  { text: '0012345678', notation: 'decimal' },
  { text: ' 0012345678 ', notation: 'decimal' },
  { text: '00BC614E', notation: 'hex' },
  { text: 'bc614e', notation: 'hex' },
  { text: '0xBC614E', notation: 'hex' },
  { text: '0X00bc614e', notation: 'hex' },
  { text: '0100BC614E', notation: 'em4100-hex' },
  { text: '0x0100BC614E', notation: 'em4100-hex' },
  { text: '188:24910', notation: 'wiegand' },
  { text: '188,24910', notation: 'wiegand' },
  { text: '188, 24910', notation: 'wiegand' },
  { text: '0188:024910', notation: 'wiegand' },
];

describe('badge normalisation', () => {
  for (const c of sameCard) {
    it(`reads ${JSON.stringify(c.text)} as card 12345678 (${c.notation})`, () => {
      expect(normaliseBadge(c.text)).toEqual({ ok: true, value: { number: '12345678', notation: c.notation } });
    });
  }

  const values: [string, string][] = [
    ['0', '0'],
    ['0000000000', '0'],
    ['4294967295', '4294967295'],
    ['0xFFFFFFFF', '4294967295'],
    ['FFFFFFFFFF', '4294967295'],
    ['1AFFFFFFFF', '4294967295'],
    ['65535:65535', '4294967295'],
    ['0:1', '1'],
    ['0x0', '0'],
    ['a', '10'],
  ];
  for (const [text, number] of values) {
    it(`reads ${JSON.stringify(text)} as ${number}`, () => {
      const r = normaliseBadge(text);
      expect(r.ok && r.value.number).toBe(number);
    });
  }

  const errors: [string, CredentialErrorCode][] = [
    ['', 'CREDENTIAL_EMPTY'],
    ['   ', 'CREDENTIAL_EMPTY'],
    ['12 34', 'CREDENTIAL_INVALID_CHARS'],
    ['12345G', 'CREDENTIAL_INVALID_CHARS'],
    ['0xZZ', 'CREDENTIAL_INVALID_CHARS'],
    ['0x', 'CREDENTIAL_BAD_HEX_LENGTH'],
    ['-5', 'CREDENTIAL_INVALID_CHARS'],
    ['https://example.org/qr', 'CREDENTIAL_WIEGAND_OUT_OF_RANGE'],
    ['0x123456789', 'CREDENTIAL_BAD_HEX_LENGTH'],
    ['ABCDEF123456', 'CREDENTIAL_BAD_HEX_LENGTH'],
    ['4294967296', 'CREDENTIAL_OUT_OF_RANGE'],
    ['99999999999', 'CREDENTIAL_OUT_OF_RANGE'],
    ['1'.repeat(65), 'CREDENTIAL_OUT_OF_RANGE'],
    ['65536:1', 'CREDENTIAL_WIEGAND_OUT_OF_RANGE'],
    ['1:65536', 'CREDENTIAL_WIEGAND_OUT_OF_RANGE'],
    ['1:', 'CREDENTIAL_WIEGAND_OUT_OF_RANGE'],
    ['1:2:3', 'CREDENTIAL_WIEGAND_OUT_OF_RANGE'],
    ['a:b', 'CREDENTIAL_WIEGAND_OUT_OF_RANGE'],
  ];
  for (const [text, code] of errors) {
    it(`rejects ${JSON.stringify(text)} with ${code}`, () => {
      const r = normaliseBadge(text);
      expect(r.ok).toBe(false);
      if (!r.ok) {
        expect(r.error.code).toBe(code);
        expect(r.error.message.length).toBeGreaterThan(0);
      }
    });
  }

  it('maps any 32-bit card to the same number from decimal, hex, EM4100 and (for 24-bit cards) Wiegand', () => {
    fc.assert(
      fc.property(fc.nat(0xffffffff), fc.nat(0xff), (value, version) => {
        const hex8 = value.toString(16).padStart(8, '0');
        const em = version.toString(16).padStart(2, '0') + hex8;
        const expected = String(value);
        // A 10-hex EM4100 id made only of digits reads as decimal unless prefixed: that is the rule.
        const texts = [String(value).padStart(10, '0'), `0x${hex8}`, `0x${em}`, ...(/[a-f]/.test(em) ? [em] : [])];
        for (const text of texts) expect(normaliseBadge(text)).toMatchObject({ ok: true, value: { number: expected } });
        if (value <= 0xffffff) expect(normaliseBadge(`${value >>> 16}:${value & 0xffff}`)).toMatchObject({ ok: true, value: { number: expected } });
      }),
    );
  });

  it('gives a card read over Wiegand (26 or 34 bits) the number its printed fac:card normalises to', () => {
    fc.assert(
      fc.property(fc.boolean(), fc.nat(0xffff), fc.nat(0xffff), (w34, facility, card) => {
        const fac = w34 ? facility : facility & 0xff;
        const wire = encodeWiegand(w34 ? 'wiegand34' : 'wiegand26', fac, card);
        const read = decodeWiegand(wire.data, wire.bitCount);
        const printed = normaliseBadge(`${fac}:${card}`);
        expect(read.ok && printed.ok && read.value.badgeNumber === printed.value.number).toBe(true);
      }),
    );
  });

  it('never throws on arbitrary text', () => {
    fc.assert(fc.property(fc.string({ maxLength: 80 }), (text) => void normaliseBadge(text)));
  });
});
