import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { toHex } from '../core/index.ts';
import { codePageFromNumber, decodeByte, encodeText, type CodePage } from './codepage.ts';

// Bytes from the IBM PC858, PC437 and Microsoft cp1252 tables (also Python's cp858/cp437/cp1252 codecs).
const FIXTURES: readonly { page: CodePage; text: string; hex: string }[] = [
  { page: 'cp858', text: 'é', hex: '82' },
  { page: 'cp858', text: 'è', hex: '8a' },
  { page: 'cp858', text: 'à', hex: '85' },
  { page: 'cp858', text: 'ç', hex: '87' },
  { page: 'cp858', text: 'ù', hex: '97' },
  { page: 'cp858', text: 'ê', hex: '88' },
  { page: 'cp858', text: 'ô', hex: '93' },
  { page: 'cp858', text: 'É', hex: '90' },
  { page: 'cp858', text: 'À', hex: 'b7' },
  { page: 'cp858', text: '€', hex: 'd5' },
  { page: 'cp858', text: '°', hex: 'f8' },
  { page: 'cp1252', text: 'é', hex: 'e9' },
  { page: 'cp1252', text: 'è', hex: 'e8' },
  { page: 'cp1252', text: 'à', hex: 'e0' },
  { page: 'cp1252', text: 'ç', hex: 'e7' },
  { page: 'cp1252', text: 'ù', hex: 'f9' },
  { page: 'cp1252', text: '€', hex: '80' },
  { page: 'cp1252', text: 'œ', hex: '9c' },
  { page: 'cp1252', text: 'Œ', hex: '8c' },
  { page: 'cp858', text: 'Entrée 12,50 €', hex: '456e747282652031322c353020d5' },
  { page: 'cp437', text: 'é', hex: '82' },
  { page: 'cp437', text: '─', hex: 'c4' },
  { page: 'cp437', text: '£', hex: '9c' },
  { page: 'cp437', text: '½', hex: 'ab' },
];

describe('code pages', () => {
  it.each(FIXTURES)('$page encodes "$text" as $hex and decodes it back', ({ page, text, hex }) => {
    const { bytes, replaced } = encodeText(text, page);
    expect(toHex(bytes)).toBe(hex);
    expect(replaced).toEqual([]);
    expect([...bytes].map((b) => decodeByte(b, page)).join('')).toBe(text);
  });

  it('falls back to a look-alike, then the base letter, then "?", and says so', () => {
    expect(encodeText('cœur', 'cp858')).toEqual({ bytes: new TextEncoder().encode('coeur'), replaced: ['œ'] });
    expect(encodeText('l’été', 'cp858').bytes).toEqual(Uint8Array.of(0x6c, 0x27, 0x82, 0x74, 0x82));
    expect(encodeText('ŵ', 'cp858')).toEqual({ bytes: Uint8Array.of(0x77), replaced: ['ŵ'] });
    expect(encodeText('→', 'cp1252')).toEqual({ bytes: Uint8Array.of(0x3f), replaced: ['→'] });
  });

  it('composes decomposed accents before encoding', () => {
    expect(encodeText('e\u0301', 'cp858').bytes).toEqual(Uint8Array.of(0x82));
  });

  it('maps ESC t numbers to pages', () => {
    expect(codePageFromNumber(19)).toBe('cp858');
    expect(codePageFromNumber(16)).toBe('cp1252');
    expect(codePageFromNumber(0)).toBe('cp437');
    expect(codePageFromNumber(2)).toBeUndefined();
  });

  it('every byte 0x80-0xFF of a page round-trips through decode and encode', () => {
    for (const page of ['cp858', 'cp1252'] as const) {
      for (let b = 0x80; b <= 0xff; b++) {
        const ch = decodeByte(b, page);
        if (ch === '\ufffd') continue;
        expect(encodeText(ch, page).bytes).toEqual(Uint8Array.of(b));
      }
    }
  });

  it('never throws and never emits a control byte, whatever the text', () => {
    fc.assert(
      fc.property(fc.string({ unit: 'grapheme', maxLength: 40 }), fc.constantFrom<CodePage>('cp858', 'cp1252'), (s, page) => {
        const { bytes } = encodeText([...s].filter((c) => c >= ' ' && c !== '\u007f').join(''), page);
        expect(bytes.every((b) => b >= 0x20)).toBe(true);
      }),
    );
  });
});
