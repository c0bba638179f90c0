import type { DecodeStep } from '../core/index.ts';
import { NEED_MORE as LENGTH_NEEDS_MORE, paren16, paren32, skipLength, UNKNOWN } from './command-lengths.ts';
import { DLE, ESC, FS, GS, QR_MAX_BYTES } from './commands.ts';
import type { EscposErrorCode } from './errors.ts';

/**
 * Streaming decoder of the ESC/POS byte stream a host sends to a printer: what the
 * simulator runs, and what the encoder's round-trip tests decode. Pure; never throws.
 * Commands that change nothing modelled are skipped whole by their length rule
 * (command-lengths.ts); commands outside Epson's set are reported with
 * ESCPOS_CMD_UNKNOWN and skipped by their two leading bytes, as Epson printers do.
 */
export type EscposCommand =
  /** Printable bytes (0x20-0xFF) up to the next control byte; may be split across steps. */
  | { readonly kind: 'text'; readonly bytes: Uint8Array }
  | { readonly kind: 'line-feed' }
  | { readonly kind: 'carriage-return' }
  | { readonly kind: 'init' }
  | { readonly kind: 'bold'; readonly on: boolean }
  | { readonly kind: 'underline'; readonly dots: 0 | 1 | 2 }
  | { readonly kind: 'align'; readonly align: 'left' | 'center' | 'right' }
  | { readonly kind: 'size'; readonly width: number; readonly height: number }
  /** ESC ! n: bold (bit 3), double height (bit 4), double width (bit 5), underline (bit 7) at once. */
  | { readonly kind: 'print-mode'; readonly bold: boolean; readonly underline: 0 | 1; readonly width: 1 | 2; readonly height: 1 | 2 }
  /** GS B n: white on black. */
  | { readonly kind: 'invert'; readonly on: boolean }
  | { readonly kind: 'code-page'; readonly n: number }
  | { readonly kind: 'feed-lines'; readonly n: number }
  /** ESC J n: print the line and feed n dots. */
  | { readonly kind: 'feed-dots'; readonly n: number }
  | { readonly kind: 'cut'; readonly partial: boolean; readonly feedDots?: number }
  /** ESC = n: the printer takes data (bit 0 set) or ignores everything but real-time commands. */
  | { readonly kind: 'select-peripheral'; readonly enabled: boolean }
  /** GS ( k, cn = 49 (QR): fn and the bytes after it. */
  | { readonly kind: 'qr'; readonly fn: number; readonly params: Uint8Array }
  | { readonly kind: 'barcode'; readonly system: number; readonly data: Uint8Array }
  /** GS v 0: a raster image printed at once. */
  | { readonly kind: 'raster-image'; readonly widthDots: number; readonly heightDots: number }
  /** ESC *: one band (8 or 24 dots high) of a bit image, set in the line being built. */
  | { readonly kind: 'bit-image'; readonly widthDots: number; readonly heightDots: number }
  /** GS ( L / GS 8 L fn 112 (graphics) and GS * (downloaded bit image): an image kept for a later print. */
  | { readonly kind: 'image-store'; readonly slot: 'graphics' | 'downloaded'; readonly widthDots: number; readonly heightDots: number }
  /** GS ( L / GS 8 L fn 50 or 2 (graphics) and GS / (downloaded bit image): print the kept image. */
  | { readonly kind: 'image-print'; readonly slot: 'graphics' | 'downloaded' }
  | { readonly kind: 'realtime-status'; readonly n: number }
  | { readonly kind: 'paper-sensor-status'; readonly n: number }
  | { readonly kind: 'automatic-status-back'; readonly mask: number }
  /** A known command that changes nothing this decoder models (line spacing, fonts, drawer...), skipped whole by its length rule. */
  | { readonly kind: 'ignored'; readonly bytes: Uint8Array };

export type CommandDecodeCode = Extract<EscposErrorCode, 'ESCPOS_CMD_UNKNOWN' | 'ESCPOS_CMD_BAD_PARAM' | 'ESCPOS_CMD_BAD_CONTROL'>;
type Step = DecodeStep<EscposCommand, CommandDecodeCode>;

