import type { DecodeStep } from '../core/index.ts';
import { DLE, ESC, GS, QR_MAX_BYTES } from './commands.ts';
import type { EscposErrorCode } from './errors.ts';

/**
 * Streaming decoder of the ESC/POS byte stream a host sends to a printer: what the
 * simulator runs, and what the encoder's round-trip tests decode. Pure; never throws.
 * Unknown commands are reported with ESCPOS_CMD_UNKNOWN and skipped by their two
 * leading bytes, as most printers ignore them.
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
  | { readonly kind: 'code-page'; readonly n: number }
  | { readonly kind: 'feed-lines'; readonly n: number }
  | { readonly kind: 'cut'; readonly partial: boolean; readonly feedDots?: number }
  /** GS ( k, cn = 49 (QR): fn and the bytes after it. */
  | { readonly kind: 'qr'; readonly fn: number; readonly params: Uint8Array }
  | { readonly kind: 'barcode'; readonly system: number; readonly data: Uint8Array }
  | { readonly kind: 'realtime-status'; readonly n: number }
  | { readonly kind: 'paper-sensor-status'; readonly n: number }
  | { readonly kind: 'automatic-status-back'; readonly mask: number }
  /** A known command that changes nothing this decoder models (line spacing, fonts, HRI...). */
  | { readonly kind: 'ignored'; readonly bytes: Uint8Array };

export type CommandDecodeCode = Extract<EscposErrorCode, 'ESCPOS_CMD_UNKNOWN' | 'ESCPOS_CMD_BAD_PARAM' | 'ESCPOS_CMD_BAD_CONTROL'>;
type Step = DecodeStep<EscposCommand, CommandDecodeCode>;

/** Parameter byte counts of fixed-length commands that change nothing modelled here. */
const ESC_IGNORED: Readonly<Record<number, number>> = {
  0x20: 1, 0x21: 1, 0x24: 2, 0x32: 0, 0x33: 1, 0x47: 1, 0x4a: 1, 0x4d: 1, 0x52: 1, 0x56: 1, 0x7b: 1,
};
const GS_IGNORED: Readonly<Record<number, number>> = {
  0x42: 1, 0x48: 1, 0x4c: 2, 0x57: 2, 0x66: 1, 0x68: 1, 0x77: 1,
};

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
    default:
      return bad('ESCPOS_CMD_BAD_CONTROL', 1, `control byte 0x${hex(b0)} starts no command`);
  }
}

function decodeEsc(buf: Uint8Array): Step {
  const c = buf[1];
  if (c === undefined) return NEED_MORE;
  if (c === 0x40) return frame({ kind: 'init' }, 2);
  const ignored = ESC_IGNORED[c];
  if (ignored !== undefined) return buf.length < 2 + ignored ? NEED_MORE : frame({ kind: 'ignored', bytes: buf.slice(0, 2 + ignored) }, 2 + ignored);
  if (c === 0x63) {
    // ESC c 3 n / ESC c 4 n / ESC c 5 n: paper sensor and panel key settings.
    return buf.length < 4 ? NEED_MORE : frame({ kind: 'ignored', bytes: buf.slice(0, 4) }, 4);
  }
  const n = buf[2];
  if (![0x45, 0x2d, 0x61, 0x74, 0x64].includes(c)) return bad('ESCPOS_CMD_UNKNOWN', 2, `unknown command ESC 0x${hex(c)}`);
  if (n === undefined) return NEED_MORE;
  switch (c) {
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
    case 0x74:
      return frame({ kind: 'code-page', n }, 3);
    default:
      return frame({ kind: 'feed-lines', n }, 3);
  }
}

function decodeGs(buf: Uint8Array): Step {
  const c = buf[1];
  if (c === undefined) return NEED_MORE;
  const ignored = GS_IGNORED[c];
  if (ignored !== undefined) return buf.length < 2 + ignored ? NEED_MORE : frame({ kind: 'ignored', bytes: buf.slice(0, 2 + ignored) }, 2 + ignored);
  switch (c) {
    case 0x21: {
      const n = buf[2];
      if (n === undefined) return NEED_MORE;
      const width = (n >> 4) + 1;
      const height = (n & 0x0f) + 1;
      return width > 8 || height > 8 ? bad('ESCPOS_CMD_BAD_PARAM', 3, `GS ! 0x${hex(n)}: magnification above 8`) : frame({ kind: 'size', width, height }, 3);
    }
    case 0x56:
      return decodeCut(buf);
    case 0x28:
      return decodeGsParen(buf);
    case 0x6b:
      return decodeBarcode(buf);
    case 0x72:
    case 0x61: {
      const n = buf[2];
      if (n === undefined) return NEED_MORE;
      return c === 0x72 ? frame({ kind: 'paper-sensor-status', n }, 3) : frame({ kind: 'automatic-status-back', mask: n }, 3);
    }
    default:
      return bad('ESCPOS_CMD_UNKNOWN', 2, `unknown command GS 0x${hex(c)}`);
  }
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
  // A QR store holds at most QR_MAX_BYTES + 3; anything longer is garbage, not a reason to swallow 64 KiB.
  if (len > QR_MAX_BYTES + 3) return bad('ESCPOS_CMD_BAD_PARAM', 3, `GS ( 0x${hex(fnClass)} with parameter length ${len}`);
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
