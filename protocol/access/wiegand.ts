import { err, ok, type CodedError, type Result } from '../core/index.ts';

/**
 * Wiegand card formats as readers send them (wire Wiegand, or OSDP RAW with format 1):
 * bits are numbered 1..n in transmission order and packed most significant bit first.
 *
 * - 26 bits (HID H10301): bit 1 even parity over bits 1-13, bits 2-9 facility (8 bits),
 *   bits 10-25 card number (16 bits), bit 26 odd parity over bits 14-26.
 * - 34 bits (HID H10306): bit 1 even parity over bits 1-17, bits 2-17 facility (16 bits),
 *   bits 18-33 card number (16 bits), bit 34 odd parity over bits 18-34.
 *
 * Canonical badge number (what Credential.number carries): facility * 65536 + card as a
 * decimal string without leading zeros. The same rule turns a printed "fac:card" into a
 * number in protocol/access/credential.ts, so the rights store matches both.
 */
export type WiegandFormat = 'wiegand26' | 'wiegand34';

export type WiegandErrorCode =
  /** Only 26 and 34 bits are understood. */
  | 'WIEGAND_UNSUPPORTED_LENGTH'
  /** Fewer data bytes than the bit count needs. */
  | 'WIEGAND_DATA_TOO_SHORT'
  | 'WIEGAND_BAD_LEADING_PARITY'
  | 'WIEGAND_BAD_TRAILING_PARITY';

export type WiegandError = CodedError<WiegandErrorCode>;

export interface WiegandCard {
  readonly format: WiegandFormat;
  readonly facility: number;
  readonly card: number;
  /** facility * 65536 + card, decimal. */
  readonly badgeNumber: string;
  /** The bits as sent, '0'/'1' characters (for the journal's raw field). */
  readonly bits: string;
}

interface Layout {
  readonly format: WiegandFormat;
  readonly length: number;
  readonly facilityBits: number;
  /** Last bit (1-based) covered by the leading even parity; the trailing odd parity covers the rest. */
  readonly evenEnd: number;
}

const LAYOUTS: Record<number, Layout> = {
  26: { format: 'wiegand26', length: 26, facilityBits: 8, evenEnd: 13 },
  34: { format: 'wiegand34', length: 34, facilityBits: 16, evenEnd: 17 },
};

export function canonicalBadgeNumber(facility: number, card: number): string {
  return String(facility * 65536 + card);
}

/** Decodes `bitCount` bits packed MSB first in `data` (OSDP RAW layout). */
export function decodeWiegand(data: Uint8Array, bitCount: number): Result<WiegandCard, WiegandError> {
  if (data.length * 8 < bitCount) return err({ code: 'WIEGAND_DATA_TOO_SHORT', message: `${data.length} byte(s) cannot hold ${bitCount} bits` });
  const bits: number[] = [];
  for (let i = 0; i < bitCount; i++) bits.push(((data[i >> 3] as number) >> (7 - (i & 7))) & 1);
  return decodeWiegandBits(bits);
}

/** Decodes a bit array in transmission order (each element 0 or 1; anything non-zero counts as 1). */
export function decodeWiegandBits(input: readonly number[]): Result<WiegandCard, WiegandError> {
  const layout = LAYOUTS[input.length];
  if (!layout) return err({ code: 'WIEGAND_UNSUPPORTED_LENGTH', message: `${input.length}-bit Wiegand is not supported (26 or 34)` });
  const bits = input.map((b) => (b ? 1 : 0));
  const ones = (from: number, to: number): number => bits.slice(from - 1, to).reduce((a: number, b) => a + b, 0);
  if (ones(1, layout.evenEnd) % 2 !== 0) return err({ code: 'WIEGAND_BAD_LEADING_PARITY', message: `even parity over bits 1-${layout.evenEnd} fails` });
  if (ones(layout.evenEnd + 1, layout.length) % 2 !== 1) return err({ code: 'WIEGAND_BAD_TRAILING_PARITY', message: `odd parity over bits ${layout.evenEnd + 1}-${layout.length} fails` });
  const field = (from: number, count: number): number => bits.slice(from - 1, from - 1 + count).reduce((a: number, b) => a * 2 + b, 0);
  const facility = field(2, layout.facilityBits);
  const card = field(2 + layout.facilityBits, 16);
  return ok({ format: layout.format, facility, card, badgeNumber: canonicalBadgeNumber(facility, card), bits: bits.join('') });
}

/** Encodes a card with correct parity (the simulated readers use this). Throws RangeError on out-of-range values. */
export function encodeWiegand(format: WiegandFormat, facility: number, card: number): { data: Uint8Array; bitCount: number } {
  const layout = format === 'wiegand26' ? (LAYOUTS[26] as Layout) : (LAYOUTS[34] as Layout);
  if (!Number.isInteger(facility) || facility < 0 || facility >= 2 ** layout.facilityBits || !Number.isInteger(card) || card < 0 || card > 0xffff) {
    throw new RangeError(`facility ${facility} / card ${card} do not fit ${format}`);
  }
  const bits = [0];
  for (let i = layout.facilityBits - 1; i >= 0; i--) bits.push(Math.floor(facility / 2 ** i) % 2);
  for (let i = 15; i >= 0; i--) bits.push((card >> i) & 1);
  bits.push(0);
  const ones = (from: number, to: number): number => bits.slice(from - 1, to).reduce((a, b) => a + b, 0);
  bits[0] = ones(2, layout.evenEnd) % 2;
  bits[layout.length - 1] = 1 - (ones(layout.evenEnd + 1, layout.length - 1) % 2);
  const data = new Uint8Array(Math.ceil(layout.length / 8));
  bits.forEach((b, i) => {
    if (b) data[i >> 3] = (data[i >> 3] as number) | (0x80 >> (i & 7));
  });
  return { data, bitCount: layout.length };
}