const frame = (command: EscposCommand, consumed: number): Step => ({ kind: 'frame', frame: command, consumed });
const bad = (code: CommandDecodeCode, skip: number, message: string): Step => ({ kind: 'bad', code, skip, message });
const NEED_MORE: Step = { kind: 'need-more' };

export function decodeCommandStep(buf: Uint8Array): Step {
  const b0 = buf[0];
  if (b0 === undefined) return NEED_MORE;
  if (b0 >= 0x20) {
    let end = 1;
    while (end < buf.length && (buf[end] as number) >= 0x20) end++;
    return frame({ kind: 'text', bytes: buf.slice(0, end) }, end);
  }
  switch (b0) {
    case 0x0a:
      return frame({ kind: 'line-feed' }, 1);
    case 0x0d:
      return frame({ kind: 'carriage-return' }, 1);
    case 0x09:
    case 0x0c:
    case 0x18:
      return frame({ kind: 'ignored', bytes: buf.slice(0, 1) }, 1);
    case ESC:
      return decodeEsc(buf);
    case GS:
      return decodeGs(buf);
    case DLE:
      return decodeDle(buf);
    case FS:
      return skipByLength(buf);
    default:
      return bad('ESCPOS_CMD_BAD_CONTROL', 1, `control byte 0x${hex(b0)} starts no command`);
  }
}

function decodeEsc(buf: Uint8Array): Step {
  const c = buf[1];
  if (c === undefined) return NEED_MORE;
  if (c === 0x40) return frame({ kind: 'init' }, 2);
  // ESC i / ESC m: the obsolete one-byte cuts (full, partial) that old drivers still send.
  if (c === 0x69 || c === 0x6d) return frame({ kind: 'cut', partial: c === 0x6d }, 2);
  if (c === 0x2a) return decodeBitImage(buf);
  if (![0x21, 0x2d, 0x3d, 0x45, 0x4a, 0x61, 0x64, 0x74].includes(c)) return skipByLength(buf);
  const n = buf[2];
  if (n === undefined) return NEED_MORE;
  switch (c) {
    case 0x21:
      return frame({ kind: 'print-mode', bold: (n & 0x08) !== 0, underline: n & 0x80 ? 1 : 0, width: n & 0x20 ? 2 : 1, height: n & 0x10 ? 2 : 1 }, 3);
    case 0x45:
      return frame({ kind: 'bold', on: (n & 1) === 1 }, 3);
    case 0x2d: {
      const dots = n === 0 || n === 48 ? 0 : n === 1 || n === 49 ? 1 : n === 2 || n === 50 ? 2 : undefined;
      return dots === undefined ? bad('ESCPOS_CMD_BAD_PARAM', 3, `ESC - ${n}: underline must be 0-2 or 48-50`) : frame({ kind: 'underline', dots }, 3);
    }
    case 0x61: {
      const a = n === 0 || n === 48 ? 'left' : n === 1 || n === 49 ? 'center' : n === 2 || n === 50 ? 'right' : undefined;
      return a === undefined ? bad('ESCPOS_CMD_BAD_PARAM', 3, `ESC a ${n}: justification must be 0-2 or 48-50`) : frame({ kind: 'align', align: a }, 3);
    }
    case 0x3d:
      return frame({ kind: 'select-peripheral', enabled: (n & 1) === 1 }, 3);
    case 0x4a:
      return frame({ kind: 'feed-dots', n }, 3);
    case 0x74:
      return frame({ kind: 'code-page', n }, 3);
    default:
      return frame({ kind: 'feed-lines', n }, 3);
  }
}

/** ESC * m nL nH d1...dk: a band n dots wide, 8 dots high (m 0, 1: k = n) or 24 (m 32, 33: k = 3n). */
function decodeBitImage(buf: Uint8Array): Step {
  if (buf.length < 5) return NEED_MORE;
  const m = buf[2] as number;
  const width = (buf[3] as number) | ((buf[4] as number) << 8);
  const rows = m === 0 || m === 1 ? 1 : m === 32 || m === 33 ? 3 : 0;
  if (rows === 0) return bad('ESCPOS_CMD_BAD_PARAM', 3, `ESC * ${m}: bit image mode must be 0, 1, 32 or 33`);
  const length = 5 + width * rows;
  return buf.length < length ? NEED_MORE : frame({ kind: 'bit-image', widthDots: width, heightDots: rows * 8 }, length);
}

