import { describe, expect, it } from 'vitest';
import { toHex } from '../core/index.ts';
import { EscposDocument } from './document.ts';

const hexOf = (d: EscposDocument): string => {
  const r = d.bytes();
  if (!r.ok) throw new Error(r.error.message);
  return toHex(r.value, ' ');
};

describe('EscposDocument', () => {
  it('starts with ESC @ and ESC t, and a plain line is align-left, text, LF', () => {
    expect(hexOf(new EscposDocument('cp858').line('Bonjour'))).toBe('1b 40 1b 74 13 1b 61 00 42 6f 6e 6a 6f 75 72 0a');
  });

  it('sets a styled line and resets the style after it', () => {
    expect(hexOf(new EscposDocument('cp1252').line('Été', { align: 'center', bold: true, underline: 'thin', width: 2, height: 2 }))).toBe(
      '1b 40 1b 74 10 1b 61 01 1b 45 01 1b 2d 01 1d 21 11 c9 74 e9 0a 1b 45 00 1b 2d 00 1d 21 00',
    );
  });

  it('turns line breaks, tabs and no-break spaces into spaces', () => {
    expect(hexOf(new EscposDocument('cp858').line('a\nb\tc\u00a0d\u202fe')).endsWith('61 20 62 20 63 20 64 20 65 0a')).toBe(true);
  });

  it('lays out label and amount on one line of the paper width, cutting a long label', () => {
    const d = new EscposDocument('cp858').columns('Long label here', '9,99 €', 16);
    expect(d.bytes().ok).toBe(true);
    const r = d.bytes();
    const text = r.ok ? Array.from(r.value.slice(8, -1), (b) => String.fromCharCode(b)).join('') : '';
    // 16 columns: 9 of label, a space, 6 of amount (0xD5 is the euro sign in PC858).
    expect(text).toBe('Long labe 9,99 \u00d5');
  });

  it('lists characters the code page could not print', () => {
    const d = new EscposDocument('cp858').line('cœur → ici');
    expect(d.replaced).toEqual(['œ', '→']);
  });

  it('keeps the first encoding error and returns it from bytes()', () => {
    const d = new EscposDocument('cp858').code128('é').qr('');
    expect(d.bytes()).toMatchObject({ ok: false, error: { code: 'ESCPOS_BARCODE_BAD_DATA' } });
  });
});
