import { err, ok, type Result } from '../core/index.ts';
import { CODE_PAGE_NUMBER, type CodePage } from './codepage.ts';
import { escposError, type EscposError } from './errors.ts';

/** ESC/POS command encoders (Epson ESC/POS reference; facts in HARDWARE.md). Pure. */
export const ESC = 0x1b;
export const GS = 0x1d;
export const DLE = 0x10;
export const FS = 0x1c;
export const EOT = 0x04;
export const LF = 0x0a;

export type Alignment = 'left' | 'center' | 'right';
export type Underline = 'off' | 'thin' | 'thick';
/** Character magnification, 1 (normal) to 8. */
export type Magnification = 1 | 2 | 3 | 4 | 5 | 6 | 7 | 8;
export type QrErrorCorrection = 'L' | 'M' | 'Q' | 'H';
/** DLE EOT n: 1 printer, 2 offline cause, 3 error cause, 4 roll paper sensor. */
export type RealtimeStatusKind = 'printer' | 'offline-cause' | 'error-cause' | 'paper';

const ALIGN: Readonly<Record<Alignment, number>> = { left: 0, center: 1, right: 2 };
const UNDERLINE: Readonly<Record<Underline, number>> = { off: 0, thin: 1, thick: 2 };
const QR_EC: Readonly<Record<QrErrorCorrection, number>> = { L: 48, M: 49, Q: 50, H: 51 };
export const REALTIME_STATUS_N: Readonly<Record<RealtimeStatusKind, number>> = { printer: 1, 'offline-cause': 2, 'error-cause': 3, paper: 4 };

/** Largest QR payload in byte mode (version 40, level L). */
export const QR_MAX_BYTES = 7089;
/** GS k m=73 carries its length in one byte that also counts the 2-byte code-set prefix. */
export const CODE128_MAX_CHARS = 253;

/** ESC @: clears the print buffer and resets every mode to its power-on default. */
export const initialize = (): Uint8Array => Uint8Array.of(ESC, 0x40);
/** ESC E n: emphasized (bold) on or off. */
export const bold = (on: boolean): Uint8Array => Uint8Array.of(ESC, 0x45, on ? 1 : 0);
/** ESC - n: underline off, 1-dot or 2-dot. */
export const underline = (mode: Underline): Uint8Array => Uint8Array.of(ESC, 0x2d, UNDERLINE[mode]);
/** ESC a n: justification of the following lines. */
export const align = (a: Alignment): Uint8Array => Uint8Array.of(ESC, 0x61, ALIGN[a]);
/** GS ! n: width magnification in the high nibble, height in the low nibble (each minus one). */
export const characterSize = (width: Magnification, height: Magnification): Uint8Array => Uint8Array.of(GS, 0x21, ((width - 1) << 4) | (height - 1));
/** ESC t n: character code table. */
export const codePage = (page: CodePage): Uint8Array => Uint8Array.of(ESC, 0x74, CODE_PAGE_NUMBER[page]);
/** ESC d n: prints the buffer and feeds n lines (0-255, clamped). */
export const feedLines = (n: number): Uint8Array => Uint8Array.of(ESC, 0x64, clampByte(n));
export const lineFeed = (): Uint8Array => Uint8Array.of(LF);

/** GS V 66 n (feed n dots then partial cut) or GS V 65 n (full cut); GS V 0/1 without feed. */
export function cut(options: { partial?: boolean; feedDots?: number } = {}): Uint8Array {
  const partial = options.partial ?? true;
  if (options.feedDots === undefined) return Uint8Array.of(GS, 0x56, partial ? 1 : 0);
  return Uint8Array.of(GS, 0x56, partial ? 66 : 65, clampByte(options.feedDots));
}

