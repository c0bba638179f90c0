import { err, ok, type CodedError, type Result } from '../core/result.ts';

/**
 * Badge number normalisation: the same physical card must match whichever reader reported it
 * and whichever notation a member's card, an export or the front desk uses.
 *
 * Canonical form: the card value as a decimal string without leading zeros ("12345678";
 * "0" for the value zero). The card value is at most 32 bits: the 4 tag bytes of an EM4100
 * card, or facility x 65536 + card number of Wiegand notation.
 *
 * Accepted notations (spaces around the text are ignored):
 * - Decimal: digits only, always read as decimal ("0012345678" -> "12345678"). Readers that
 *   type a 10-digit number print the 32-bit tag in decimal.
 * - Hex: a "0x"/"0X" prefix, or any of the letters a-f/A-F. A digits-only hex number must carry
 *   the prefix ("0x00123456"): without it, it is decimal. Up to 8 hex digits = the 32-bit value.
 * - EM4100 reader notation: exactly 10 hex digits = version byte + 4-byte tag ("0100BC614E");
 *   the version byte is dropped, as 10-digit decimal readers and printed cards drop it.
 *   Ten decimal digits without letters are decimal, never EM4100 hex.
 * - Wiegand facility and card: "fac:card" or "fac,card", both decimal, facility 0..65535 and
 *   card 0..65535 (Wiegand 26 facility is 0..255); value = facility x 65536 + card. A Wiegand 26
 *   reader sees only the low 24 bits of an EM4100 tag, so it matches cards whose top tag byte is 0.
 */
export type BadgeNotation = 'decimal' | 'hex' | 'em4100-hex' | 'wiegand';

export interface NormalisedBadge {
  /** Canonical badge number: decimal, no leading zeros. */
  readonly number: string;
  readonly notation: BadgeNotation;
}

export type CredentialErrorCode =
  | 'CREDENTIAL_EMPTY'
  /** Characters that belong to no notation (letters beyond f, punctuation, inner spaces). */
  | 'CREDENTIAL_INVALID_CHARS'
  /** Hex with a length that is neither 1..8 (a value) nor 10 (EM4100 version + tag). */
  | 'CREDENTIAL_BAD_HEX_LENGTH'
  /** The value does not fit in 32 bits. */
  | 'CREDENTIAL_OUT_OF_RANGE'
  /** A Wiegand facility or card number outside 0..65535, or an empty part. */
  | 'CREDENTIAL_WIEGAND_OUT_OF_RANGE';

export type CredentialError = CodedError<CredentialErrorCode>;

const MAX_VALUE = 0xffffffff;
const MAX_INPUT = 64;

function fail(code: CredentialErrorCode, message: string): Result<NormalisedBadge, CredentialError> {
  return err({ code, message });
}

function fromValue(value: number, notation: BadgeNotation): Result<NormalisedBadge, CredentialError> {
  if (!Number.isSafeInteger(value) || value > MAX_VALUE) return fail('CREDENTIAL_OUT_OF_RANGE', `card value ${value} does not fit in 32 bits`);
  return ok({ number: String(value), notation });
}

function parseWiegand(text: string): Result<NormalisedBadge, CredentialError> {
  const [fac, card, extra] = text.split(/[:,]/);
  if (extra !== undefined || !fac || !card || !/^\d+$/.test(fac) || !/^\d+$/.test(card)) {
    return fail('CREDENTIAL_WIEGAND_OUT_OF_RANGE', `"${text}" is not "facility:card" with two decimal numbers`);
  }
  const f = Number(fac);
  const c = Number(card);
  if (f > 0xffff || c > 0xffff) return fail('CREDENTIAL_WIEGAND_OUT_OF_RANGE', `facility ${f} or card ${c} above 65535`);
  return fromValue(f * 0x10000 + c, 'wiegand');
}

function parseHex(digits: string): Result<NormalisedBadge, CredentialError> {
  if (digits.length === 10) return fromValue(parseInt(digits.slice(2), 16), 'em4100-hex');
  if (digits.length < 1 || digits.length > 8) return fail('CREDENTIAL_BAD_HEX_LENGTH', `${digits.length} hex digits: expected 1 to 8 (card value) or 10 (EM4100)`);
  return fromValue(parseInt(digits, 16), 'hex');
}

/** Normalises a badge number in any accepted notation (see above). Never throws. */
export function normaliseBadge(input: string): Result<NormalisedBadge, CredentialError> {
  const text = input.trim();
  if (text.length === 0) return fail('CREDENTIAL_EMPTY', 'empty badge number');
  if (text.length > MAX_INPUT) return fail('CREDENTIAL_OUT_OF_RANGE', `badge text longer than ${MAX_INPUT} characters`);
  if (/[:,]/.test(text)) return parseWiegand(text.replace(/\s+/g, ''));
  if (/^0x/i.test(text)) {
    const digits = text.slice(2);
    if (!/^[0-9a-f]*$/i.test(digits)) return fail('CREDENTIAL_INVALID_CHARS', `"${text}" is not a hex number`);
    return parseHex(digits);
  }
  if (/^\d+$/.test(text)) {
    const stripped = text.replace(/^0+(?=\d)/, '');
    if (stripped.length > 10) return fail('CREDENTIAL_OUT_OF_RANGE', `decimal card value ${text} does not fit in 32 bits`);
    return fromValue(Number(stripped), 'decimal');
  }
  if (/^[0-9a-f]+$/i.test(text)) return parseHex(text);
  return fail('CREDENTIAL_INVALID_CHARS', `"${text}" is neither a decimal, hex nor facility:card badge number`);
}
