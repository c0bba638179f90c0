import { describe, expect, it } from 'vitest';
import fc from 'fast-check';
import { fromHex } from '../core/index.ts';
import { decodeCommandStep, type EscposCommand } from './command-decoder.ts';
import { EscposDocument } from './document.ts';
import { runDecoder, splitsOf } from './test-helpers.ts';

const decodeAll = (chunks: readonly Uint8Array[]) => runDecoder(chunks, decodeCommandStep);

/** Text may arrive split; join adjacent text commands so splits compare equal. */
function joinText(commands: readonly EscposCommand[]): EscposCommand[] {
  const out: EscposCommand[] = [];
  for (const c of commands) {
    const last = out[out.length - 1];
    if (c.kind === 'text' && last?.kind === 'text') out[out.length - 1] = { kind: 'text', bytes: Uint8Array.from([...last.bytes, ...c.bytes]) };
    else out.push(c);
  }
  return out;
}

describe('ESC/POS command decoder', () => {
  it('reads text up to the next control byte', () => {
    expect(decodeCommandStep(fromHex('41 82 42 0a'))).toEqual({ kind: 'frame', frame: { kind: 'text', bytes: fromHex('418242') }, consumed: 3 });
  });

  it('reads a QR store with its payload', () => {
    expect(decodeCommandStep(fromHex('1d 28 6b 07 00 31 50 30 52 45 53 41'))).toEqual({ kind: 'frame', frame: { kind: 'qr', fn: 0x50, params: fromHex('3052455341') }, consumed: 12 });
  });

  it('reads GS k function A up to its NUL', () => {
    expect(decodeCommandStep(fromHex('1d 6b 04 41 42 00 0a'))).toEqual({ kind: 'frame', frame: { kind: 'barcode', system: 4, data: fromHex('4142') }, consumed: 6 });
  });

  // Epson ESC/POS reference layouts; each fixture ends with a byte of the next command (0a) that must not be taken.
  it.each([
    { name: 'ESC ! 0x38 (bold, double height and width)', hex: '1b2138 0a', frame: { kind: 'print-mode', bold: true, underline: 0, width: 2, height: 2 }, consumed: 3 },
    { name: 'ESC ! 0x80 (underline)', hex: '1b2180 0a', frame: { kind: 'print-mode', bold: false, underline: 1, width: 1, height: 1 }, consumed: 3 },
    { name: 'GS B 1 (invert)', hex: '1d4201 0a', frame: { kind: 'invert', on: true }, consumed: 3 },
    { name: 'ESC J 40 (feed dots)', hex: '1b4a28 0a', frame: { kind: 'feed-dots', n: 40 }, consumed: 3 },
    { name: 'ESC = 0 (deselect)', hex: '1b3d00 0a', frame: { kind: 'select-peripheral', enabled: false }, consumed: 3 },
    { name: 'ESC m (old partial cut)', hex: '1b6d 0a', frame: { kind: 'cut', partial: true }, consumed: 2 },
    { name: 'ESC * 33, 2 dots wide (24-dot band, 6 bytes)', hex: '1b2a210200 ffffffffffff 0a', frame: { kind: 'bit-image', widthDots: 2, heightDots: 24 }, consumed: 11 },
    { name: 'GS v 0, 1 byte x 2 rows', hex: '1d763000 0100 0200 ffff 0a', frame: { kind: 'raster-image', widthDots: 8, heightDots: 2 }, consumed: 10 },
    { name: 'GS ( L fn 112: store 8x2 graphics, double width', hex: '1d284c 0c00 3070 30 02 01 31 0800 0200 ffff 0a', frame: { kind: 'image-store', slot: 'graphics', widthDots: 16, heightDots: 2 }, consumed: 17 },
    { name: 'GS ( L fn 50: print the graphics', hex: '1d284c 0200 3032 0a', frame: { kind: 'image-print', slot: 'graphics' }, consumed: 7 },
    { name: 'GS 8 L fn 112: the same with a 4-byte length', hex: '1d384c 0c000000 3070 30 01 01 31 0800 0200 ffff 0a', frame: { kind: 'image-store', slot: 'graphics', widthDots: 8, heightDots: 2 }, consumed: 19 },
    { name: 'GS * 1 1 (downloaded bit image, 8 bytes)', hex: '1d2a0101 ffffffffffffffff 0a', frame: { kind: 'image-store', slot: 'downloaded', widthDots: 8, heightDots: 8 }, consumed: 12 },
    { name: 'GS / 0 (print it)', hex: '1d2f00 0a', frame: { kind: 'image-print', slot: 'downloaded' }, consumed: 3 },
  ] as const)('decodes $name', ({ hex, frame, consumed }) => {
    expect(decodeCommandStep(fromHex(hex))).toEqual({ kind: 'frame', frame, consumed });
  });

  // Commands that change nothing modelled are skipped whole: their parameter bytes (often printable) never reach the paper.
  it.each([
    { name: 'ESC p 0 50 250 (drawer pulse)', hex: '1b700032fa', length: 5 },
    { name: 'ESC 3 24 (line spacing)', hex: '1b3318', length: 3 },
    { name: 'ESC 2', hex: '1b32', length: 2 },
    { name: 'ESC M 0 (font)', hex: '1b4d00', length: 3 },
    { name: 'ESC 4 1 (italic, clones)', hex: '1b3401', length: 3 },
    { name: 'ESC D tabs NUL', hex: '1b44081000', length: 5 },
    { name: 'ESC & 3 65 65 (one user character, 2 columns)', hex: '1b2603414102' + 'aabbccddeeff', length: 12 },
    { name: 'ESC W (print area, 8 parameters)', hex: '1b57' + '0000000040023002', length: 10 },
    { name: 'ESC ( A pL pH (beeper)', hex: '1b2841 0400 30 41 01 02', length: 9 },
    { name: 'GS h 60 (barcode height)', hex: '1d683c', length: 3 },
    { name: 'GS w 3', hex: '1d7703', length: 3 },
    { name: 'GS H 0 (HRI position)', hex: '1d4800', length: 3 },
    { name: 'GS P 180 180 (motion units)', hex: '1d50b4b4', length: 4 },
    { name: 'GS L 0 0 (left margin)', hex: '1d4c0000', length: 4 },
    { name: 'GS W 64 2 (print width)', hex: '1d574002', length: 4 },
    { name: 'GS ( k cn 48 (PDF417 setting)', hex: '1d286b 0300 3041 00', length: 8 },
    { name: 'FS . (cancel Kanji mode)', hex: '1c2e', length: 2 },
    { name: 'FS ! 0', hex: '1c2100', length: 3 },
    { name: 'FS p 1 0 (print NV image)', hex: '1c700100', length: 4 },
    { name: 'FS q 1 (one NV image, 1x1)', hex: '1c7101 0100 0100' + 'ffffffffffffffff', length: 15 },
    { name: 'FS ( A (Kanji setting)', hex: '1c2841 0200 3000', length: 7 },
  ] as const)('skips $name whole ($length bytes)', ({ hex, length }) => {
    const bytes = fromHex(hex + '41');
    expect(decodeCommandStep(bytes)).toEqual({ kind: 'frame', frame: { kind: 'ignored', bytes: bytes.slice(0, length) }, consumed: length });
    for (let cut = 1; cut < length; cut++) expect(decodeCommandStep(bytes.subarray(0, cut))).toEqual({ kind: 'need-more' });
  });

  it('waits for the rest of a command split anywhere', () => {
    for (const hex of ['1b', '1b45', '1d', '1d21', '1d56', '1d5642', '1d28', '1d286b0700315030', '1d6b', '1d6b49', '1d6b4905', '10', '1004', '1d6b0441', '1b63', '1b6333']) {
      expect(decodeCommandStep(fromHex(hex))).toEqual({ kind: 'need-more' });
    }
  });

  it.each([
    { name: 'unknown ESC command', hex: '1b 99 00', code: 'ESCPOS_CMD_UNKNOWN', skip: 2 },
    { name: 'unknown GS command', hex: '1d 01 00', code: 'ESCPOS_CMD_UNKNOWN', skip: 2 },
    { name: 'unknown DLE command', hex: '10 30', code: 'ESCPOS_CMD_UNKNOWN', skip: 2 },
    { name: 'unknown FS command', hex: '1c 99 00', code: 'ESCPOS_CMD_UNKNOWN', skip: 2 },
    { name: 'unknown GS v function', hex: '1d 76 31 00 01 00 01 00', code: 'ESCPOS_CMD_UNKNOWN', skip: 2 },
    { name: 'ESC * with a bad mode', hex: '1b 2a 05 01 00', code: 'ESCPOS_CMD_BAD_PARAM', skip: 3 },
    { name: 'ESC a out of range', hex: '1b 61 07', code: 'ESCPOS_CMD_BAD_PARAM', skip: 3 },
    { name: 'ESC - out of range', hex: '1b 2d 09', code: 'ESCPOS_CMD_BAD_PARAM', skip: 3 },
    { name: 'GS ! above 8x', hex: '1d 21 80', code: 'ESCPOS_CMD_BAD_PARAM', skip: 3 },
    { name: 'GS V unknown mode', hex: '1d 56 07', code: 'ESCPOS_CMD_BAD_PARAM', skip: 3 },
    { name: 'GS ( with an absurd length', hex: '1d 28 6b ff ff', code: 'ESCPOS_CMD_BAD_PARAM', skip: 3 },
    { name: 'GS k unknown system', hex: '1d 6b 20', code: 'ESCPOS_CMD_BAD_PARAM', skip: 3 },
    { name: 'DLE EOT 9', hex: '10 04 09', code: 'ESCPOS_CMD_BAD_PARAM', skip: 3 },
    { name: 'stray control byte', hex: '07', code: 'ESCPOS_CMD_BAD_CONTROL', skip: 1 },
  ] as const)('$name is $code, skip $skip', ({ hex, code, skip }) => {
    expect(decodeCommandStep(fromHex(hex))).toMatchObject({ kind: 'bad', code, skip });
  });

  it('GS k function A without NUL in 255 bytes is ESCPOS_CMD_BAD_PARAM', () => {
    const b = new Uint8Array(3 + 256).fill(0x41);
    b.set([0x1d, 0x6b, 0x04]);
    expect(decodeCommandStep(b)).toMatchObject({ kind: 'bad', code: 'ESCPOS_CMD_BAD_PARAM', skip: 3 });
  });

  it('decodes a whole ticket the same at every split point', () => {
    const doc = new EscposDocument('cp858').line('Piscine Élan', { align: 'center', bold: true, width: 2, height: 2 }).line('Entrée 1 jour').qr('DP:123').code128('L-042').cut().bytes();
    if (!doc.ok) throw new Error(doc.error.message);
    const whole = decodeAll([doc.value]);
    expect(whole.errors).toEqual([]);
    expect(whole.rest.length).toBe(0);
    expect(whole.frames.filter((c) => c.kind === 'qr').map((c) => c.fn)).toEqual([0x41, 0x43, 0x45, 0x50, 0x51]);
    for (const chunks of splitsOf(doc.value)) {
      const r = decodeAll(chunks);
      expect(joinText(r.frames)).toEqual(joinText(whole.frames));
      expect(r.errors).toEqual([]);
    }
  });

  it('random bytes in random chunks never throw or hang', () => {
    fc.assert(
      fc.property(fc.array(fc.uint8Array({ maxLength: 64 }), { maxLength: 16 }), (chunks) => {
        const r = decodeAll(chunks);
        expect(r.rest.length).toBeLessThanOrEqual(chunks.reduce((n, c) => n + c.length, 0));
      }),
      { numRuns: 3000 },
    );
  });

  it('random command-shaped bytes (ESC/GS/DLE heavy) never throw or hang', () => {
    const byte = fc.oneof(fc.constantFrom(0x1b, 0x1d, 0x10, 0x04, 0x28, 0x6b, 0x56, 0x00, 0xff, 0x0a), fc.integer({ min: 0, max: 255 }));
    fc.assert(
      fc.property(fc.array(byte, { maxLength: 300 }), (bytes) => {
        decodeAll([Uint8Array.from(bytes)]);
      }),
      { numRuns: 3000 },
    );
  });
});
