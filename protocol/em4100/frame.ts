import type { DecodeStep } from '../core/result.ts';

/**
 * The ASCII frame of 125 kHz EM4100 serial modules (RDM6300 and alike, 9600 8N1, receive only):
 *
 *   STX(0x02)  10 ASCII hex (version byte + 4-byte tag)  2 ASCII hex checksum  ETX(0x03)
 *
 * The checksum is the XOR of the 5 data bytes. Modules repeat the frame about every 65 ms
 * while the card stays in the field; de-duplication is the driver's job, not the codec's.
 */
export const EM4100_FRAME_LENGTH = 14;
const STX = 0x02;
const ETX = 0x03;

export interface Em4100Frame {
  /** The version / customer byte (first data byte). */
  readonly version: number;
  /** The 32-bit tag number (the 4 bytes after the version), the number printed on most cards. */
  readonly tag: number;
  /** The 10 data hex digits as sent, upper-cased: the reader's own notation of the card. */
  readonly hex: string;
}

export type Em4100ErrorCode =
  /** Bytes before a start byte (line noise, a frame joined in the middle): skipped up to the next STX. */
  | 'EM4100_NO_STX'
  /** A data or checksum position holds something other than an ASCII hex digit. */
  | 'EM4100_BAD_HEX'
  /** A new STX arrived before the frame was complete (a frame lost bytes). */
  | 'EM4100_TRUNCATED'
  /** Byte 13 is not ETX. */
  | 'EM4100_NO_ETX'
  /** The XOR of the data bytes differs from the transmitted checksum. */
  | 'EM4100_BAD_CHECKSUM';

function hexValue(byte: number): number {
  if (byte >= 0x30 && byte <= 0x39) return byte - 0x30;
  if (byte >= 0x41 && byte <= 0x46) return byte - 0x41 + 10;
  if (byte >= 0x61 && byte <= 0x66) return byte - 0x61 + 10;
  return -1;
}

/** Bytes to drop so that the buffer starts at the next STX after position 0 (or is empty). */
function skipToNextStx(buf: Uint8Array): number {
  const next = buf.indexOf(STX, 1);
  return next === -1 ? buf.length : next;
}

function bad(code: Em4100ErrorCode, skip: number, message: string): DecodeStep<Em4100Frame, Em4100ErrorCode> {
  return { kind: 'bad', code, skip, message };
}

/** Decodes the frame at the head of `buf`. Never throws; every `bad` step skips at least one byte. */
export function decodeEm4100Frame(buf: Uint8Array): DecodeStep<Em4100Frame, Em4100ErrorCode> {
  if (buf.length === 0) return { kind: 'need-more' };
  if (buf[0] !== STX) return bad('EM4100_NO_STX', skipToNextStx(buf), `expected STX 0x02, got 0x${(buf[0] as number).toString(16).padStart(2, '0')}`);
  // Check what is there already, so that a broken frame is reported without waiting for 14 bytes.
  const digitsSeen = Math.min(buf.length, 13);
  for (let i = 1; i < digitsSeen; i++) {
    const b = buf[i] as number;
    if (b === STX) return bad('EM4100_TRUNCATED', i, `frame restarted at byte ${i}`);
    if (hexValue(b) < 0) return bad('EM4100_BAD_HEX', skipToNextStx(buf), `byte ${i} (0x${b.toString(16).padStart(2, '0')}) is not an ASCII hex digit`);
  }
  if (buf.length < EM4100_FRAME_LENGTH) return { kind: 'need-more' };
  if (buf[13] !== ETX) return bad('EM4100_NO_ETX', skipToNextStx(buf), `expected ETX 0x03 at byte 13, got 0x${(buf[13] as number).toString(16).padStart(2, '0')}`);
  const bytes: number[] = [];
  for (let i = 0; i < 6; i++) bytes.push(hexValue(buf[1 + 2 * i] as number) * 16 + hexValue(buf[2 + 2 * i] as number));
  const [version, b1, b2, b3, b4, check] = bytes as [number, number, number, number, number, number];
  const xor = version ^ b1 ^ b2 ^ b3 ^ b4;
  if (xor !== check) return bad('EM4100_BAD_CHECKSUM', EM4100_FRAME_LENGTH, `checksum 0x${check.toString(16).padStart(2, '0')} but data XOR is 0x${xor.toString(16).padStart(2, '0')}`);
  const hex = String.fromCharCode(...buf.subarray(1, 11)).toUpperCase();
  return { kind: 'frame', frame: { version, tag: ((b1 << 24) >>> 0) + (b2 << 16) + (b3 << 8) + b4, hex }, consumed: EM4100_FRAME_LENGTH };
}

/** Encodes a frame as a reader sends it (upper-case hex). `tag` must be a 32-bit unsigned integer. */
export function encodeEm4100Frame(frame: { version: number; tag: number }): Uint8Array {
  const { version, tag } = frame;
  if (!Number.isInteger(version) || version < 0 || version > 0xff) throw new RangeError(`EM4100 version byte out of range: ${version}`);
  if (!Number.isInteger(tag) || tag < 0 || tag > 0xffffffff) throw new RangeError(`EM4100 tag out of range: ${tag}`);
  const data = [version, (tag >>> 24) & 0xff, (tag >>> 16) & 0xff, (tag >>> 8) & 0xff, tag & 0xff];
  const check = data.reduce((a, b) => a ^ b, 0);
  const ascii = [...data, check].map((b) => b.toString(16).toUpperCase().padStart(2, '0')).join('');
  const out = new Uint8Array(EM4100_FRAME_LENGTH);
  out[0] = STX;
  for (let i = 0; i < 12; i++) out[1 + i] = ascii.charCodeAt(i);
  out[13] = ETX;
  return out;
}