/** DLE EOT n: real-time status request; the printer answers one byte even when offline. */
export const realtimeStatusRequest = (kind: RealtimeStatusKind): Uint8Array => Uint8Array.of(DLE, EOT, REALTIME_STATUS_N[kind]);
/**
 * GS r 1: paper sensor status. Not real-time: the printer answers after everything sent
 * before it was processed, which makes it the "job printed" confirmation.
 */
export const paperSensorStatusRequest = (): Uint8Array => Uint8Array.of(GS, 0x72, 1);
/** GS a n: automatic status back; n is the event mask (0 disables, 0xFF: everything). */
export const automaticStatusBack = (mask: number): Uint8Array => Uint8Array.of(GS, 0x61, clampByte(mask));

function qrFunction(fn: number, params: readonly number[]): Uint8Array {
  const len = params.length + 2;
  return Uint8Array.of(GS, 0x28, 0x6b, len & 0xff, len >> 8, 0x31, fn, ...params);
}

/**
 * A whole QR code: model 2 (function 165), module size (167), error correction (169),
 * store data (180, pL pH = length + 3), print (181).
 */
export function qrCode(data: Uint8Array, options: { moduleSize?: number; errorCorrection?: QrErrorCorrection } = {}): Result<Uint8Array, EscposError> {
  if (data.length === 0) return err(escposError('ESCPOS_QR_EMPTY', 'QR data is empty'));
  if (data.length > QR_MAX_BYTES) return err(escposError('ESCPOS_QR_TOO_LONG', `QR data is ${data.length} bytes, at most ${QR_MAX_BYTES}`, { length: data.length }));
  const moduleSize = Math.min(16, Math.max(1, Math.round(options.moduleSize ?? 6)));
  const storeLen = data.length + 3;
  const store = new Uint8Array(8 + data.length);
  store.set([GS, 0x28, 0x6b, storeLen & 0xff, storeLen >> 8, 0x31, 0x50, 0x30]);
  store.set(data, 8);
  return ok(
    concat([
      qrFunction(0x41, [0x32, 0x00]),
      qrFunction(0x43, [moduleSize]),
      qrFunction(0x45, [QR_EC[options.errorCorrection ?? 'M']]),
      store,
      qrFunction(0x51, [0x30]),
    ]),
  );
}

/**
 * CODE128 (GS k 73 n) in code set B, with HRI text below (GS H 2), height in dots (GS h)
 * and module width (GS w). Data must be printable ASCII.
 */
export function code128(data: string, options: { heightDots?: number; moduleWidth?: 2 | 3 | 4 | 5 | 6 } = {}): Result<Uint8Array, EscposError> {
  if (data.length === 0 || data.length > CODE128_MAX_CHARS) {
    return err(escposError('ESCPOS_BARCODE_BAD_LENGTH', `CODE128 data must be 1..${CODE128_MAX_CHARS} characters, got ${data.length}`, { length: data.length }));
  }
  const bytes: number[] = [];
  for (let i = 0; i < data.length; i++) {
    const c = data.charCodeAt(i);
    if (c < 0x20 || c > 0x7e) return err(escposError('ESCPOS_BARCODE_BAD_DATA', `CODE128 set B cannot carry character code ${c} at ${i}`, { index: i, code: c }));
    bytes.push(c);
  }
  return ok(
    Uint8Array.of(
      GS, 0x48, 2,
      GS, 0x68, clampByte(options.heightDots ?? 80) || 1,
      GS, 0x77, options.moduleWidth ?? 2,
      GS, 0x6b, 73, bytes.length + 2, 0x7b, 0x42, ...bytes,
    ),
  );
}

export function concat(parts: readonly Uint8Array[]): Uint8Array {
  let n = 0;
  for (const p of parts) n += p.length;
  const out = new Uint8Array(n);
  let off = 0;
  for (const p of parts) {
    out.set(p, off);
    off += p.length;
  }
  return out;
}

function clampByte(n: number): number {
  return Number.isFinite(n) ? Math.min(255, Math.max(0, Math.round(n))) : 0;
}