function skipByLength(buf: Uint8Array): Step {
  const length = skipLength(buf);
  if (length === LENGTH_NEEDS_MORE) return NEED_MORE;
  if (length === UNKNOWN) return bad('ESCPOS_CMD_UNKNOWN', 2, `unknown command ${PREFIX_NAME[buf[0] as number] ?? '?'} 0x${hex(buf[1] as number)}`);
  return buf.length < length ? NEED_MORE : frame({ kind: 'ignored', bytes: buf.slice(0, length) }, length);
}

const PREFIX_NAME: Readonly<Record<number, string>> = { [ESC]: 'ESC', [GS]: 'GS', [FS]: 'FS' };

function decodeGs(buf: Uint8Array): Step {
  const c = buf[1];
  if (c === undefined) return NEED_MORE;
  switch (c) {
    case 0x21: {
      const n = buf[2];
      if (n === undefined) return NEED_MORE;
      const width = (n >> 4) + 1;
      const height = (n & 0x0f) + 1;
      return width > 8 || height > 8 ? bad('ESCPOS_CMD_BAD_PARAM', 3, `GS ! 0x${hex(n)}: magnification above 8`) : frame({ kind: 'size', width, height }, 3);
    }
    case 0x42: {
      const n = buf[2];
      return n === undefined ? NEED_MORE : frame({ kind: 'invert', on: (n & 1) === 1 }, 3);
    }
    case 0x56:
      return decodeCut(buf);
    case 0x28:
      return decodeGsParen(buf);
    case 0x38:
      return buf[2] === 0x4c ? decodeGraphics(buf, paren32(buf), 7) : skipByLength(buf);
    case 0x2a: {
      const length = skipLength(buf);
      if (length === LENGTH_NEEDS_MORE || buf.length < length) return NEED_MORE;
      return frame({ kind: 'image-store', slot: 'downloaded', widthDots: (buf[2] as number) * 8, heightDots: (buf[3] as number) * 8 }, length);
    }
    case 0x2f:
      return buf.length < 3 ? NEED_MORE : frame({ kind: 'image-print', slot: 'downloaded' }, 3);
    case 0x6b:
      return decodeBarcode(buf);
    case 0x76:
      return decodeRaster(buf);
    case 0x72:
    case 0x61: {
      const n = buf[2];
      if (n === undefined) return NEED_MORE;
      return c === 0x72 ? frame({ kind: 'paper-sensor-status', n }, 3) : frame({ kind: 'automatic-status-back', mask: n }, 3);
    }
    default:
      return skipByLength(buf);
  }
}

/** GS v 0 m xL xH yL yH d1...dk: x bytes (8x dots) wide, y dots high, k = x * y. */
function decodeRaster(buf: Uint8Array): Step {
  if (buf.length < 8) return NEED_MORE;
  if (buf[2] !== 0x30) return bad('ESCPOS_CMD_UNKNOWN', 2, `unknown command GS v 0x${hex(buf[2] as number)}`);
  const x = (buf[4] as number) | ((buf[5] as number) << 8);
  const y = (buf[6] as number) | ((buf[7] as number) << 8);
  const length = 8 + x * y;
  return buf.length < length ? NEED_MORE : frame({ kind: 'raster-image', widthDots: x * 8, heightDots: y }, length);
}

/**
 * GS ( L / GS 8 L, the graphics commands: m fn at `body`. fn 112 stores raster graphics
 * (a bx by c xL xH yL yH data, printed bx and by times larger), fn 50 or 2 prints them;
 * every other function is skipped whole.
 */
function decodeGraphics(buf: Uint8Array, length: number, body: number): Step {
  if (length === LENGTH_NEEDS_MORE || buf.length < length) return NEED_MORE;
  const fn = buf[body + 1];
  if (fn === 112 && length >= body + 10) {
    const scale = (i: number) => Math.max(1, Math.min(2, buf[body + i] as number));
    const x = (buf[body + 6] as number) | ((buf[body + 7] as number) << 8);
    const y = (buf[body + 8] as number) | ((buf[body + 9] as number) << 8);
    return frame({ kind: 'image-store', slot: 'graphics', widthDots: x * scale(3), heightDots: y * scale(4) }, length);
  }
  if (fn === 50 || fn === 2) return frame({ kind: 'image-print', slot: 'graphics' }, length);
  return frame({ kind: 'ignored', bytes: buf.slice(0, length) }, length);
}

