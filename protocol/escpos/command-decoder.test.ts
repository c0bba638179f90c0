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

  it('waits for the rest of a command split anywhere', () => {
    for (const hex of ['1b', '1b45', '1d', '1d21', '1d56', '1d5642', '1d28', '1d286b0700315030', '1d6b', '1d6b49', '1d6b4905', '10', '1004', '1d6b0441', '1b63', '1b6333']) {
      expect(decodeCommandStep(fromHex(hex))).toEqual({ kind: 'need-more' });
    }
  });

  it.each([
    { name: 'unknown ESC command', hex: '1b 99 00', code: 'ESCPOS_CMD_UNKNOWN', skip: 2 },
    { name: 'unknown GS command', hex: '1d 01 00', code: 'ESCPOS_CMD_UNKNOWN', skip: 2 },
    { name: 'unknown DLE command', hex: '10 30', code: 'ESCPOS_CMD_UNKNOWN', skip: 2 },
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
