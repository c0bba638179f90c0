/**
 * The length rule of every ESC/POS command in Epson's reference that the decoder does not
 * model (line spacing, fonts, Kanji, page mode, drawer pulse, NV memory...), so that a
 * printer skips it whole instead of printing its parameters. Pure.
 *
 * A rule gives the command's whole length from the bytes at the head of the buffer, or
 * NEED_MORE while those bytes do not tell it yet. A command outside this table is unknown:
 * Epson printers ignore its first two bytes, and so does the decoder.
 */
export const NEED_MORE = -1;
export const UNKNOWN = -2;

type Rule = (buf: Uint8Array) => number;

const u16 = (buf: Uint8Array, at: number): number | undefined => (buf.length < at + 2 ? undefined : (buf[at] as number) | ((buf[at + 1] as number) << 8));

/** `prefix` command bytes, then `n` parameter bytes. */
const fixed = (n: number): Rule => (buf) => (buf.length < 2 + n ? NEED_MORE : 2 + n);

/** `<prefix> ( fn pL pH` then pL + pH*256 bytes (the ESC (, GS ( and FS ( families). */
export const paren16: Rule = (buf) => {
  const len = u16(buf, 3);
  return len === undefined ? NEED_MORE : 5 + len;
};

/** GS 8 L p1 p2 p3 p4 then p1 + p2*256 + p3*65536 + p4*16777216 bytes (large graphics). */
export const paren32: Rule = (buf) => {
  if (buf.length < 7) return NEED_MORE;
  const len = ((buf[3] as number) | ((buf[4] as number) << 8) | ((buf[5] as number) << 16)) + (buf[6] as number) * 0x1000000;
  return 7 + len;
};

/** ESC D n1 ... nk NUL: horizontal tab positions, at most 32 then NUL. */
const nulTerminated: Rule = (buf) => {
  for (let i = 2; i < buf.length && i <= 2 + 32; i++) if (buf[i] === 0) return i + 1;
  return buf.length > 2 + 32 ? 2 + 33 : NEED_MORE;
};

/** ESC & y c1 c2 [x d1 ... d(y*x)] for each character c1..c2: user-defined characters. */
const userCharacters: Rule = (buf) => {
  if (buf.length < 5) return NEED_MORE;
  const y = buf[2] as number;
  let at = 5;
  for (let c = buf[3] as number; c <= (buf[4] as number); c++) {
    const x = buf[at];
    if (x === undefined) return NEED_MORE;
    at += 1 + x * y;
  }
  return at;
};

/** GS * x y d1 ... d(x*y*8): a downloaded bit image. */
const downloadedImage: Rule = (buf) => (buf.length < 4 ? NEED_MORE : 4 + (buf[2] as number) * (buf[3] as number) * 8);

/** FS q n [xL xH yL yH d1 ... d(x*y*8)] n times: NV bit images. */
const nvImages: Rule = (buf) => {
  if (buf.length < 3) return NEED_MORE;
  let at = 3;
  for (let i = 0; i < (buf[2] as number); i++) {
    const x = u16(buf, at);
    const y = u16(buf, at + 2);
    if (x === undefined || y === undefined) return NEED_MORE;
    at += 4 + x * y * 8;
  }
  return at;
};

const ESC_RULES: Readonly<Record<number, Rule>> = {
  0x0c: fixed(0), 0x20: fixed(1), 0x24: fixed(2), 0x25: fixed(1), 0x26: userCharacters, 0x28: paren16, 0x32: fixed(0), 0x33: fixed(1),
  // ESC 4 n (italic) and ESC B n t (buzzer) are not Epson's, but common clones take them.
  0x34: fixed(1), 0x3f: fixed(1), 0x42: fixed(2), 0x44: nulTerminated, 0x47: fixed(1), 0x4c: fixed(0), 0x4d: fixed(1), 0x52: fixed(1),
  0x53: fixed(0), 0x54: fixed(1), 0x55: fixed(1), 0x56: fixed(1), 0x57: fixed(8), 0x5c: fixed(2), 0x63: fixed(2), 0x65: fixed(1),
  0x70: fixed(3), 0x72: fixed(1), 0x75: fixed(1), 0x76: fixed(0), 0x7b: fixed(1),
};

const GS_RULES: Readonly<Record<number, Rule>> = {
  0x24: fixed(2), 0x28: paren16, 0x2a: downloadedImage, 0x2f: fixed(1), 0x38: (buf) => (buf.length < 3 ? NEED_MORE : buf[2] === 0x4c ? paren32(buf) : UNKNOWN),
  0x3a: fixed(0), 0x45: fixed(1), 0x48: fixed(1), 0x49: fixed(1), 0x4c: fixed(2), 0x50: fixed(2), 0x54: fixed(1), 0x57: fixed(2),
  0x5c: fixed(2), 0x5e: fixed(3), 0x62: fixed(1), 0x63: fixed(0), 0x66: fixed(1), 0x67: fixed(4), 0x68: fixed(1), 0x6a: fixed(1),
  0x77: fixed(1), 0x7a: fixed(3),
};

const FS_RULES: Readonly<Record<number, Rule>> = {
  0x21: fixed(1), 0x26: fixed(0), 0x28: paren16, 0x2d: fixed(1), 0x2e: fixed(0), 0x3f: fixed(2), 0x43: fixed(1), 0x53: fixed(2),
  0x57: fixed(1), 0x70: fixed(2), 0x71: nvImages,
};

const RULES: Readonly<Record<number, Readonly<Record<number, Rule>>>> = { 0x1b: ESC_RULES, 0x1d: GS_RULES, 0x1c: FS_RULES };

/** The whole length of the command at the head of `buf` (an ESC, GS or FS command not modelled), NEED_MORE, or UNKNOWN. */
export function skipLength(buf: Uint8Array): number {
  const table = RULES[buf[0] as number];
  if (!table) return UNKNOWN;
  const c = buf[1];
  if (c === undefined) return NEED_MORE;
  const rule = table[c];
  return rule ? rule(buf) : UNKNOWN;
}