function decodeCut(buf: Uint8Array): Step {
  const m = buf[2];
  if (m === undefined) return NEED_MORE;
  if (m === 0 || m === 48) return frame({ kind: 'cut', partial: false }, 3);
  if (m === 1 || m === 49) return frame({ kind: 'cut', partial: true }, 3);
  if (m === 65 || m === 66) {
    const n = buf[3];
    return n === undefined ? NEED_MORE : frame({ kind: 'cut', partial: m === 66, feedDots: n }, 4);
  }
  return bad('ESCPOS_CMD_BAD_PARAM', 3, `GS V ${m}: cut mode must be 0, 1, 48, 49, 65 or 66`);
}

function decodeGsParen(buf: Uint8Array): Step {
  if (buf.length < 5) return NEED_MORE;
  const fnClass = buf[2] as number;
  const len = (buf[3] as number) | ((buf[4] as number) << 8);
  if (fnClass === 0x4c) return decodeGraphics(buf, paren16(buf), 5);
  // A 2D code (GS ( k) holds at most QR_MAX_BYTES + 3; anything longer is garbage, not a reason to swallow 64 KiB.
  if (fnClass === 0x6b && len > QR_MAX_BYTES + 3) return bad('ESCPOS_CMD_BAD_PARAM', 3, `GS ( k with parameter length ${len}`);
  if (buf.length < 5 + len) return NEED_MORE;
  const body = buf.slice(5, 5 + len);
  if (fnClass === 0x6b && body[0] === 0x31 && body.length >= 2) return frame({ kind: 'qr', fn: body[1] as number, params: body.slice(2) }, 5 + len);
  return frame({ kind: 'ignored', bytes: buf.slice(0, 5 + len) }, 5 + len);
}

function decodeBarcode(buf: Uint8Array): Step {
  const m = buf[2];
  if (m === undefined) return NEED_MORE;
  if (m <= 6) {
    // Function A: data up to a NUL. A printer would stop at 255 bytes; so does this.
    for (let i = 3; i < buf.length && i < 3 + 256; i++) {
      if (buf[i] === 0) return frame({ kind: 'barcode', system: m, data: buf.slice(3, i) }, i + 1);
    }
    return buf.length >= 3 + 256 ? bad('ESCPOS_CMD_BAD_PARAM', 3, 'GS k (function A): no NUL within 255 bytes') : NEED_MORE;
  }
  if (m >= 65 && m <= 79) {
    const n = buf[3];
    if (n === undefined) return NEED_MORE;
    if (buf.length < 4 + n) return NEED_MORE;
    return frame({ kind: 'barcode', system: m, data: buf.slice(4, 4 + n) }, 4 + n);
  }
  return bad('ESCPOS_CMD_BAD_PARAM', 3, `GS k ${m}: unknown barcode system`);
}

function decodeDle(buf: Uint8Array): Step {
  const c = buf[1];
  if (c === undefined) return NEED_MORE;
  if (c === 0x04) {
    const n = buf[2];
    if (n === undefined) return NEED_MORE;
    return n >= 1 && n <= 4 ? frame({ kind: 'realtime-status', n }, 3) : bad('ESCPOS_CMD_BAD_PARAM', 3, `DLE EOT ${n}: n must be 1-4`);
  }
  if (c === 0x05) return buf.length < 3 ? NEED_MORE : frame({ kind: 'ignored', bytes: buf.slice(0, 3) }, 3);
  if (c === 0x14) return buf.length < 5 ? NEED_MORE : frame({ kind: 'ignored', bytes: buf.slice(0, 5) }, 5);
  return bad('ESCPOS_CMD_UNKNOWN', 2, `unknown command DLE 0x${hex(c)}`);
}

const hex = (b: number): string => b.toString(16).padStart(2, '0');
